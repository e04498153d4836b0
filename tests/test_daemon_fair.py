"""A hanging tracker keeps at most its share of the daemon's workers (bridge/daemon/fair.py):
the clients of other trackers keep their schedule, late by less than one period."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest

from bridge.clientfile.load import load_client
from bridge.daemon.fair import synced_lately
from bridge.store import Store
from bridge.sync.run import SyncOptions, sync_outcome
from connectors.testing.fakes.base import Fault
from tests.crash import crash_world
from tests.daemon_world import daemon_world, wait_for
from tests.e2e import TOKEN_ENV, write_client_file

PERIOD = 3.0  # seconds: the healthy client's schedule


def test_a_hanging_tracker_does_not_delay_the_other_clients(tmp_path: Path) -> None:
    with daemon_world(tmp_path) as world:
        hanging = world.add_client("hang-a", every="1s")
        # every request to this tracker takes 20 s: each of its syncs holds a worker that long
        hanging.fake.inject(Fault("timeout", times=10**6, delay=20))
        for slug in ("hang-b", "hang-c"):  # three clients on it: more than the two workers
            table = {**hanging.table, "client": slug}
            write_client_file(world.folder, table, slug)
        healthy = world.add_client("quick", "trello", every=f"{PERIOD:g}s")
        with world.daemon("--workers", "2", "--log-format", "json") as daemon:
            wait_for(lambda: len(world.ok_runs("quick")) >= 5, timeout=40,
                     what="five syncs of the healthy client", daemon=daemon)
            runs = world.ok_runs("quick")
            daemon.stop()
        starts = [r.started_at for r in runs]
        gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(starts)]
        # on time or late by less than one period (the jitter is a tenth of it)
        assert max(gaps) < 2 * PERIOD, gaps
        # the hanging tracker did hold a worker, and the skips were said
        assert hanging.fake.log, "the hanging tracker was never asked"
        assert not any(r.outcome == "ok" for slug in ("hang-a", "hang-b", "hang-c")
                       for r in world.runs(slug))
        records = [json.loads(line) for line in daemon.lines]
        skipped = [r for r in records if r.get("event") == "skipped"]
        assert skipped and all(r.get("client", "").startswith("hang-") for r in skipped)
        assert "still running" in skipped[0]["message"]
        assert healthy.bridge_markers()


def test_a_client_synced_or_being_synced_lately_is_left_to_the_other_daemon(
    store: Store,
) -> None:
    """Two daemons fire a client at nearly the same time: the later one skips it while the
    first one's sync runs, not only once it is done (it would wait for the lock, then sync
    the client a second time)."""
    hour = 3600.0
    assert synced_lately(store, "acme", hour) is None  # never synced
    running = store.start_run("acme")  # another daemon holds the lock and syncs it now
    assert synced_lately(store, "acme", hour) is not None
    store.finish_run(running.id, "failed", error="Timeout")
    assert synced_lately(store, "acme", hour) is None  # a failed sync is tried again
    store.finish_run(store.start_run("acme").id, "ok")
    age = synced_lately(store, "acme", hour)
    assert age is not None and 0 <= age < 1800
    # half a period later, its own daemon's turn has come again
    assert synced_lately(store, "acme", 1e-6) is None


def test_a_client_another_daemon_synced_while_this_one_waited_for_the_lock_is_skipped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The daemon asks "synced lately?" again once it holds the lock: both daemons looked
    before either had written its run row, and the one that waited must not sync again."""
    with crash_world("jira", tmp_path) as world:
        monkeypatch.setenv(TOKEN_ENV, world.fake.token)
        config = load_client(world.config_dir / "demo.toml")
        hour = 3600.0
        asked: list[bool] = []

        def lately() -> bool:
            asked.append(synced_lately(store, "demo", hour) is not None)
            return asked[-1]

        with Store.open(world.db) as store:
            first = sync_outcome(config, store, SyncOptions(skip_once_locked=lately))
            assert first.error is None and first.summary is not None
            assert first.summary.outcome == "ok" and asked == [False]
            requests, run = len(world.fake.log), store.last_run("demo")
            second = sync_outcome(config, store, SyncOptions(skip_once_locked=lately))
            assert second.error is None and second.summary is not None
            assert second.summary.outcome == "skipped" and asked == [False, True]
            assert len(world.fake.log) == requests  # the tracker was not asked
            assert store.last_run("demo") == run  # no run recorded
