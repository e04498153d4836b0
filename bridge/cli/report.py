"""``revbridge report CLIENT [--format md|csv|html] [-o FILE] [--language fr|en]
[--from DATE] [--to DATE]``."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, cast

import typer

from bridge.cli.app import ClientArgument, ConfigDirOption, DbOption, app
from bridge.clientfile.load import find_client, load_client
from connectors.errors import ConfigError

if TYPE_CHECKING:
    from bridge.present.report import Format, Language

_SUFFIXES = {".md": "md", ".markdown": "md", ".csv": "csv", ".html": "html", ".htm": "html"}


@app.command("report")
def report(
    client: ClientArgument,
    fmt: Annotated[str | None, typer.Option(
        "--format", "-f", metavar="FORMAT",
        help="md, csv or html (else guessed from -o's extension, else md).",
        show_default=False)] = None,
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", metavar="FILE", help="Write to this file instead of standard output.",
        show_default=False)] = None,
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
) -> None:
    """The statement for the client: rounds, hours and what is billed beyond the quote.

    It holds the quote's terms, each round and its requests, use against the quote, what is
    billed beyond it, out-of-scope and late requests.
    """
    from bridge.present.report import FORMATS, LANGUAGES, Period, build_report, render
    from bridge.store import Store
    from bridge.store.derive import ledger_for

    chosen = fmt or (_SUFFIXES.get(output.suffix.lower()) if output is not None else None) or "md"
    problems = []
    if chosen not in FORMATS:
        problems.append(f"--format {chosen}: choose one of {', '.join(FORMATS)}")
    if language is not None and language not in LANGUAGES:
        problems.append(f"--language {language}: choose one of {', '.join(LANGUAGES)}")
    if first is not None and last is not None and first > last:
        problems.append(f"--from {first:%Y-%m-%d} is after --to {last:%Y-%m-%d}")
    if problems:
        raise ConfigError(problems)
    config = load_client(find_client(client, config_dir))
    with Store.open(db) as store:
        ledger = ledger_for(store, config)
    period = None
    if first is not None or last is not None:
        period = Period(first.date() if first else None, last.date() if last else None,
                        config.zone)
    chosen_language = cast("Language", language or config.language)
    text = render(build_report(ledger, chosen_language, period), cast("Format", chosen))
    if output is None:
        sys.stdout.write(text)
        sys.stdout.flush()
    else:
        output.write_text(text, encoding="utf-8", newline="")
