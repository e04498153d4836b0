"""``revbridge status [CLIENT] [--json]`` and ``revbridge explain CLIENT TICKET``."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated, Any

import typer

from bridge.cli.app import (
    ClientArgument,
    ConfigDirOption,
    DbOption,
    app,
    err,
    out,
    print_data,
    report,
)
from connectors.errors import ConfigError

if TYPE_CHECKING:
    from bridge.clientfile.schema import ClientConfig
    from bridge.store.reading import RecordReads


@app.command("status")
def status(
    client: Annotated[str | None, typer.Argument(
        metavar="CLIENT", help="A client; every client if omitted.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="The ledger as JSON.")] = False,
    config_dir: ConfigDirOption = None,
    db: DbOption = None,
) -> None:
    """Rounds and hours used against the quote, overage, late requests.

    Without CLIENT, a broken client file is reported (stderr) and the other clients are shown;
    the exit code is then the worst one (2).
    """
    from bridge.clientfile.load import configs_named
    from bridge.engine.invoicing import summarize
    from bridge.present.invoice_view import status_rows
    from bridge.present.ledger_view import ledger_to_json, render_status
    from bridge.store.derive import ledger_for
    from bridge.store.reading import open_for_reading

    named = configs_named([client] if client else [], config_dir)
    if client is not None and isinstance(named[0][1], ConfigError):
        raise named[0][1]  # the one client asked for: its problems are the command's error
    worst = 0
    results: list[dict[str, Any]] = []
    with open_for_reading(db) as store:
        for _, config in named:
            if isinstance(config, ConfigError):
                worst = max(worst, report(config))
                continue
            ledger = ledger_for(store, config)
            run = store.last_run(config.client, outcome="ok")
            last_sync = run.finished_at if run is not None else None
            billing = summarize(ledger, store.invoices(config.client))
            if as_json:
                results.append({**ledger_to_json(ledger, last_sync), **billing.as_json()})
            else:
                held = store.held_counts([config.client]).get(config.client, 0)
                out.print(render_status(ledger, last_sync, status_rows(billing), held))
            if not as_json and store.last_run(config.client) is None:
                err.print(f"note: {config.client} has never been synced into the database "
                          f"{store.where()}: run `revbridge sync {config.client}` (or pass the "
                          "--db that your syncs use)", markup=False, soft_wrap=True)
    if as_json:
        print_data(json.dumps(results[0] if client is not None else results))
    if worst:
        raise typer.Exit(worst)


@app.command("explain")
def explain(
    client: ClientArgument,
    ticket: Annotated[str, typer.Argument(
        metavar="TICKET", help="A ticket key or remote id.")],
    config_dir: ConfigDirOption = None,
    db: DbOption = None,
) -> None:
    """Why a request is in its round, with the events behind it and what it costs."""
    from bridge.clientfile.load import find_client, load_client
    from bridge.present.ledger_view import explain as explain_request
    from bridge.store.derive import ledger_for
    from bridge.store.reading import open_for_reading

    config = load_client(find_client(client, config_dir))
    with open_for_reading(db) as store:
        ledger = ledger_for(store, config)
        if not ledger.find(ticket):
            raise ConfigError([_not_a_request(store, config, ticket)])
    out.print(explain_request(ledger, ticket), markup=False)


def _not_a_request(store: RecordReads, config: ClientConfig, ticket: str) -> str:
    from bridge.engine.classify import why_not_a_request

    stored = [t for t in store.load_records(config.client, comments=False).tickets
              if ticket in (t.key, t.remote_id)]
    if not stored:
        return (f"{ticket}: no ticket with this key or id in the store for {config.client}: "
                f"check the key, or run `revbridge sync {config.client}` first")
    return (f"{ticket} is not a request of {config.client}'s quote: "
            f"{why_not_a_request(stored[0], config)}")
