"""Benchmark: the daemon's memory over many cycles (issue 21: "flat over 1,000 cycles").

A real :class:`bridge.daemon.daemon.Daemon`, run in this process as ``revbridge daemon`` runs
it (its scheduler, worker threads, per-client lock, budgets per credential), over ``--clients``
client files scheduled ``every = "1s"`` (the shortest schedule) on the fakes: Jira, Trello,
Asana in turn, several clients sharing each fake's token. The fakes run in a child process
(this one's memory is the daemon's only). Comments are in ``review`` mode, so after the first
cycle every sync is a quiet one, as most of an agency's are.

A sampler thread counts the daemon's ``synced`` log records; a *cycle* is every client synced
once more. After ``--warmup`` cycles, then every ``--sample`` cycles, it records the process's
resident memory (``/proc/self/statm``), the memory ``tracemalloc`` traces (the bench's own
left out), the objects the garbage collector tracks, the threads and the open file
descriptors. At the end: the growth from the first sample to the last, and the source lines
whose memory grew most. tracemalloc costs memory of its own (RSS grows with its snapshots):
read RSS from a run with ``--frames 0``.

    python bench/daemon_memory.py [--clients 4] [--cycles 1000] [--sample 100] [--warmup 20]

A cycle takes at least a second (the schedule), so 1,000 cycles take about 17 minutes; the
CPU it uses is a few quiet syncs a second.
"""

from __future__ import annotations

import argparse
import gc
import json
import logging
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import tomli_w  # noqa: E402

from bridge.daemon.daemon import Daemon, DaemonOptions  # noqa: E402

TRACKERS = ("jira", "trello", "asana")
PAGE = os.sysconf("SC_PAGE_SIZE")
#: files whose allocations are the bench's (its snapshots), not the daemon's
NOT_THE_DAEMON = ("*/tracemalloc.py", "*/bench/*")


@dataclass
class Sample:
    cycle: int
    seconds: float
    rss_mb: float
    traced_mb: float
    objects: int
    threads: int
    fds: int


