"""One sync of one client (docs/architecture.md §7), planned then applied.

lock → pull pages (each page and its cursor in one transaction) → reconcile deletions every
``reconcile_every`` runs or with ``full`` (only from a complete listing) → derive the ledger →
queue new notices → post pending ones → record the run. Nothing here knows a tracker by name.

Errors flow one way: :func:`sync_client` records the run (``failed``, with the error's text) and
raises; :func:`sync_outcome` returns the summary and the error instead, for callers that go on
with other clients. A sync is stopped through ``SyncOptions.stop``, never from a callback.
"""

from __future__ import annotations

import logging
import math
import os
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from bridge.clientfile.schema import ClientConfig
from bridge.engine.ledger import Ledger
from bridge.engine.rounds import LedgerInput, compute_ledger
from bridge.store import Store
from bridge.store.derive import OutboxIndex, ledger_for
from bridge.store.scratch import scratch_copy
from bridge.sync.connect import build_connector
from bridge.sync.outbox import new_notices, post_pending, queue_notices, refresh_overdue
from bridge.sync.screen import save_page, screen_page
from connectors.base import Connector, SkippedRecord, StatusChange, Ticket
from connectors.errors import ConfigError, Interrupted, RevbridgeError, SyncError

if TYPE_CHECKING:  # connectors.http loads requests, which reading a ledger does not need
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
    #: set (from any thread) to end the sync after the page it is committing, or between two
    #: notices it is posting: it then raises :class:`Interrupted` with ``stop_reason``
    stop: threading.Event | None = None
    stop_reason: str = "the sync was asked to stop"
    #: called once when another process holds the client's lock and this sync waits for it
    on_lock_wait: Callable[[], None] | None = None
    #: asked once the lock is held, before the run starts: True skips this sync (outcome
    #: ``skipped``, nothing recorded) — the daemon's "synced lately", which another daemon may
    #: have made true while this one waited for the lock
    skip_once_locked: Callable[[], bool] | None = None


@dataclass
class RunSummary:
    """What one sync did; printed by ``sync`` and ``sync --json``."""

    client: str
    outcome: str = "running"  # ok | failed | skipped
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
    #: queued ``skipped``: for requests made before ``[comments] since`` (never posted)
    notices_skipped: int = 0
    #: the client's notices waiting for review after the sync (``revbridge outbox list``)
    notices_held: int = 0
    would_post: list[dict[str, str]] = field(default_factory=list)
    requests_made: int = 0
    error: str | None = None

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


ConnectorFactory = Callable[[ClientConfig, "RetryPolicy | None"], Connector]


def sync_client(
    config: ClientConfig,
    store: Store,
    options: SyncOptions | None = None,
    connector_factory: ConnectorFactory = build_connector,
    *,
    summary: RunSummary | None = None,
) -> RunSummary:
    """Sync one client; returns what it did.

    Raises what ended it: :class:`LockTimeout` before anything started, any other error after
    the run is recorded as failed, with the error's text, in the store. ``summary`` is filled
    as the sync goes: pass one to keep what a failed sync did (:func:`sync_outcome` does).

    A dry run syncs a throwaway copy of the client's rows (:mod:`bridge.store.scratch`), under
    the client's lock: the store is left exactly as it was found, nothing is posted.
    """
    options = options or SyncOptions()
    if options.dry_run:
        with store.lock(config.client, timeout=options.lock_timeout,
                        on_wait=options.on_lock_wait), \
                scratch_copy(store, config.client) as scratch:
            return _sync(config, scratch, options, connector_factory, summary)
    return _sync(config, store, options, connector_factory, summary)


