"""``revbridge report CLIENT [--format md|csv|html|pdf] [-o FILE] [--excel] [--language fr|en]
[--from DATE] [--to DATE] [--settings FILE]``."""

from __future__ import annotations

import os
import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, cast

import typer

from bridge.cli.app import ClientArgument, ConfigDirOption, DbOption, SettingsOption, app
from connectors.errors import ConfigError

if TYPE_CHECKING:
    from bridge.present.report import Format, Language


@app.command("report")
def report(
    client: ClientArgument,
    fmt: Annotated[str | None, typer.Option(
        "--format", "-f", metavar="FORMAT",
        help="md, csv, html or pdf (else from -o's extension, else md).",
        show_default=False)] = None,
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", metavar="FILE", help="Write to this file (.md, .csv, .html, .pdf) "
        "instead of standard output.", show_default=False)] = None,
    excel: Annotated[bool, typer.Option(
        "--excel", help="CSV for a French spreadsheet: ';', decimal comma, UTF-8 with BOM "
        "(also [report] csv = \"excel-fr\" in the settings file).")] = False,
    language: Annotated[str | None, typer.Option(
        "--language", "-l", metavar="LANG", help="fr or en (else the client file's language).",
        show_default=False)] = None,
    first: Annotated[datetime | None, typer.Option(
        "--from", formats=["%Y-%m-%d"], show_default=False,
        help="List rounds opened / requests made from this day (YYYY-MM-DD, client's time "
             "zone).")] = None,
    last: Annotated[datetime | None, typer.Option(
        "--to", formats=["%Y-%m-%d"], show_default=False,
        help="... up to this day, included (YYYY-MM-DD).")] = None,
    config_dir: ConfigDirOption = None,
    db: DbOption = None,
    settings: SettingsOption = None,
) -> None:
    """The statement for the client: who bills whom, rounds, hours, what is billed beyond the
    quote, what was invoiced and what is due.

    It holds the quote's terms, each round and its requests, use against the quote, what is
    billed beyond it, the invoices, out-of-scope and late requests.
    """
    from bridge.billing.invoices import summary
    from bridge.clientfile.load import find_client, load_client
    from bridge.clientfile.settings import load_settings
    from bridge.present.report import LANGUAGES, Period, build_report, render_bytes
    from bridge.store import Store
    from bridge.store.derive import ledger_for

    chosen = _format(fmt, output)
    problems = []
    if language is not None and language not in LANGUAGES:
        problems.append(f"--language {language}: choose one of {', '.join(LANGUAGES)}")
    if first is not None and last is not None and first > last:
        problems.append(f"--from {first:%Y-%m-%d} is after --to {last:%Y-%m-%d}")
    if excel and chosen != "csv":
        problems.append(f"--excel is for CSV, and this report is {chosen}: give --format csv "
                        "or an -o FILE.csv")
    if chosen == "pdf" and output is None and sys.stdout.isatty():
        problems.append("a PDF is not for the terminal: give -o FILE.pdf (or redirect)")
    if problems:
        raise ConfigError(problems)
    found = load_settings(settings)
    config = load_client(find_client(client, config_dir))
    with Store.open(db) as store:
        ledger = ledger_for(store, config)
        billing = summary(store, ledger)
    period = None
    if first is not None or last is not None:
        period = Period(first.date() if first else None, last.date() if last else None,
                        config.zone)
    chosen_language = cast("Language", language or config.language)
    built = build_report(ledger, chosen_language, period, billing=billing,
                         freelancer=found.freelancer, client_details=config.client_details)
    data = render_bytes(built, chosen, excel=excel or found.report.csv == "excel-fr")
    if output is None:
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    try:
        output.write_bytes(data)
    except OSError as exc:
        raise ConfigError([f"-o {output}: cannot write it: {exc.strerror}"]) from None


def _format(fmt: str | None, output: Path | None) -> Format:
    """The format asked for, checked against -o's extension; ConfigError (exit 2) on a
    mismatch, an unknown extension or a missing folder."""
    from bridge.present.report import FORMATS, SUFFIXES

    if fmt is not None and fmt not in FORMATS:
        raise ConfigError([f"--format {fmt}: choose one of {', '.join(FORMATS)}"])
    if output is None:
        return fmt or "md"
    suffix = output.suffix.lower()
    known = ", ".join(SUFFIXES)
    from_name = SUFFIXES.get(suffix)
    if from_name is None:
        raise ConfigError([f"-o {output}: {suffix or 'no extension'} is no report format; "
                           f"name the file with one of {known}"])
    if fmt is not None and fmt != from_name:
        raise ConfigError([f"-o {output} is a {from_name} file name but --format is {fmt}: "
                           f"make them agree (e.g. -o {output.with_suffix('.' + fmt)})"])
    folder = output.parent
    if not folder.is_dir():
        raise ConfigError([f"-o {output}: the folder {folder} does not exist; create it "
                           "first or write elsewhere"])
    if not os.access(folder, os.W_OK):
        raise ConfigError([f"-o {output}: the folder {folder} is not writable"])
    return from_name