class SyncCounter(logging.Handler):
    """Counts the daemon's ``synced`` records per client (and keeps nothing else)."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.synced: Counter[str] = Counter()
        self.problems = 0
        self.stopping = False  # the syncs the stop interrupts are no problem
        self.changed = threading.Condition()

    def emit(self, record: logging.LogRecord) -> None:
        event = getattr(record, "event", None)
        with self.changed:
            if event == "synced":
                self.synced[str(getattr(record, "client", ""))] += 1
            elif record.levelno >= logging.WARNING and not self.stopping:
                self.problems += 1
                print(f"  daemon: {record.getMessage()}", file=sys.stderr, flush=True)
            self.changed.notify_all()

    def cycles(self, clients: int) -> int:
        return min(self.synced.values()) if len(self.synced) == clients else 0


def serve_fakes(folder: Path, clients: int) -> None:
    """The child process: one fake per tracker, seeded with the demo story, ``clients`` files
    spread over them in ``folder``; prints the tokens' variables (a JSON line), then serves
    until its standard input closes."""
    from bridge.cli.story import play_story
    from connectors.testing.fakes import Fake, make_fake, tracker_table

    fakes: list[Fake] = []
    env: dict[str, str] = {}
    tables = []
    for n, tracker in enumerate(TRACKERS[:clients]):
        fake = make_fake(tracker)
        fake.start()
        story = play_story(fake)
        fakes.append(fake)
        variable = f"RB_MEMORY_TOKEN_{n}"
        env[variable] = fake.token
        tables.append((tracker, fake, story, variable))
    for i in range(clients):
        tracker, fake, story, variable = tables[i % len(tables)]
        slug = f"{tracker}-{i:02d}"
        table = story.client_file(tracker_table(tracker, fake, f"env:{variable}"), slug=slug)
        table["comments"] = {**table.get("comments", {}), "mode": "review"}
        table["schedule"] = {"every": "1s"}
        (folder / f"{slug}.toml").write_bytes(tomli_w.dumps(table).encode())
    print(json.dumps(env), flush=True)
    sys.stdin.read()
    for fake in fakes:
        fake.stop()


def take(cycle: int, began: float, snapshots: list[tracemalloc.Snapshot]) -> Sample:
    """A sample; ``snapshots`` keeps the first snapshot and this one (each is megabytes:
    keeping them all would be growth of the bench's own)."""
    del snapshots[1:]
    gc.collect()
    with open("/proc/self/statm") as statm:
        rss = int(statm.read().split()[1]) * PAGE
    traced = 0
    if tracemalloc.is_tracing():
        taken = tracemalloc.take_snapshot().filter_traces(
            [tracemalloc.Filter(False, pattern) for pattern in NOT_THE_DAEMON])
        traced = sum(trace.size for trace in taken.traces)  # the daemon's, not the snapshots'
        snapshots.append(taken)
    return Sample(cycle, time.perf_counter() - began, rss / 2**20, traced / 2**20,
                  len(gc.get_objects()), threading.active_count(),
                  len(os.listdir("/proc/self/fd")))


def sample_until_done(counter: SyncCounter, args: argparse.Namespace, samples: list[Sample],
                      snapshots: list[tracemalloc.Snapshot]) -> None:
    """The sampler thread: a sample at each mark, then SIGTERM to the daemon (this process)."""
    began = time.perf_counter()
    marks = [args.warmup, *range(args.sample, args.cycles + 1, args.sample)]
    for mark in sorted(set(m for m in marks if m >= args.warmup)):
        with counter.changed:
            while counter.cycles(args.clients) < mark:
                counter.changed.wait(5)
        samples.append(take(mark, began, snapshots))
        s = samples[-1]
        print(f"cycle {s.cycle:5d}  {s.seconds:7.1f} s  RSS {s.rss_mb:6.1f} MB  traced "
              f"{s.traced_mb:6.2f} MB  objects {s.objects:7d}  threads {s.threads:3d}  "
              f"fds {s.fds:3d}", flush=True)
    counter.stopping = True
    os.kill(os.getpid(), signal.SIGTERM)


def report(samples: list[Sample], snapshots: list[tracemalloc.Snapshot], top: int) -> None:
    first, last = samples[0], samples[-1]
    cycles = max(1, last.cycle - first.cycle)
    print(f"\ngrowth from cycle {first.cycle} to cycle {last.cycle}: "
          f"RSS {last.rss_mb - first.rss_mb:+.1f} MB, traced "
          f"{(last.traced_mb - first.traced_mb) * 1024:+.0f} KB "
          f"({(last.traced_mb - first.traced_mb) * 2**20 / cycles:+.0f} bytes a cycle), "
          f"objects {last.objects - first.objects:+d}, threads {last.threads - first.threads:+d}, "
          f"fds {last.fds - first.fds:+d}")
    if len(snapshots) < 2:
        return
    print(f"the {top} lines whose traced memory grew most:")
    for stat in snapshots[-1].compare_to(snapshots[0], "lineno")[:top]:
        print(f"  {stat.size_diff / 1024:+8.1f} KB {stat.count_diff:+6d} blocks  "
              f"{stat.traceback[0].filename}:{stat.traceback[0].lineno}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--cycles", type=int, default=1000)
    parser.add_argument("--sample", type=int, default=100, help="cycles between two samples")
    parser.add_argument("--warmup", type=int, default=20, help="cycles before the first sample")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--frames", type=int, default=1,
                        help="tracemalloc traceback depth (0: no tracemalloc, RSS only)")
    parser.add_argument("--top", type=int, default=10)
    parser.add_argument("--serve", help=argparse.SUPPRESS)
    parser.add_argument("--db", help="database URL (default: a SQLite file in a temp dir)")
    args = parser.parse_args()
    if args.serve:
        serve_fakes(Path(args.serve), args.clients)
        return
    print(f"load average before: {os.getloadavg()}")
    if args.frames:
        tracemalloc.start(args.frames)
    counter = SyncCounter()
    watched = logging.getLogger("bridge.daemon")
    watched.setLevel(logging.INFO)
    watched.addHandler(counter)
    watched.propagate = False
    logging.getLogger("apscheduler").setLevel(logging.ERROR)  # as `revbridge daemon` sets it
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "clients"
        folder.mkdir()
        fakes = subprocess.Popen([sys.executable, __file__, "--serve", str(folder),
                                  "--clients", str(args.clients)], stdin=subprocess.PIPE,
                                 stdout=subprocess.PIPE, text=True)
        assert fakes.stdout is not None and fakes.stdin is not None
        os.environ.update(json.loads(fakes.stdout.readline()))
        print(f"{args.clients} clients every 1s, {args.workers} workers, {args.cycles} cycles")
        daemon = Daemon(DaemonOptions(config_dir=folder, db=args.db or f"sqlite:///{tmp}/rb.db",
                                      watch_interval=0, workers=args.workers))
        samples: list[Sample] = []
        snapshots: list[tracemalloc.Snapshot] = []
        sampler = threading.Thread(target=sample_until_done,
                                   args=(counter, args, samples, snapshots), daemon=True)
        sampler.start()
        daemon.run()  # until the sampler's SIGTERM
        fakes.stdin.close()
        fakes.wait()
    report(samples, snapshots, args.top)
    print(f"warnings and errors the daemon logged: {counter.problems}")
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
