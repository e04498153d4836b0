"""Benchmark: the CPU of one quiet client sync, through the daemon's sync path.

``--clients`` client files on the fakes of ``bench/agency.py`` (one Jira, two Trello tokens,
one Asana token, the demo story on each, comments in ``review`` mode), the fakes in this
process, the syncs in a child process (its CPU is the syncs' only). The child syncs every
client once (full pulls), then ``--rounds`` times more: every one of those syncs is a quiet
one (nothing new on the tracker, every notice already queued). Each sync goes the way the
agency bench's worker sends it: the spread rule's look at the last runs (its period made so
short that it never skips), then ``sync_outcome`` with budgets per credential (shared through
the store on PostgreSQL). Printed: CPU milliseconds per quiet sync (``time.process_time``,
the child's threads included), best and median of the rounds; and the SQL statements sent and
the connections taken from the pool per quiet sync (a sync's talk with the store: each
checkout of a PostgreSQL connection also pings it).

    python bench/quiet_cpu.py [--clients 20] [--rounds 5] [--pg URL] [--profile FILE]

``--pg`` runs on PostgreSQL (a new schema, dropped after), else on a new SQLite file.
``--profile FILE`` writes the quiet rounds' cProfile statistics to FILE (read them with
``python -m pstats FILE``); the CPU figures are then the profiler's, not the syncs'.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.agency import start_fakes  # noqa: E402


def run_child(args: argparse.Namespace) -> None:
    """Sync every client once, then ``--rounds`` quiet rounds; one JSON line of results."""
    import cProfile

    from sqlalchemy import event

    from bridge.clientfile.load import check_table
    from bridge.daemon.fair import synced_lately
    from bridge.store import Store
    from bridge.store.budgets import share_budgets, stop_sharing_budgets
    from bridge.sync.run import SyncOptions, sync_outcome

    configs = []
    for table in json.loads(Path(args.tables).read_text()):
        config, problems = check_table(Path(f"{table['client']}.toml"), table)
        assert config is not None, problems
        configs.append(config)
    store = Store.open(args.db)
    share_budgets(store.engine)
    talk = {"statements": 0, "checkouts": 0}

    def statement(*_: Any) -> None:
        talk["statements"] += 1

    def checkout(*_: Any) -> None:
        talk["checkouts"] += 1

    event.listen(store.engine, "before_cursor_execute", statement)
    event.listen(store.engine, "checkout", checkout)

    def one(config: Any) -> int:
        # as the agency bench's worker: the spread rule, then again once the lock is held
        assert synced_lately(store, config.client, 0.0) is None
        options = SyncOptions(lock_timeout=0.0, skip_once_locked=lambda: synced_lately(
            store, config.client, 0.0) is not None)
        result = sync_outcome(config, store, options)
        assert result.error is None and result.summary is not None, result.error
        assert result.summary.notices_posted == 0
        return result.summary.notices_queued

    for config in configs:  # the full pulls
        one(config)
    talk.update(statements=0, checkouts=0)
    profile = cProfile.Profile(time.process_time) if args.profile else None
    rounds: list[float] = []
    for _ in range(args.rounds):
        cpu = time.process_time()
        if profile is not None:
            profile.enable()
        queued = sum(one(config) for config in configs)
        if profile is not None:
            profile.disable()
        rounds.append((time.process_time() - cpu) * 1000 / len(configs))
        assert queued == 0, f"a quiet round queued {queued} notice(s)"
    if profile is not None:
        profile.dump_stats(args.profile)
    stop_sharing_budgets()
    store.close()
    syncs = args.rounds * len(configs)
    print(json.dumps({"ms_per_quiet_sync": rounds,
                      **{name: count / syncs for name, count in talk.items()}}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--pg", help="PostgreSQL URL: the syncs run there (a new schema)")
    parser.add_argument("--profile", help="write the quiet rounds' cProfile stats here")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    parser.add_argument("--tables", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        run_child(args)
        return
    fakes, tables, env = start_fakes(args.clients, 3600)
    admin: Any = None
    schema = f"rb_quiet_{uuid.uuid4().hex[:8]}"
    try:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "tables.json"
            path.write_text(json.dumps(tables, default=lambda moment: moment.isoformat()))
            db = f"sqlite:///{tmp}/quiet.db"
            if args.pg:
                from sqlalchemy import create_engine, text
                admin = create_engine(args.pg)
                with admin.begin() as conn:
                    conn.execute(text(f'CREATE SCHEMA "{schema}"'))
                sep = "&" if "?" in args.pg else "?"
                db = f"{args.pg}{sep}options=-csearch_path%3D{schema}"
            argv = [sys.executable, __file__, "--child", "--db", db, "--tables", str(path),
                    "--rounds", str(args.rounds)]
            if args.profile:
                argv += ["--profile", str(Path(args.profile).resolve())]
            out = subprocess.run(argv, env={**os.environ, **env}, stdout=subprocess.PIPE,
                                 text=True, check=True).stdout
    finally:
        if admin is not None:
            from sqlalchemy import text
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()
        for _, fake in fakes:
            fake.stop()
    found = json.loads(out.splitlines()[-1])
    rounds = found["ms_per_quiet_sync"]
    store = "PostgreSQL" if args.pg else "SQLite"
    print(f"{store}, {len(tables)} clients, {args.rounds} quiet rounds: CPU per quiet sync "
          f"best {min(rounds):.1f} ms, median {statistics.median(rounds):.1f} ms "
          f"(rounds: {', '.join(f'{r:.1f}' for r in rounds)}); {found['statements']:.1f} "
          f"SQL statements and {found['checkouts']:.1f} connection checkouts per sync; "
          f"load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
