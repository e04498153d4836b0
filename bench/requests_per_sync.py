"""Requests per sync, for each tracker, against the fewest its API allows.

A fake tracker (in this process) holds N tickets with history, comments and time; a client
syncs it with the real ``sync_client`` into a SQLite store (``[comments] mode = "off"``, so
only pulling is counted; deletions are checked every 1000 runs, their cost shown apart).
Scenarios: the first (full) sync, a sync where nothing changed, and syncs after k tickets
changed (k = 1, 10, 100). Each count is checked against the fake's request log.

Minimums (no batch endpoints: their sub-requests count against the rate limits anyway):

- Jira: one search page per 100 issues (comments, worklogs and changelog embedded); a
  no-change sync is one search.
- Trello: the board with its cards, lists, labels and 1000 actions nested is one request, then
  one per further 1000 actions; a later sync is one actions request, plus, for k changed cards,
  min(k card reads, a whole-board read).
- Asana: one listing page per 100 tasks, plus one story read per task (stories carry the
  comments and the moves; no listing embeds them), plus one time-entry read per task with time
  and one read per entry (a listing of entries is compact: only an entry's own record says when
  it was made, ``created_at``, which the ledger needs).

``--no-time-tracking`` serves Asana as on a plan without time tracking (402 on time entries;
``actual_time_minutes`` read instead).

    python bench/requests_per_sync.py [--tickets 1000] [--changed 1,10,100] [--only jira]
                                      [--no-time-tracking]
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import tomli_w

from bridge.clientfile.load import load_client
from bridge.store import Store
from bridge.sync.connect import build_connector
from bridge.sync.run import SyncOptions, sync_client
from connectors.testing.fakes import Fake, make_fake, tracker_table

T0 = datetime.now(UTC) - timedelta(days=30)
TRACKERS = ("jira", "trello", "asana")


def populate(fake: Fake, tickets: int) -> tuple[list[str], str, str]:
    """Tickets with two moves, two comments and one time entry each; (ids, client, team)."""
    client = fake.add_person("Claire Client", "claire@client.example")
    team = fake.add_person("Tom Team", "tom@studio.example")
    ids = []
    for n in range(tickets):
        at = T0 + timedelta(minutes=2 * n)
        t = fake.create_ticket(f"Change {n}", client, at=at)
        fake.move(t, "In Progress", team, at=at + timedelta(seconds=10))
        fake.add_comment(t, "Please also check mobile", client, at=at + timedelta(seconds=20))
        fake.add_comment(t, "On it", team, at=at + timedelta(seconds=30))
        fake.log_time(t, 1800, team, at=at + timedelta(seconds=40))
        fake.move(t, "In Review", team, at=at + timedelta(seconds=50))
        ids.append(t)
    return ids, client, team


def minimum(tracker: str, fake: Fake, tickets: int, changed: int | None) -> int:
    """The fewest requests the tracker's API allows for the same data (see the docstring)."""
    if tracker == "jira":
        return max(1, math.ceil((changed if changed is not None else tickets) / 100))
    if tracker == "trello":
        board = max(1, math.ceil(fake.action_count / 1000))  # type: ignore[attr-defined]
        if changed is None:
            return board
        return 1 + (min(changed, board) if changed else 0)
    entries = fake.time_tracking  # type: ignore[attr-defined]
    tasks = fake.tasks.values()  # type: ignore[attr-defined]
    with_time = sum(1 for t in tasks if t.entries) if entries else 0
    records = sum(len(t.entries) for t in tasks) if entries else 0
    if changed is None:
        return math.ceil(tickets / 100) + tickets + with_time + records
    # a changed task is re-read with its stories (and its time entries, if it has some: here
    # one each, read in a listing, then on its own)
    return max(1, math.ceil(changed / 100)) + changed * (3 if entries else 1)


def run(tracker: str, tickets: int, ks: list[int], folder: Path,
        time_tracking: bool = True) -> list[dict[str, Any]]:
    fake = make_fake(tracker, **({} if time_tracking else {"time_tracking": False}))
    fake.start()
    store = Store.open(f"sqlite:///{folder / f'{tracker}.db'}")
    try:
        ids, client, team = populate(fake, tickets)
        table = {
            "client": f"bench-{tracker}", "timezone": "Europe/Paris",
            "tracker": tracker_table(tracker, fake, "env:RB_BENCH_TOKEN"),
            "quote": {"rounds_included": 3}, "comments": {"mode": "off"},
            "contacts": {"team": [team]}, "reconcile_every": 1000,
        }
        path = folder / f"{tracker}.toml"
        path.write_text(tomli_w.dumps(table))
        os.environ["RB_BENCH_TOKEN"] = fake.token
        config = load_client(path)
        rows: list[dict[str, Any]] = []

        def measure(label: str, changed: int | None, **options: Any) -> None:
            logged = len(fake.log)
            summary = sync_client(config, store, SyncOptions(**options))
            assert summary.outcome == "ok", summary.error
            made = summary.requests_made
            assert made == len(fake.log) - logged, "requests_made disagrees with the fake's log"
            rows.append({"tracker": tracker, "sync": label, "tickets": summary.tickets,
                         "requests": made, "minimum": minimum(tracker, fake, tickets, changed),
                         "seconds": summary.seconds})

        measure(f"first (full) sync of {tickets}", None)
        measure("nothing changed", 0)
        at = datetime.now(UTC) - timedelta(hours=1)
        for k in ks:
            at += timedelta(minutes=1)
            for j, t in enumerate(ids[:k]):
                change: Callable[..., Any] = fake.add_comment if j % 2 else fake.move
                change(t, "One more thing" if j % 2 else "To Do", client, at=at)
            measure(f"{k} changed", k)
        logged = len(fake.log)
        build_connector(config).list_ids()
        rows.append({"tracker": tracker, "sync": "deletion check (list_ids)",
                     "tickets": tickets, "requests": len(fake.log) - logged,
                     "minimum": max(1, math.ceil(tickets / 100)) if tracker != "trello" else 1,
                     "seconds": 0.0})
        return rows
    finally:
        store.close()
        fake.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=1000)
    parser.add_argument("--changed", default="1,10,100")
    parser.add_argument("--only", choices=TRACKERS)
    parser.add_argument("--no-time-tracking", action="store_true")
    args = parser.parse_args()
    ks = [int(k) for k in args.changed.split(",") if k]
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as folder:
        for tracker in TRACKERS:
            if args.only in (None, tracker):
                rows += run(tracker, args.tickets, ks, Path(folder),
                            time_tracking=not (args.no_time_tracking and tracker == "asana"))
    print(f"{'tracker':<8} {'sync':<28} {'tickets':>7} {'requests':>8} {'minimum':>7} "
          f"{'extra':>5} {'seconds':>7}")
    for r in rows:
        print(f"{r['tracker']:<8} {r['sync']:<28} {r['tickets']:>7} {r['requests']:>8} "
              f"{r['minimum']:>7} {r['requests'] - r['minimum']:>5} {r['seconds']:>7.2f}")
    print("reproduce: PYTHONPATH=. /work/main/.venv/bin/python bench/requests_per_sync.py "
          f"--tickets {args.tickets} --changed {args.changed}"
          + (f" --only {args.only}" if args.only else "")
          + (" --no-time-tracking" if args.no_time_tracking else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
