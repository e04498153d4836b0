"""One sync of one client (docs/architecture.md §7), planned then applied.

lock → pull pages (each page and its cursor in one transaction) → reconcile deletions every
``reconcile_every`` runs or with ``full`` (only from a complete listing) → derive the ledger →
queue new notices → post pending ones → record the run. Nothing here knows a tracker by name.
"""

from __future__ import annotations

import logging
import math
import os
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from bridge.clientfile.schema import ClientConfig
from bridge.engine.ledger import Ledger
from bridge.engine.rounds import LedgerInput, compute_ledger
from bridge.store import ClientRecords, Store
from bridge.store.models import RunRow
from bridge.sync.connect import build_connector
from bridge.sync.outbox import OutboxIndex, new_notices, post_pending, queue_notices
from connectors.base import Connector
from connectors.errors import ConfigError, RevbridgeError, SyncError
from connectors.http import RetryPolicy

log = logging.getLogger(__name__)

#: called after each committed page with (pages so far, tickets so far)
ProgressHook = Callable[[int, int], None]

#: seconds a sync waits for another sync of the same client to finish (default 30)
LOCK_WAIT_ENV = "REVBRIDGE_LOCK_WAIT"
DEFAULT_LOCK_WAIT = 30.0


def default_lock_wait() -> float:
    """``$REVBRIDGE_LOCK_WAIT`` (seconds, 0 = give up at once), else 30."""
    raw = os.environ.get(LOCK_WAIT_ENV, "").strip()
    if not raw:
        return DEFAULT_LOCK_WAIT
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not math.isfinite(value) or value < 0:
        raise ConfigError([f"{LOCK_WAIT_ENV}={raw!r}: expected a number of seconds >= 0"])
    return value


@dataclass
class SyncOptions:
    full: bool = False
    dry_run: bool = False
    lock_timeout: float = field(default_factory=default_lock_wait)
    policy: RetryPolicy | None = None
    progress: ProgressHook | None = None


@dataclass
class RunSummary:
    """What one sync did; printed by ``sync`` and ``sync --json``."""

    client: str
    outcome: str = "running"  # ok | failed
    started_at: str = ""
    seconds: float = 0.0
    pages: int = 0
    tickets: int = 0
    skipped: list[str] = field(default_factory=list)
    deleted: int = 0
    requests: int = 0
    new_requests: int = 0
    rounds_used: int = 0
    notices_queued: int = 0
    notices_posted: int = 0
    notices_found_posted: int = 0
    would_post: list[dict[str, str]] = field(default_factory=list)
    requests_made: int = 0
    error: str | None = None
    #: the failure behind ``outcome = "failed"`` (for the exit code); not in the JSON
    exception: RevbridgeError | None = field(default=None, repr=False)

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("exception")
        return data


def ledger_input(records: ClientRecords, posted_ids: set[str]) -> LedgerInput:
    """The engine's input from stored records (it reads no comments).

    Time entries that are bridge comments are left out: Trello reads ``/spent 2h`` comments as
    time, and a notice whose template puts the ticket title at the start of a line ("/spent 8h
    on the header?") would otherwise bill its own text as hours.
    """
    entries = tuple(e for e in records.time_entries if e.remote_id not in posted_ids)
    return LedgerInput(tickets=records.tickets, changes=records.changes, time_entries=entries)


def current_ledger(store: Store, config: ClientConfig, now: datetime | None = None, *,
                   records: ClientRecords | None = None,
                   outbox: OutboxIndex | None = None) -> Ledger:
    """The client's ledger, derived from the store as it is now (``records`` and ``outbox``:
    the client's, when the caller has read them already)."""
    if records is None:
        records = store.load_records(config.client, comments=False)
    if outbox is None:
        outbox = OutboxIndex.read(store, config.client)
    return compute_ledger(ledger_input(records, outbox.posted_ids), config,
                          now or datetime.now(UTC))


