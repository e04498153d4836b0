"""``revbridge status [CLIENT] [--json]`` and ``revbridge explain CLIENT TICKET``."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from bridge.cli.app import ClientArgument, ConfigDirOption, DbOption, app, out, report
from connectors.errors import ConfigError


@app.command("status")
def status(
    client: Annotated[str | None, typer.Argument(help="A client; every client if omitted.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="The ledger as JSON.")] = False,
    config_dir: ConfigDirOption = None,
    db: DbOption = None,
) -> None:
    """Rounds and hours used against the quote, overage, late requests.

    Without CLIENT, a broken client file is reported (stderr) and the other clients are shown;
    the exit code is then the worst one (2).
    """
    from bridge.clientfile.load import configs_named
    from bridge.present.ledger_view import ledger_to_json, render_status
    from bridge.store import Store
    from bridge.store.derive import ledger_for

    named = configs_named([client] if client else [], config_dir)
    if client is not None and isinstance(named[0][1], ConfigError):
        raise named[0][1]  # the one client asked for: its problems are the command's error
    worst = 0
    results: list[dict[str, Any]] = []
    with Store.open(db) as store:
        for _, config in named:
            if isinstance(config, ConfigError):
                worst = max(worst, report(config))
                continue
            ledger = ledger_for(store, config)
            run = store.last_run(config.client, outcome="ok")
            last_sync = run.finished_at if run is not None else None
            if as_json:
                results.append(ledger_to_json(ledger, last_sync))
            else:
                out.print(render_status(ledger, last_sync))
    if as_json:
        out.print_json(json.dumps(results[0] if client is not None else results))
    if worst:
        raise typer.Exit(worst)


@app.command("explain")
def explain(
    client: ClientArgument,
    ticket: Annotated[str, typer.Argument(help="A ticket key or remote id.")],
    config_dir: ConfigDirOption = None,
    db: DbOption = None,
) -> None:
    """Why a request is in its round, with the events behind it and what it costs."""
    from bridge.clientfile.load import find_client, load_client
    from bridge.present.ledger_view import explain as explain_request
    from bridge.store import Store
    from bridge.store.derive import ledger_for

    config = load_client(find_client(client, config_dir))
    with Store.open(db) as store:
        ledger = ledger_for(store, config)
    out.print(explain_request(ledger, ticket), markup=False)
