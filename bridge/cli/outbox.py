"""``revbridge outbox [list|approve|discard] CLIENT``: notices waiting to be posted."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bridge.cli.app import ClientArgument, ConfigDirOption, DbOption, app, out

outbox_app = typer.Typer(help="Notices queued for posting (review mode).", no_args_is_help=True)
app.add_typer(outbox_app, name="outbox")

IdsOption = Annotated[
    list[int] | None, typer.Option("--id", help="Only this notice (repeatable); all by default.")
]


def _slug(client: str, config_dir: Path | None) -> str:
    """The client's slug, read before the store is opened: a wrong CLIENT creates no database."""
    from bridge.clientfile.load import find_client, load_client

    return load_client(find_client(client, config_dir)).client


@outbox_app.command("list")
def list_notices(
    client: ClientArgument,
    everything: Annotated[bool, typer.Option("--all", help="Posted and discarded too.")] = False,
    config_dir: ConfigDirOption = None,
    db: DbOption = None,
) -> None:
    """The client's notices waiting for approval or for posting."""
    from rich.table import Table

    from bridge.present.terminal import plain
    from bridge.store import Store

    slug = _slug(client, config_dir)
    states = () if everything else ("held", "pending", "sending")
    with Store.open(db) as store:
        rows = store.outbox(slug, states)
    if not rows:
        out.print("Nothing waiting.")
        return
    table = Table("id", "state", "ticket", "kind", "text", show_lines=True)
    for row in rows:
        table.add_row(str(row.id), row.state, plain(row.ticket_id), plain(row.kind),
                      plain(row.body))
    out.print(table)


@outbox_app.command("approve")
def approve_notices(client: ClientArgument, ids: IdsOption = None,
                    config_dir: ConfigDirOption = None, db: DbOption = None) -> None:
    """Release held notices; the next sync posts them."""
    from bridge.store import Store
    from bridge.sync.outbox import approve

    slug = _slug(client, config_dir)
    with Store.open(db) as store:
        count = approve(store, slug, ids or [])
    out.print(f"{count} notice(s) approved; the next sync posts them.")


@outbox_app.command("discard")
def discard_notices(client: ClientArgument, ids: IdsOption = None,
                    config_dir: ConfigDirOption = None, db: DbOption = None) -> None:
    """Drop held or pending notices; they will never be posted."""
    from bridge.store import Store
    from bridge.sync.outbox import discard

    slug = _slug(client, config_dir)
    with Store.open(db) as store:
        count = discard(store, slug, ids or [])
    out.print(f"{count} notice(s) discarded.")
