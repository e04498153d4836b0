"""Benchmark: a sync with nothing new, on a client whose notices are all posted already.

The store (a new SQLite file) holds ``bench/ledger.py``'s records — 100,000 requests over 1,000
rounds by default — each ticket with a comment from the client and the bridge's own posted
notice (pulled back, as the trackers return it), and an outbox where every notice the ledger
calls for is ``posted``. The connector's pull brings nothing new. So a sync derives the same
ledger, finds every notice already in the outbox and posts nothing: the work a daemon repeats
every few minutes. Reported, best of ``--repeat`` runs: the wall time of ``sync_client`` (and
of ``--dry-run``), the time spent loading the records and computing the ledger, and the CPU
time (read it when the machine is busy).

    python bench/quiet_sync.py [--rounds 1000] [--per-round 100] [--repeat 3]
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import bridge.sync.run
from bench.ledger import CLIENT, TEAM, build, config
from bridge.clientfile.schema import ClientConfig
from bridge.engine.rounds import compute_ledger
from bridge.present.notices import notices_for
from bridge.store import Store
from bridge.store.models import OutboxRow
from bridge.sync.run import SyncOptions, sync_client
from connectors.base import Comment, Page, Person, TicketBundle, TrackerSettings
from connectors.http import RetryPolicy

PAGE = 1000  # bundles per transaction while filling the store


class QuietConnector:
    """A tracker where nothing changed since the last sync; nothing may be posted."""

    name: ClassVar[str] = "bench"
    Settings: ClassVar[type[TrackerSettings]] = TrackerSettings

    def __init__(self, live: set[str]) -> None:
        self.live = live
        self.requests_made = 0

    def whoami(self) -> Person:
        return TEAM

    def pull(self, cursor: str | None) -> Iterator[Page]:
        yield Page(bundles=(), next_cursor=cursor)

    def list_ids(self) -> set[str]:
        return set(self.live)

    def post_comment(self, ticket_id: str, body: str) -> str:
        raise AssertionError(f"a quiet sync posted on {ticket_id}")

    def find_comment(self, ticket_id: str, marker: str) -> str | None:
        raise AssertionError(f"a quiet sync looked for {marker} on {ticket_id}")


def fill(store: Store, cfg: ClientConfig, rounds: int, per_round: int) -> set[str]:
    """Store the records, the bridge's comments read back and the posted outbox rows."""
    records = build(rounds, per_round)
    ledger = compute_ledger(records, cfg, datetime.now(UTC))
    notices = notices_for(ledger, cfg)
    comments: dict[str, list[Comment]] = defaultdict(list)
    for ticket in records.tickets:
        comments[ticket.remote_id].append(Comment(
            f"c{ticket.remote_id}", ticket.remote_id, ticket.created_at + timedelta(minutes=5),
            CLIENT, "Could you also check the footer on mobile?"))
    posted_at = datetime.now(UTC)
    for n, notice in enumerate(notices):
        comments[notice.ticket_id].append(Comment(
            f"n{n}", notice.ticket_id, posted_at, TEAM, notice.body))
    changes, entries = defaultdict(list), defaultdict(list)
    for change in records.changes:
        changes[change.ticket_id].append(change)
    for entry in records.time_entries:
        entries[entry.ticket_id].append(entry)
    bundles = [TicketBundle(t, tuple(changes[t.remote_id]), tuple(comments[t.remote_id]),
                            tuple(entries[t.remote_id])) for t in records.tickets]
    for start in range(0, len(bundles), PAGE):
        store.save_bundles(cfg.client, bundles[start:start + PAGE])
    for start in range(0, len(notices), PAGE):
        store.add_notices([
            OutboxRow(client=cfg.client, key=n.key, ticket_id=n.ticket_id, kind=n.kind,
                      marker=n.marker, body=n.body, state="posted",
                      remote_comment_id=f"n{start + i}", posted_at=posted_at)
            for i, n in enumerate(notices[start:start + PAGE])])
    return {t.remote_id for t in records.tickets}


class Timed:
    """Adds up the time spent in ``owner.name`` while installed."""

    def __init__(self, owner: Any, name: str) -> None:
        self.owner, self.name, self.inner = owner, name, getattr(owner, name)
        self.seconds = 0.0

    def __enter__(self) -> Timed:
        inner = self.inner

        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return inner(*args, **kwargs)
            finally:
                self.seconds += time.perf_counter() - started

        setattr(self.owner, self.name, timed)
        return self

    def __exit__(self, *exc: object) -> None:
        setattr(self.owner, self.name, self.inner)


def best_sync(cfg: ClientConfig, store: Store, live: set[str], repeat: int,
              dry_run: bool) -> dict[str, float]:
    def factory(config: ClientConfig, policy: RetryPolicy | None) -> Any:
        return QuietConnector(live)

    best: dict[str, float] = {"wall": float("inf")}
    for _ in range(repeat):
        gc.collect()
        with (
            Timed(Store, "load_records") as load,
            Timed(bridge.sync.run, "compute_ledger") as derive,
        ):
            started, started_cpu = time.perf_counter(), time.process_time()
            summary = sync_client(cfg, store, SyncOptions(dry_run=dry_run),
                                  connector_factory=factory)
            wall, cpu = time.perf_counter() - started, time.process_time() - started_cpu
        assert summary.outcome == "ok", summary.error
        assert (summary.notices_queued, summary.notices_posted, summary.would_post) == (0, 0, [])
        if wall < best["wall"]:
            best = {"wall": wall, "cpu": cpu, "load": load.seconds, "ledger": derive.seconds,
                    "requests": summary.requests}
    return best


def show(seconds: float) -> str:
    return f"{seconds:.2f} s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=1000)
    parser.add_argument("--per-round", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    cfg = config("delivery")
    with tempfile.TemporaryDirectory(prefix="rb-quiet-sync-") as folder:
        store = Store.open(f"sqlite:///{Path(folder) / 'quiet.db'}")
        try:
            started = time.perf_counter()
            live = fill(store, cfg, args.rounds, args.per_round)
            filled = time.perf_counter() - started
            rows = len(store.outbox(cfg.client, ("posted",)))
            runs: dict[str, dict[str, float]] = {}
            for label, dry_run in (("sync", False), ("sync --dry-run", True)):
                runs[label] = best_sync(cfg, store, live, args.repeat, dry_run)
        finally:
            store.close()
    print(f"quiet sync of {runs['sync']['requests']:,.0f} requests, {rows:,} notices posted "
          f"already (store filled in {show(filled)})")
    for label, best in runs.items():
        rest = best["wall"] - best["load"] - best["ledger"]
        print(f"{label} wall time (best of {args.repeat}): {show(best['wall'])} "
              f"= load_records {show(best['load'])} + compute_ledger {show(best['ledger'])} "
              f"+ the rest (outbox, notices, run rows) {show(rest)}; CPU time {show(best['cpu'])}")
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    print("reproduce: python bench/quiet_sync.py " + " ".join(sys.argv[1:]))


if __name__ == "__main__":
    main()