def _sync(config: ClientConfig, store: Store, options: SyncOptions,
          connector_factory: ConnectorFactory, summary: RunSummary | None) -> RunSummary:
    client = config.client
    if summary is None:
        summary = RunSummary(client=client)
    summary.started_at = datetime.now(UTC).isoformat()
    began = time.monotonic()
    with store.lock(client, timeout=options.lock_timeout, on_wait=options.on_lock_wait):
        if options.skip_once_locked is not None and options.skip_once_locked():
            summary.outcome = "skipped"
            return summary
        run = store.start_run(client)
        connector: Connector | None = None
        try:
            connector = connector_factory(config, options.policy)
            pulled = Pulled()
            _pull(store, config, connector, options, summary, pulled, run.cursor)
            _reconcile(store, config, connector, options, summary, run.number)
            # before the first sync has completed, every request already made is old news
            since = config.comments_since or run.first_synced_at
            _derive_and_post(store, config, connector, options, summary, pulled, since)
        except BaseException as exc:
            summary.outcome, summary.error = "failed", _why(exc)
            if isinstance(exc, RevbridgeError):
                log.error("%s: sync failed: %s", client, summary.error)
            raise
        else:
            summary.outcome = "ok"
        finally:
            summary.requests_made = connector.requests_made if connector is not None else 0
            summary.seconds = round(time.monotonic() - began, 3)
            finished = store.finish_run(run.id, summary.outcome, counts=_counts(summary),
                                        requests_made=summary.requests_made, error=summary.error)
            if (summary.outcome == "ok" and run.first_synced_at is None
                    and finished.finished_at is not None):
                # to the second, as trackers and notice keys write a request's time
                store.record_first_sync(client, finished.finished_at.replace(microsecond=0))
    return summary


@dataclass
class Pulled:
    """The tickets a run pulled, with their records as stored before the run replaced them."""

    ids: set[str] = field(default_factory=set)
    tickets: list[Ticket] = field(default_factory=list)
    changes: list[StatusChange] = field(default_factory=list)

    def added_requests(self, ledger: Ledger, config: ClientConfig) -> int:
        """How many of ``ledger``'s requests the run added: those of the pulled tickets that
        their stored records did not make (under the same client file: editing it adds none,
        and a run after a failed one does not count the failed run's requests again)."""
        if not self.ids:
            return 0
        before = compute_ledger(LedgerInput(self.tickets, self.changes, ()), config,
                                ledger.computed_at)
        known = {(r.remote_id, r.at) for r in before.requests}
        return sum(1 for r in ledger.requests
                   if r.remote_id in self.ids and (r.remote_id, r.at) not in known)


@dataclass(frozen=True)
class SyncOutcome:
    """How one client's sync ended, for callers that sync several clients and go on."""

    #: what the sync did; None when it never started (its lock was held, the store refused)
    summary: RunSummary | None
    #: what ended it; None when it succeeded
    error: RevbridgeError | None


def sync_outcome(
    config: ClientConfig,
    store: Store,
    options: SyncOptions | None = None,
    connector_factory: ConnectorFactory = build_connector,
) -> SyncOutcome:
    """:func:`sync_client` for batch callers (``sync`` over several clients, the daemon): a
    :class:`RevbridgeError` is returned with the summary, not raised (a bug still raises)."""
    summary = RunSummary(client=config.client)
    try:
        sync_client(config, store, options, connector_factory, summary=summary)
    except RevbridgeError as exc:
        return SyncOutcome(None if summary.outcome == "running" else summary, exc)
    return SyncOutcome(summary, None)


def _check_stop(options: SyncOptions, summary: RunSummary) -> None:
    if options.stop is not None and options.stop.is_set():
        raise Interrupted(f"{options.stop_reason}; {summary.pages} page(s) committed, "
                          "the next sync goes on from there")


def _why(exc: BaseException) -> str:
    """What a failed run records: the error, or that it was stopped (Ctrl-C, SystemExit)."""
    if isinstance(exc, Exception):
        return f"{type(exc).__name__}: {exc}"
    return f"Interrupted: {type(exc).__name__}" + (f": {exc}" if str(exc) else "")


