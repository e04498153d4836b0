"""Benchmark: the first sync of a 10,000-issue Jira project, against a bare library loop.

The fake Jira runs in a child process (``bench/pull_jira.py``'s ``serve``: every issue with
three moves, three comments and two worklogs), so this process's time and memory are the
client's. The real ``sync_client`` pulls everything into a new SQLite store, derives the
ledger (every issue is a request) and queues nothing (``[comments] mode = "off"``: posting is
not what the bare loop does). Reported, best of ``--repeat`` interleaved runs:

- wall time of the sync vs ``pull_jira.bare_pull`` (the same search pages fetched with the
  ``jira`` library alone, nothing normalized or stored), as a ratio;
- where the sync's time goes: fetching and normalizing pages (time inside the connector's
  ``pull``), writing them to the store (the rest of the pull phase), deriving the ledger;
- peak traced memory of a sync (tracemalloc, separate run) and the process's max RSS.

    PYTHONPATH=. python bench/first_sync.py [--issues 10000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import resource
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import tomli_w

from bench.pull_jira import bare_pull, serve
from bridge.clientfile.load import load_client
from bridge.clientfile.schema import ClientConfig
from bridge.store import Store
from bridge.sync.connect import build_connector
from bridge.sync.run import SyncOptions, sync_client
from connectors.base import Connector, Page
from connectors.http import RetryPolicy


class TimedConnector:
    """The client's real connector, with the time spent inside ``pull`` added up."""

    def __init__(self, inner: Connector) -> None:
        self.inner = inner
        self.pulling = 0.0

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def pull(self, cursor: str | None) -> Iterator[Page]:
        pages = self.inner.pull(cursor)
        while True:
            started = time.perf_counter()
            try:
                page = next(pages)
            except StopIteration:
                self.pulling += time.perf_counter() - started
                return
            self.pulling += time.perf_counter() - started
            yield page


def one_sync(config: ClientConfig, folder: Path, n: int) -> dict[str, float]:
    store = Store.open(f"sqlite:///{folder / f'first-{n}.db'}")
    timed: list[TimedConnector] = []
    last_page = [0.0]

    def factory(cfg: ClientConfig, policy: RetryPolicy | None) -> Connector:
        timed.append(TimedConnector(build_connector(cfg, policy)))
        return timed[-1]  # type: ignore[return-value]

    def progress(pages: int, tickets: int) -> None:
        last_page[0] = time.perf_counter()

    try:
        started = time.perf_counter()
        summary = sync_client(config, store, SyncOptions(progress=progress),
                              connector_factory=factory)
        ended = time.perf_counter()
    finally:
        store.close()
    assert summary.outcome == "ok", summary.error
    pull_phase = last_page[0] - started
    return {"wall": ended - started, "fetch": timed[0].pulling,
            "store": pull_phase - timed[0].pulling, "ledger": ended - last_page[0],
            "tickets": summary.tickets, "requests": summary.requests_made,
            "ledger_requests": summary.requests}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--issues", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    ours, theirs = mp.Pipe()
    child = mp.get_context("fork").Process(target=serve, args=("cloud", args.issues, theirs))
    child.start()
    settings = ours.recv()
    token = settings.pop("_token")
    folder = Path(tempfile.mkdtemp(prefix="rb-first-sync-"))
    os.environ["REVBRIDGE_FAKE_JIRA_TOKEN"] = token
    table = {"client": "bench", "timezone": "Europe/Paris", "tracker": settings,
             "quote": {"rounds_included": 3}, "comments": {"mode": "off"}}
    (folder / "bench.toml").write_text(tomli_w.dumps(table))
    config = load_client(folder / "bench.toml")
    try:
        bare_times, runs = [], []
        for n in range(args.repeat):
            bare_time, bare_issues = bare_pull(settings, token)
            bare_times.append(bare_time)
            runs.append(one_sync(config, folder, n))
        tracemalloc.start()
        one_sync(config, folder, args.repeat)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    finally:
        ours.send("stop")
        child.join()
        for path in folder.iterdir():
            path.unlink()
        folder.rmdir()
    best = min(runs, key=lambda r: r["wall"])
    bare = min(bare_times)
    print(f"jira cloud: first sync of {best['tickets']:.0f} issues "
          f"({best['requests']:.0f} requests; bare loop saw {bare_issues}); "
          f"{best['ledger_requests']:.0f} requests in the ledger")
    print(f"wall time (best of {args.repeat}): sync {best['wall']:.2f}s, bare library loop "
          f"{bare:.2f}s, ratio {best['wall'] / bare:.2f}")
    print("sync time: fetch+normalize {:.2f}s ({:.0%}), store writes {:.2f}s ({:.0%}), "
          "ledger+outbox {:.2f}s ({:.0%})".format(
              best["fetch"], best["fetch"] / best["wall"], best["store"],
              best["store"] / best["wall"], best["ledger"], best["ledger"] / best["wall"]))
    print(f"peak traced memory during a sync: {peak / 2**20:.1f} MiB; "
          f"max RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")
    print("reproduce: PYTHONPATH=. /work/main/.venv/bin/python bench/first_sync.py "
          f"--issues {args.issues} --repeat {args.repeat}")


if __name__ == "__main__":
    main()
