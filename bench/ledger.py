"""Benchmark: compute the ledger of 100,000 requests over 1,000 rounds.

Each round holds 90 new tickets and 10 reopened ones from the round before, every request
with a time entry and moves to In Progress, In Review and Done; rounds follow one another
(delivery grouping). Reports the wall and CPU time of ``compute_ledger`` (best of ``--repeat``
runs), the peak memory it allocates (tracemalloc, a separate run) and the process's peak RSS
over the timed runs (input records, interpreter and imports included).
Target: under 1 s and 300 MB.

    python bench/ledger.py [--rounds 1000] [--per-round 100] [--grouping delivery] [--dated]
"""

from __future__ import annotations

import argparse
import gc
import os
import resource
import sys
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bridge.clientfile.schema import ClientConfig
from bridge.engine.rounds import LedgerInput, compute_ledger
from connectors.base import (
    Person,
    StatusChange,
    StatusMap,
    Ticket,
    TimeEntry,
    TrackerSettings,
)

BASE = datetime(2024, 1, 1, 8, 0, tzinfo=UTC)
CLIENT = Person("client-1", "Claire Client", "claire@acme.example")
TEAM = Person("me", "Freelancer", "me@studio.example")
REOPENED_PER_ROUND = 10


def build(rounds: int, per_round: int, dated: bool = False) -> LedgerInput:
    """``dated``: every entry also carries the day the work was done, as Asana's do, and the
    new tickets' entries are logged a day late (their moment is then the end of that day)."""
    tickets: list[Ticket] = []
    changes: list[StatusChange] = []
    entries: list[TimeEntry] = []
    previous: list[Ticket] = []
    new_per_round = per_round - REOPENED_PER_ROUND
    for number in range(rounds):
        start = BASE + timedelta(days=2 * number)
        delivered = start + timedelta(days=1)
        current: list[Ticket] = []
        for i in range(new_per_round):
            tid = str(10_000 + number * new_per_round + i)
            at = start + timedelta(minutes=i)
            ticket = Ticket(tid, f"WEB-{tid}", f"https://acme.example/browse/WEB-{tid}",
                            f"Change {tid}", "Done", (f"round-{number + 1}",), at, delivered,
                            CLIENT)
            current.append(ticket)
            changes.append(StatusChange(tid, at + timedelta(hours=1), TEAM, "To Do", "In Progress",
                                        f"{tid}-1"))
            changes.append(StatusChange(tid, delivered + timedelta(seconds=i), TEAM, "In Progress",
                                        "In Review", f"{tid}-2"))
            changes.append(StatusChange(tid, delivered + timedelta(hours=2), CLIENT, "In Review",
                                        "Done", f"{tid}-3"))
            worked = at + timedelta(hours=2)
            if dated:
                entries.append(TimeEntry(f"w{tid}", tid, worked + timedelta(days=1), TEAM, 1800,
                                         worked.date()))
            else:
                entries.append(TimeEntry(f"w{tid}", tid, worked, TEAM, 1800))
        for j, ticket in enumerate(previous[:REOPENED_PER_ROUND]):
            tid = ticket.remote_id
            at = start + timedelta(minutes=new_per_round + j)
            changes.append(StatusChange(tid, at, CLIENT, "Done", "To Do", f"{tid}-r"))
            changes.append(StatusChange(tid, delivered + timedelta(seconds=j), TEAM, "To Do",
                                        "In Review", f"{tid}-rd"))
            worked = at + timedelta(hours=3)
            entries.append(TimeEntry(f"w{tid}r", tid, worked, TEAM, 900,
                                     worked.date() if dated else None))
        tickets.extend(current)
        previous = current
    if rounds:  # the first round has nothing to reopen: pad it with new tickets
        for i in range(REOPENED_PER_ROUND):
            tid = str(i + 1)
            at = BASE + timedelta(minutes=new_per_round + i)
            tickets.append(Ticket(tid, f"WEB-{tid}", "", f"Change {tid}", "In Review", (), at, at,
                                  CLIENT))
            changes.append(StatusChange(tid, BASE + timedelta(days=1, seconds=i), TEAM, "To Do",
                                        "In Review", f"{tid}-d"))
    return LedgerInput(tickets, changes, entries)


def config(grouping: str) -> ClientConfig:
    rounds: dict[str, object] = {"grouping": grouping}
    if grouping == "window":
        rounds["window_hours"] = 36
    if grouping == "slots":
        rounds["slots"] = "0 6 */2 * *"
    return ClientConfig.model_validate({
        "client": "bench",
        "timezone": "Europe/Paris",
        "tracker": TrackerSettings(type="bench", token="env:X", statuses=StatusMap(
            open=("To Do",), in_progress=("In Progress",), delivered=("In Review",),
            done=("Done",))),
        "quote": {"reference": "Q-1", "rounds_included": 3, "hourly_rate": 80,
                  "hours_included": 10},
        "rounds": rounds,
        "contacts": {"client": ["client-1"], "team": ["me"]},
    })


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=1000)
    parser.add_argument("--per-round", type=int, default=100)
    parser.add_argument("--grouping", default="delivery",
                        choices=["delivery", "window", "label", "slots"])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--dated", action="store_true",
                        help="entries carry a day; new tickets' are logged a day late (Asana)")
    args = parser.parse_args()
    records = build(args.rounds, args.per_round, args.dated)
    input_rss_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    cfg = config(args.grouping)
    now = BASE + timedelta(days=2 * args.rounds + 10)

    best = best_cpu = float("inf")
    for _ in range(args.repeat):
        gc.collect()
        started, started_cpu = time.perf_counter(), time.process_time()
        ledger = compute_ledger(records, cfg, now)
        best = min(best, time.perf_counter() - started)
        best_cpu = min(best_cpu, time.process_time() - started_cpu)
        del ledger
    # Read before tracemalloc starts: it keeps a traceback per allocation and would inflate RSS.
    rss_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    gc.collect()
    tracemalloc.start()
    ledger = compute_ledger(records, cfg, now)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    print(f"requests: {len(ledger.requests):,}  rounds: {ledger.rounds_used:,}  "
          f"counted: {sum(r.status == 'counted' for r in ledger.requests):,}  "
          f"grouping: {args.grouping}")
    print(f"compute_ledger wall time (best of {args.repeat}): {best:.3f} s "
          f"(CPU time {best_cpu:.3f} s; load average {os.getloadavg()[0]:.2f} "
          f"on {os.cpu_count()} CPUs)")
    print(f"compute_ledger peak allocated (tracemalloc): {peak / 2**20:.1f} MiB")
    print(f"process peak RSS (input records included): {rss_kib / 1024:.1f} MiB "
          f"(of which {input_rss_kib / 1024:.1f} MiB before the first compute_ledger)")
    print("reproduce: python bench/ledger.py " + " ".join(sys.argv[1:]))
    print("(the target applies to the wall time on an idle machine; under load, read CPU time)")
    if args.grouping == "delivery" and args.rounds == 1000 and args.per_round == 100:
        ok = (len(ledger.requests) == 100_000 and ledger.rounds_used == 1000
              and best < 1.0 and peak < 300 * 2**20 and rss_kib * 1024 < 300_000_000)
        print("target (100,000 requests, 1,000 rounds, < 1 s, < 300 MB allocated and RSS):",
              "met" if ok else "NOT met")
        if not ok:
            sys.exit(1)


if __name__ == "__main__":
    main()
