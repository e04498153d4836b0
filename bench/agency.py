"""Benchmark: an agency's 200 clients on four tracker credentials, one then two "daemons".

200 client files (by default) over one Jira, two Trello tokens (one fake board each, Trello's
limits enforced: 100 / 10 s per token, 300 / 10 s per API key) and one Asana token (a paid
domain's limit enforced: 1,500 a minute), all on the fakes of ``connectors.testing.fakes``
seeded with the demo story. Each client's comments are in ``review`` mode, so a cycle pulls and
derives but posts nothing: after the first (full) cycle, every sync is a quiet one. A "daemon"
here is a worker process running the daemon's sync path over every client, cycle after cycle:
``--workers`` threads, the per-client lock, budgets per credential (shared through PostgreSQL
with ``--pg``), and the daemon's spread rule (``bridge.daemon.fair.synced_lately``: a client
whose last good sync began less than half a period ago is skipped). Every client is scheduled
``every = "<--period>s"`` and cycle *n* starts *n - 1* periods after the first (at once when the
previous cycle ran late); the APScheduler part of the daemon is left out. Phases: one daemon on
the store; then, with ``--pg``, two daemons at once on one PostgreSQL store, their schedule
going on from the first phase's.

Printed per cycle and process: clients synced / skipped (synced lately by the other daemon, or
locked by it) / failed, requests, how late the cycle started, wall time, CPU time per synced
client, peak RSS; per phase: 429s the fakes answered, and per credential the most requests in
a 10 s and a 60 s window — for a Trello token, as a share of the 100 / 10 s its fake enforces,
for the Asana token of the 1,500 a minute. The Jira fake enforces no limit (Jira Cloud's is
cost-based and unpublished) and the connector only holds that credential after a 429, so its
figures are the load it would put on the tracker, not a budget use.

    python bench/agency.py [--clients 200] [--cycles 5] [--period 60] [--workers 4] [--pg URL]

``--period`` must exceed a cycle's wall time, or a client synced late in one cycle is skipped
in the next one (the spread rule sees it synced less than half a period ago).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bridge.cli.story import play_story  # noqa: E402
from connectors.testing.fakes import Fake, make_fake, tracker_table  # noqa: E402
from connectors.testing.fakes.asana import FakeAsana  # noqa: E402
from connectors.testing.fakes.trello import FakeTrello  # noqa: E402

SHARES = (("jira", 0.4), ("trello", 0.2), ("trello", 0.2), ("asana", 0.2))
#: a worker process starts within this many seconds (imports): the first cycle's start
STARTUP = 15.0


def most_in_window(stamps: list[float], window: float) -> int:
    ordered, most, first = sorted(stamps), 0, 0
    for last, stamp in enumerate(ordered):
        while stamp - ordered[first] >= window:
            first += 1
        most = max(most, last - first + 1)
    return most


def start_fakes(clients: int, period: int) -> tuple[list[tuple[str, Fake]],
                                                    list[dict[str, Any]], dict[str, str]]:
    """The four credentials' fakes, the client tables and the env holding the tokens."""
    fakes: list[tuple[str, Fake]] = []
    tables: list[dict[str, Any]] = []
    env: dict[str, str] = {}
    for n, (tracker, share) in enumerate(SHARES):
        # Trello's and Asana's limits enforced (Asana: a paid domain's 1,500 a minute)
        fake = make_fake(tracker, **({"rate_limits": True} if tracker != "jira" else {}))
        fake.start()
        story = play_story(fake)
        fakes.append((tracker, fake))
        variable = f"RB_AGENCY_TOKEN_{n}"
        env[variable] = fake.token
        for i in range(round(clients * share)):
            table = story.client_file(tracker_table(tracker, fake, f"env:{variable}"),
                                      slug=f"{tracker}-{n}-{i:03d}")
            table["comments"] = {**table.get("comments", {}), "mode": "review"}
            table["schedule"] = {"every": f"{period}s"}
            tables.append(table)
    return fakes, tables, env


def run_worker(args: argparse.Namespace) -> None:
    """One "daemon": ``--cycles`` cycles over every client, a JSON line per cycle."""
    from bridge.clientfile.load import check_table
    from bridge.daemon.fair import synced_lately
    from bridge.daemon.schedule import period
    from bridge.store import Store
    from bridge.store.budgets import share_budgets, stop_sharing_budgets
    from bridge.sync.run import SyncOptions, sync_outcome
    from connectors.errors import LockTimeout

    tables = json.loads(Path(args.tables).read_text())
    configs = []
    for table in tables:
        config, problems = check_table(Path(f"{table['client']}.toml"), table)
        assert config is not None, problems
        configs.append(config)
    store = Store.open(args.db)
    share_budgets(store.engine)
    def one(config: Any) -> str:
        # the daemon's spread rule: another daemon synced it well this period (asked again
        # once the lock is held, as the daemon does)
        seconds = period(config.schedule, config.zone)
        if synced_lately(store, config.client, seconds):
            return "recent"
        options = SyncOptions(lock_timeout=0.0, skip_once_locked=lambda: synced_lately(
            store, config.client, seconds) is not None)
        result = sync_outcome(config, store, options)
        if isinstance(result.error, LockTimeout):
            return "locked"
        if result.summary is not None and result.summary.outcome == "skipped":
            return "recent"
        requests = result.summary.requests_made if result.summary else 0
        return f"{'failed' if result.error else 'ok'} {requests}"

    with ThreadPoolExecutor(args.workers) as pool:
        for cycle in range(1, args.cycles + 1):
            # a fixed order, as the daemon's clients keep their place in the period
            due = args.start + (cycle - 1) * args.period
            time.sleep(max(0.0, due - time.time()))
            late = max(0.0, time.time() - due)
            wall, cpu = time.perf_counter(), time.process_time()
            done = list(pool.map(one, configs))
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            synced = [d for d in done if d.startswith("ok")]
            print(json.dumps({
                "pid": os.getpid(), "cycle": cycle, "synced": len(synced),
                "recent": done.count("recent"), "locked": done.count("locked"),
                "failed": len([d for d in done if d.startswith("failed")]),
                "requests": sum(int(d.split()[1]) for d in done if " " in d),
                "late_s": round(late, 1), "wall_s": round(wall, 2),
                "cpu_ms_per_sync": round(cpu * 1000 / max(1, len(synced)), 1),
                "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
            }), flush=True)
    stop_sharing_budgets()
    store.close()


