"""``revbridge invoice CLIENT --through DATE [--number N] [--dry-run] [--json]``, and
``invoice list CLIENT``, ``invoice show N``, ``invoice void N --reason TEXT``.

``invoice CLIENT ...`` is the group's default command (``issue``): a first argument that is not
``list``, ``show``, ``void`` or ``issue`` is a client.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer.core import TyperGroup

from bridge.cli.app import ClientArgument, ConfigDirOption, DbOption, RevbridgeGroup, app, out

if TYPE_CHECKING:
    from bridge.engine.invoicing import Invoice


class _IssueByDefault(RevbridgeGroup, TyperGroup):
    """``invoice CLIENT ...`` runs ``invoice issue CLIENT ...``."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if args and not args[0].startswith("-") and args[0] not in self.commands:
            args = ["issue", *args]
        return list(super().parse_args(ctx, args))


invoice_app = typer.Typer(cls=_IssueByDefault, no_args_is_help=True,
                          help="Freeze the overage into invoices, each key billed once. "
                          "`revbridge invoice CLIENT --through DATE` issues one "
                          "(the same as `invoice issue CLIENT ...`).")
app.add_typer(invoice_app, name="invoice")

NUMBER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,39}$")
NumberArgument = Annotated[str, typer.Argument(help="An invoice number, e.g. 2026-001.")]


@invoice_app.command("issue")
def issue_invoice(
    client: ClientArgument,
    through: Annotated[datetime, typer.Option(
        "--through", formats=["%Y-%m-%d"], show_default=False,
        help="The last day billed (YYYY-MM-DD, client's time zone), included.")],
    number: Annotated[str | None, typer.Option(
        "--number", help="The invoice number (else the next of the year: 2026-001...).",
        show_default=False)] = None,
    dry_run: Annotated[bool, typer.Option(
        "--dry-run", help="Show the invoice without writing it.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="The invoice as JSON.")] = False,
    config_dir: ConfigDirOption = None,
    db: DbOption = None,
) -> None:
    """Bill the overage up to --through that no earlier invoice billed (the default command)."""
    from bridge.billing.invoices import issue
    from bridge.clientfile.load import find_client, load_client
    from bridge.store import Store
    from bridge.sync.run import default_lock_wait
    from connectors.errors import ConfigError

    if number is not None and not NUMBER.match(number):
        raise ConfigError([f"--number {number!r}: an invoice number is 1 to 40 letters, digits "
                           "and . _ / - (e.g. 2026-014), or leave it out for the next one"])
    config = load_client(find_client(client, config_dir))
    with Store.open(db) as store:
        invoice = issue(store, config, through.date(), number=number,
                        dry_run=dry_run, lock_timeout=default_lock_wait())
    if invoice is None:
        if as_json:
            out.print_json(json.dumps(None))
        else:
            out.print(f"Nothing to invoice for {config.client} through {through:%Y-%m-%d}: "
                      "the overage up to that day is billed already.", markup=False)
        return
    if as_json:
        out.print_json(json.dumps({**invoice.as_json(), "dry_run": dry_run}))
        return
    _print(invoice, config.language, config.quote.hourly_rate)
    if dry_run:
        out.print("Dry run: nothing was written.")


@invoice_app.command("list")
def list_invoices(
    client: ClientArgument,
    as_json: Annotated[bool, typer.Option("--json", help="The invoices as JSON.")] = False,
    config_dir: ConfigDirOption = None,
    db: DbOption = None,
) -> None:
    """The client's invoices, void ones included, oldest first."""
    from rich.table import Table
    from rich.text import Text

    from bridge.clientfile.load import find_client, load_client
    from bridge.present.invoice_view import money
    from bridge.store import Store
    from bridge.store.invoices import invoices_of

    config = load_client(find_client(client, config_dir))
    with Store.open(db) as store:
        found = invoices_of(store, config.client)
    if as_json:
        out.print_json(json.dumps([i.as_json() for i in found]))
        return
    if not found:
        out.print(f"No invoice for {config.client} yet.", markup=False)
        return
    table = Table("number", "through", "issued", "total", "state",
                  title=Text(config.client), title_justify="left")
    for item in found:
        state = Text(f"void: {item.void_reason}" if item.void else "")
        table.add_row(Text(item.number), item.through.isoformat(),
                      f"{item.issued_at:%Y-%m-%d}",
                      money(item.total_cents, item.currency, config.language), state)
    out.print(table)


@invoice_app.command("show")
def show_invoice(number: NumberArgument,
                 as_json: Annotated[bool, typer.Option("--json", help="As JSON.")] = False,
                 db: DbOption = None) -> None:
    """One invoice and its lines."""
    from bridge.store import Store
    from bridge.store.invoices import find_invoice
    from bridge.store.reading import invoice_from_row
    from connectors.errors import ConfigError

    with Store.open(db) as store:
        row = find_invoice(store, number)
    if row is None:
        raise ConfigError([f"no invoice numbered {number}: "
                           "`revbridge invoice list CLIENT` shows the numbers"])
    invoice = invoice_from_row(row)
    if as_json:
        out.print_json(json.dumps(invoice.as_json()))
    else:
        _print(invoice, "en", None)


@invoice_app.command("void")
def void(number: NumberArgument,
         reason: Annotated[str, typer.Option("--reason", help="Why (kept with the invoice).")],
         db: DbOption = None) -> None:
    """Mark an invoice void (kept, never deleted); the next invoice bills its keys again."""
    from bridge.store import Store
    from bridge.store.invoices import void_invoice
    from connectors.errors import ConfigError

    if not reason.strip() or not reason.isprintable():
        raise ConfigError(["--reason: say on one line of text why the invoice is void"])
    with Store.open(db) as store:
        row = void_invoice(store, number, reason.strip())
    out.print(f"Invoice {row.number} ({row.client}) is void; the next invoice for "
              f"{row.client} bills its lines again.", markup=False)


def _print(invoice: Invoice, language: str, hourly_rate: float | None) -> None:
    from bridge.present.invoice_view import render_invoice

    out.print(render_invoice(invoice, language, hourly_rate))
