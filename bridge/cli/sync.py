"""``revbridge sync [CLIENT...|--all] [--full] [--dry-run] [--json]``."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated

import typer

from bridge.cli.app import ConfigDirOption, DbOption, app, err, out, print_data, report
from connectors.errors import (
    ConfigError,
    CredentialsError,
    CredentialsRefused,
    RevbridgeError,
    exit_code,
)

if TYPE_CHECKING:
    from bridge.sync.run import RunSummary


@app.command("sync")
def sync(
    clients: Annotated[list[str] | None, typer.Argument(
        metavar="CLIENT...", help="Client slugs or paths.")] = None,
    all_clients: Annotated[bool, typer.Option("--all", help="Every configured client.")] = False,
    full: Annotated[bool, typer.Option("--full", help="Pull all; check deletions.")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Post nothing; show it.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
    config_dir: ConfigDirOption = None,
    db: DbOption = None,
) -> None:
    """Pull the clients' trackers, update the ledger, post the status comments."""
    from bridge.clientfile.load import configs_named
    from bridge.store import Store
    from bridge.store.budgets import share_budgets, stop_sharing_budgets
    from bridge.sync.run import SyncOptions, sync_outcome

    if not clients and not all_clients:
        raise ConfigError(["name one or more clients, or pass --all"])
    named = configs_named(clients or [], config_dir)
    summaries: list[RunSummary] = []
    worst = 0
    with Store.open(db) as store, _retries_shown(not as_json):
        share_budgets(store.engine)  # PostgreSQL: a daemon on this store spends the same ones
        try:
            for slug, loaded in named:
                if isinstance(loaded, ConfigError):
                    worst = max(worst, report(loaded))
                    continue
                options = SyncOptions(full=full, dry_run=dry_run)
                options.on_lock_wait = _lock_wait_notice(slug, options.lock_timeout)
                with _progress(slug, quiet=as_json) as hook:
                    options.progress = hook
                    result = sync_outcome(loaded, store, options)
                if result.summary is not None:
                    summaries.append(result.summary)
                if result.error is not None:
                    worst = max(worst, exit_code(result.error))
                    if not as_json or result.summary is None:
                        _report(slug, result.error)
        finally:
            stop_sharing_budgets()
    if as_json:
        payload = [s.as_json() for s in summaries]
        if payload:
            print_data(json.dumps(payload[0] if len(payload) == 1 else payload))
    elif summaries:
        _print_summaries(summaries, dry_run)
    if worst:
        raise typer.Exit(worst)


def _report(slug: str, error: RevbridgeError) -> None:
    """The error, once, and for refused or missing credentials the commands that fix them."""
    report(error)
    if isinstance(error, CredentialsRefused | CredentialsError):
        err.print(f"fix: store a working token with `revbridge auth set {slug}`, then check it "
                  f"with `revbridge auth status {slug}`", markup=False, soft_wrap=True)


def _lock_wait_notice(slug: str, timeout: float) -> Callable[[], None]:
    def notice() -> None:
        err.print(f"waiting for another sync of {slug} to finish (up to {timeout:g} s)…",
                  markup=False, soft_wrap=True)
    return notice


class _RetryLine(logging.Handler):
    """Shows the connectors' "retrying (2/6)" records on a terminal while a sync waits."""

    def emit(self, record: logging.LogRecord) -> None:
        if getattr(record, "event", None) == "retry":
            err.print(f"{self.format(record)}…", markup=False, soft_wrap=True)


@contextmanager
def _retries_shown(wanted: bool) -> Iterator[None]:
    if not wanted or not err.is_terminal:
        yield
        return
    logger = logging.getLogger("connectors")
    handler, level = _RetryLine(logging.INFO), logger.level
    logger.addHandler(handler)
    if logger.getEffectiveLevel() > logging.INFO:
        logger.setLevel(logging.INFO)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


@contextmanager
def _progress(slug: str, quiet: bool) -> Iterator[Callable[[int, int], None] | None]:
    if quiet or not out.is_terminal:
        yield None
        return
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    with Progress(SpinnerColumn(), TextColumn("[bold]{task.description}"), BarColumn(),
                  TextColumn("{task.fields[pages]} pages, {task.fields[tickets]} tickets"),
                  TimeElapsedColumn(), console=out, transient=True) as progress:
        task = progress.add_task(f"{slug}: pulling", total=None, pages=0, tickets=0)

        def hook(pages: int, tickets: int) -> None:
            progress.update(task, pages=pages, tickets=tickets)

        yield hook


def _print_summaries(summaries: list[RunSummary], dry_run: bool) -> None:
    from rich.table import Table

    from bridge.present.ledger_view import held_text
    from bridge.present.outbox_view import skipped_text
    from bridge.present.terminal import clean, plain, safe

    table = Table("client", "outcome", "tickets pulled", "new requests", "rounds used",
                  "would post" if dry_run else "notices posted", "HTTP requests", "time")
    for s in summaries:
        notices = len(s.would_post) if dry_run else s.notices_posted
        table.add_row(plain(s.client), s.outcome, str(s.tickets), str(s.new_requests),
                      str(s.rounds_used), str(notices), str(s.requests_made), f"{s.seconds:.1f}s")
    out.print(table)
    for s in summaries:
        for notice in s.would_post if dry_run else []:
            out.rule(safe(f"{s.client} · {notice['key']} · {notice['kind']}", newlines=False))
            out.print(clean(notice["body"]), markup=False)
        if s.notices_skipped:
            out.print(f"{s.client}: {skipped_text(s.client, s.notices_skipped)}", markup=False)
        if s.notices_held:
            out.print(f"{s.client}: {held_text(s.client, s.notices_held)}", markup=False)
        for line in s.skipped:
            err.print(clean(f"warning: {s.client}: skipped {line}"), markup=False)