def _pull(store: Store, config: ClientConfig, connector: Connector, options: SyncOptions,
          summary: RunSummary, pulled: Pulled, stored_cursor: str | None) -> None:
    for page in connector.pull(None if options.full else stored_cursor):
        # bad records are reported before the cursor moves past them (see sync/screen.py)
        page = screen_page(page)
        _report_skipped(config.client, page.skipped, summary)
        first_seen = {b.ticket.remote_id for b in page.bundles} - pulled.ids
        if first_seen:  # what these tickets' requests were before the page replaces them
            tickets, changes = store.ticket_histories(config.client, first_seen)
            pulled.ids |= first_seen
            pulled.tickets.extend(tickets)
            pulled.changes.extend(changes)
        refused: list[SkippedRecord] = []
        if page.bundles or page.next_cursor not in (None, stored_cursor):  # else nothing new
            refused = save_page(store, config.client, page)
            stored_cursor = page.next_cursor or stored_cursor
        _report_skipped(config.client, refused, summary)
        summary.pages += 1
        summary.tickets += len(page.bundles) - len(refused)
        if options.progress is not None:
            options.progress(summary.pages, summary.tickets)
        _check_stop(options, summary)


def _report_skipped(client: str, records: Iterable[SkippedRecord], summary: RunSummary) -> None:
    for skipped in records:
        line = f"{skipped.remote_id or '?'}: {skipped.reason}"
        summary.skipped.append(line)
        log.warning("%s: skipped a record from the tracker: %s", client, line)


def _reconcile(store: Store, config: ClientConfig, connector: Connector, options: SyncOptions,
               summary: RunSummary, run_number: int) -> None:
    if not options.full and run_number % config.reconcile_every != 0:
        return
    live = connector.list_ids()  # raises on any failure: never reconcile from a partial list
    stored = store.live_ticket_ids(config.client)
    summary.deleted = store.mark_deleted(config.client, stored - live)


def _derive_and_post(store: Store, config: ClientConfig, connector: Connector,
                     options: SyncOptions, summary: RunSummary, pulled: Pulled,
                     since: datetime | None) -> None:
    with store.session() as session:  # one transaction: a snapshot of both
        records = store.load_records(config.client, comments=False, session=session)
        outbox = OutboxIndex.of(store.notice_states(config.client, session=session))
    ledger = ledger_for(store, config, records=records, outbox=outbox)
    summary.requests = len(ledger.requests)
    summary.new_requests = pulled.added_requests(ledger, config)
    summary.rounds_used = ledger.rounds_used
    live = {t.remote_id for t in records.tickets if not t.deleted}
    fresh = new_notices(ledger, config, outbox, live)
    queued = queue_notices(store, config, fresh, live, since=since or ledger.computed_at)
    summary.notices_queued = len(queued)
    summary.notices_skipped = sum(row.state == "skipped" for row in queued)
    # one read for the notices waiting for review or to be posted: refresh_overdue rewrites
    # texts (never states), so it leaves the rows to post as read unless it rewrote one
    unposted = store.outbox(config.client, ("held", "pending", "sending"))
    waiting = [row for row in unposted if row.state in ("held", "pending")]
    rewritten = refresh_overdue(store, config, ledger, waiting)
    summary.notices_held = sum(row.state == "held" for row in waiting)
    if config.comments.mode == "off":
        return
    to_post = (store.outbox(config.client, ("pending", "sending")) if rewritten
               else [r for r in unposted if r.state in ("pending", "sending")])
    if options.dry_run:  # on the scratch copy: what a real sync would post now
        keys = {t.remote_id: t.key for t in records.tickets}
        summary.would_post = [
            {"ticket": r.ticket_id, "key": keys.get(r.ticket_id, r.ticket_id), "kind": r.kind,
             "body": r.body}
            for r in to_post]
        return
    result = post_pending(store, config.client, connector, rows=to_post, stop=options.stop)
    summary.notices_posted = len(result.posted)
    summary.notices_found_posted = len(result.already_there)
    _check_stop(options, summary)
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