def sync_client(
    config: ClientConfig,
    store: Store,
    options: SyncOptions | None = None,
    connector_factory: Callable[[ClientConfig, RetryPolicy | None], Connector] = build_connector,
) -> RunSummary:
    """Sync one client. Raises only LockTimeout; every other failure is in the summary."""
    options = options or SyncOptions()
    client = config.client
    summary = RunSummary(client=client, started_at=datetime.now(UTC).isoformat())
    began = time.monotonic()
    with store.lock(client, timeout=options.lock_timeout):
        previous = store.last_run(client)
        run = store.start_run(client)
        connector: Connector | None = None
        try:
            connector = connector_factory(config, options.policy)
            _pull(store, config, connector, options, summary)
            _reconcile(store, config, connector, options, summary, run.number)
            before = previous_requests(previous)
            _derive_and_post(store, config, connector, options, summary, before)
            summary.outcome = "ok"
        except RevbridgeError as exc:
            summary.outcome, summary.error = "failed", f"{type(exc).__name__}: {exc}"
            summary.exception = exc
            log.error("%s: sync failed: %s", client, summary.error)
        finally:
            summary.requests_made = connector.requests_made if connector is not None else 0
            summary.seconds = round(time.monotonic() - began, 3)
            outcome = summary.outcome if summary.outcome != "running" else "failed"
            store.finish_run(run.id, outcome, counts=_counts(summary),
                             requests_made=summary.requests_made, error=summary.error)
    return summary


def previous_requests(run: RunRow | None) -> int | None:
    if run is None or run.outcome != "ok":
        return None
    value = run.counts.get("requests")
    return int(value) if value is not None else None


def _pull(store: Store, config: ClientConfig, connector: Connector, options: SyncOptions,
          summary: RunSummary) -> None:
    cursor = None if options.full else store.get_cursor(config.client)
    for page in connector.pull(cursor):
        with store.session() as session:
            store.save_bundles(config.client, page.bundles, session=session)
            if page.next_cursor is not None:
                store.set_cursor(config.client, page.next_cursor, session=session)
        summary.pages += 1
        summary.tickets += len(page.bundles)
        for skipped in page.skipped:
            line = f"{skipped.remote_id or '?'}: {skipped.reason}"
            summary.skipped.append(line)
            log.warning("%s: skipped a record from the tracker: %s", config.client, line)
        if options.progress is not None:
            options.progress(summary.pages, summary.tickets)


def _reconcile(store: Store, config: ClientConfig, connector: Connector, options: SyncOptions,
               summary: RunSummary, run_number: int) -> None:
    if not options.full and run_number % config.reconcile_every != 0:
        return
    live = connector.list_ids()  # raises on any failure: never reconcile from a partial list
    stored = store.live_ticket_ids(config.client)
    summary.deleted = store.mark_deleted(config.client, stored - live)


def _derive_and_post(store: Store, config: ClientConfig, connector: Connector,
                     options: SyncOptions, summary: RunSummary, before: int | None) -> None:
    records = store.load_records(config.client, comments=False)
    outbox = OutboxIndex.read(store, config.client)
    ledger = current_ledger(store, config, records=records, outbox=outbox)
    summary.requests = len(ledger.requests)
    summary.new_requests = summary.requests - before if before is not None else summary.requests
    summary.rounds_used = ledger.rounds_used
    live = {t.remote_id for t in records.tickets if not t.deleted}
    fresh = new_notices(ledger, config, outbox, live)
    if options.dry_run:
        pending = store.outbox(config.client, ("pending", "sending"))
        summary.would_post = (
            [{"ticket": r.ticket_id, "kind": r.kind, "body": r.body} for r in pending]
            + [{"ticket": n.ticket_id, "kind": n.kind, "body": n.body} for n in fresh]
        )
        return
    summary.notices_queued = len(queue_notices(store, config, fresh, live))
    if config.comments.mode == "off":
        return
    result = post_pending(store, config.client, connector)
    summary.notices_posted = len(result.posted)
    summary.notices_found_posted = len(result.already_there)
    if result.failed:
        row, reason = result.failed[0]
        raise SyncError(f"{len(result.failed)} notice(s) refused by the tracker, "
                        f"e.g. on {row.ticket_id}: {reason}")


def _counts(summary: RunSummary) -> dict[str, int]:
    return {
        "pages": summary.pages,
        "tickets": summary.tickets,
        "skipped": len(summary.skipped),
        "deleted": summary.deleted,
        "requests": summary.requests,
        "new_requests": summary.new_requests,
        "rounds_used": summary.rounds_used,
        "notices_queued": summary.notices_queued,
        "notices_posted": summary.notices_posted,
    }
