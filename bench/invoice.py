"""Benchmark: ``revbridge invoice`` on a client with 10,000 requests and 24 earlier invoices.

The store (SQLite in a temporary folder) holds bench/ledger.py's records (100 rounds of 100
requests, 2 days apart, every request with a time entry); 24 invoices are issued first, one a
week, each billing the new extra rounds. Then the timed step: one invoice through the last day,
as the command runs it (client lock, earlier invoices, records, ledger as of the day, lines,
the row written), best of ``--repeat`` (all but the last are dry runs: the same work less
the insert). Target: under 1 s.

    PYTHONPATH=. python bench/invoice.py [--rounds 100] [--per-round 100] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.ledger import BASE, build, config
from bridge.billing.invoices import issue
from bridge.clientfile.schema import ClientConfig
from bridge.store import Store
from bridge.store.invoices import invoices_of
from connectors.base import TicketBundle

PAGE = 500
EARLIER = 24


def fill(store: Store, cfg: ClientConfig, rounds: int, per_round: int) -> None:
    records = build(rounds, per_round)
    changes, entries = defaultdict(list), defaultdict(list)
    for change in records.changes:
        changes[change.ticket_id].append(change)
    for entry in records.time_entries:
        entries[entry.ticket_id].append(entry)
    bundles = [TicketBundle(t, tuple(changes[t.remote_id]), (), tuple(entries[t.remote_id]))
               for t in records.tickets]
    for start in range(0, len(bundles), PAGE):
        store.save_bundles(cfg.client, bundles[start:start + PAGE])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=100)
    parser.add_argument("--per-round", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    cfg = config("delivery")
    first_day = BASE.date()
    last_day = first_day + timedelta(days=2 * args.rounds + 1)
    now = datetime.combine(last_day + timedelta(days=1), datetime.min.time(), UTC)
    with tempfile.TemporaryDirectory(prefix="rb-invoice-") as folder:
        store = Store.open(f"sqlite:///{Path(folder) / 'invoice.db'}")
        try:
            fill(store, cfg, args.rounds, args.per_round)
            for week in range(1, EARLIER + 1):
                issue(store, cfg, first_day + timedelta(weeks=week), now=now)
            earlier = len(invoices_of(store, cfg.client))
            timings, cpu = [], []
            for attempt in reversed(range(args.repeat)):  # the dry runs, then the real one
                started, used = time.perf_counter(), time.process_time()
                made = issue(store, cfg, last_day, now=now, dry_run=attempt > 0)
                timings.append(time.perf_counter() - started)
                cpu.append(time.process_time() - used)
                assert made is not None
        finally:
            store.close()
    requests = args.rounds * args.per_round
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"invoice of {requests:,} requests after {earlier} earlier invoices: "
          f"{min(timings):.2f} s wall, {min(cpu):.2f} s CPU, best of {args.repeat} "
          f"(written: {timings[-1]:.2f} s), "
          f"{len(made.lines)} lines through {last_day}; load average {load}")
    print("target: < 1 s", "OK" if min(timings) < 1 else "MISSED")


if __name__ == "__main__":
    main()