def credential_use(tracker: str, fake: Fake, since: float) -> str:
    """The requests one credential's fake received in the phase, at its busiest."""
    stamps = [r.at for r in list(fake.log) if r.at >= since]
    ten, sixty = most_in_window(stamps, 10.0), most_in_window(stamps, 60.0)
    line = (f"{tracker} token {fake.root_url}: {len(stamps)} requests; at most {ten} in a "
            f"10 s window, {sixty} in a 60 s window")
    if isinstance(fake, FakeTrello):
        # the limiter's own stamps: the requests it admitted against the token's budget
        admitted = most_in_window([s for s in fake.limiter.admitted if s >= since], 10.0)
        return f"{line}; the fake admitted at most {admitted} in 10 s = {admitted}% of its budget"
    if isinstance(fake, FakeAsana) and fake.limiter is not None:
        limit, window = fake.limiter.limits.per_token
        admitted = most_in_window([s for s in fake.limiter.admitted if s >= since], window)
        return (f"{line}; the fake admitted at most {admitted} in {window:g} s = "
                f"{100 * admitted / limit:.0f}% of its budget")
    return f"{line} (the fake enforces no limit: hold-only budget)"


def phase(name: str, daemons: int, db: str, tables: Path, env: dict[str, str],
          fakes: list[tuple[str, Fake]], args: argparse.Namespace, start: float) -> None:
    marks = [len(fake.log) for _, fake in fakes]
    print(f"## {name}")
    argv = [sys.executable, __file__, "--worker", "--db", db, "--tables", str(tables),
            "--cycles", str(args.cycles), "--workers", str(args.workers),
            "--period", str(args.period), "--start", str(start)]
    began, since = time.perf_counter(), time.monotonic()
    procs = [subprocess.Popen(argv, env={**os.environ, **env}, stdout=subprocess.PIPE,
                              text=True) for _ in range(daemons)]
    for proc in procs:
        out, _ = proc.communicate()
        print(out, end="")
        if proc.returncode:
            raise SystemExit(f"a worker failed with exit code {proc.returncode}")
    print(f"phase wall time: {time.perf_counter() - began:.1f} s")
    refused = sum(1 for (_, fake), mark in zip(fakes, marks, strict=True)
                  for r in fake.log[mark:] if r.status == 429)
    print(f"429 answers: {refused}")
    for tracker, fake in fakes:
        print(credential_use(tracker, fake, since))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--cycles", type=int, default=5)
    parser.add_argument("--period", type=int, default=60,
                        help="seconds: every client's schedule, the time between two cycles")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--pg", help="PostgreSQL URL: the phases run there (a new schema)")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    parser.add_argument("--tables", help=argparse.SUPPRESS)
    parser.add_argument("--start", type=float, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        run_worker(args)
        return
    print(f"load average before: {os.getloadavg()}")
    fakes, tables, env = start_fakes(args.clients, args.period)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "tables.json"
        # a TOML datetime (the story's [comments] since) travels as ISO text
        path.write_text(json.dumps(tables, default=lambda moment: moment.isoformat()))
        print(f"{len(tables)} clients every {args.period}s, {args.workers} workers, "
              f"{args.cycles} cycles")
        start = time.time() + STARTUP
        if args.pg:
            from sqlalchemy import create_engine, text
            schema = f"rb_agency_{uuid.uuid4().hex[:8]}"
            admin = create_engine(args.pg)
            with admin.begin() as conn:
                conn.execute(text(f'CREATE SCHEMA "{schema}"'))
            sep = "&" if "?" in args.pg else "?"
            db = f"{args.pg}{sep}options=-csearch_path%3D{schema}"
            try:
                phase("one daemon, PostgreSQL", 1, db, path, env, fakes, args, start)
                # the schedule goes on: the two daemons' first cycle is the next period
                start = max(start + args.cycles * args.period, time.time() + STARTUP)
                phase("two daemons, one PostgreSQL store", 2, db, path, env, fakes, args,
                      start)
            finally:
                with admin.begin() as conn:
                    conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
                admin.dispose()
        else:
            phase("one daemon, SQLite", 1, f"sqlite:///{tmp}/agency.db", path, env, fakes,
                  args, start)
    for _, fake in fakes:
        fake.stop()
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
