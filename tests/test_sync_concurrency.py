"""Two ``revbridge sync`` of one client at once (DESIGN §3, §7), on SQLite and PostgreSQL:
nothing is posted twice; the second waits for the lock (bounded by ``REVBRIDGE_LOCK_WAIT``)
or gives up with a clear message and exit code 1."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from bridge.store import Store
from connectors.testing.fakes.base import Fault
from tests.crash import COMMENT_PATH, crash_world, markers_on_tracker

BACKENDS = ["sqlite", pytest.param("pg", marks=pytest.mark.postgres)]


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database nobody has opened yet: the two syncs also race to create the tables."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'shared.db'}"
    return str(request.getfixturevalue("pg_url"))


def _runs(db: str) -> list[tuple[object, object, str]]:
    store = Store.open(db)
    try:
        with store.engine.connect() as conn:
            rows = conn.execute(text(
                "SELECT started_at, finished_at, outcome FROM runs ORDER BY started_at"))
            return [(r[0], r[1], r[2]) for r in rows]
    finally:
        store.close()


def test_two_syncs_at_once_post_nothing_twice(db_url: str, tmp_path: Path) -> None:
    with crash_world("jira", tmp_path, more=12, latency=0.02) as world:
        procs = [world.sync_process(db=db_url) for _ in range(2)]
        results = [proc.communicate(timeout=120) for proc in procs]
        for proc, (_, err) in zip(procs, results, strict=True):
            assert proc.returncode == 0, err.decode()
        summaries = [json.loads(out) for out, _ in results]
        assert all(s["outcome"] == "ok" for s in summaries)

        on_tracker = markers_on_tracker(world)
        assert on_tracker and set(on_tracker.values()) == {1}
        posted = sorted(s["notices_posted"] for s in summaries)
        assert posted == [0, len(on_tracker)]  # the one that waited found them all posted
        comment_posts = world.fake.requests_to(COMMENT_PATH["jira"], method="POST")
        assert len(comment_posts) == len(on_tracker)
        # the lock kept the two runs apart: one started after the other had finished
        (_, end1, out1), (start2, _, out2) = _runs(db_url)
        assert (out1, out2) == ("ok", "ok") and end1 is not None and end1 <= start2


def test_a_sync_that_cannot_get_the_lock_gives_up_with_a_message(
    db_url: str, tmp_path: Path
) -> None:
    with crash_world("jira", tmp_path) as world:
        # the first sync holds the lock for 30 s (its first comment POST is slow): room for a
        # second process to start and give up even on a heavily loaded machine
        world.fake.inject(Fault("slow-after-commit", times=1, method="POST",
                                path_contains=COMMENT_PATH["jira"], delay=30))
        first = world.sync_process(db=db_url)
        deadline = time.monotonic() + 60
        while not world.fake.requests_to(COMMENT_PATH["jira"], method="POST"):
            assert first.poll() is None and time.monotonic() < deadline
            time.sleep(0.02)
        before = len(world.fake.log)
        began = time.monotonic()
        second = world.cli("sync", "demo", "--json", check=False,
                           env={"REVBRIDGE_DB": db_url, "REVBRIDGE_LOCK_WAIT": "0.5"})
        waited = time.monotonic() - began
        assert first.poll() is None, "the first sync ended before the second gave up"
        assert second.returncode == 1, second.stderr
        assert ("error: demo: another sync of this client is running; "
                "try again when it has finished") in second.stderr
        assert "Traceback" not in second.stderr
        assert "waiting for another sync of demo to finish (up to 0.5 s)…" in second.stderr
        assert waited < 30  # it gave up after its 0.5 s wait, not after the first sync
        # it gave up before talking to the tracker
        assert len(world.fake.log) == before

        out, err = first.communicate(timeout=120)
        assert first.returncode == 0, err.decode()
        on_tracker = markers_on_tracker(world)
        assert on_tracker and set(on_tracker.values()) == {1}
        assert json.loads(out)["notices_posted"] == len(on_tracker)
        assert [outcome for _, _, outcome in _runs(db_url)] == ["ok"]


def test_a_bad_lock_wait_is_a_usage_error(tmp_path: Path) -> None:
    with crash_world("jira", tmp_path) as world:
        proc = world.cli("sync", "demo", check=False, env={"REVBRIDGE_LOCK_WAIT": "soon"})
        assert proc.returncode == 2
        assert "REVBRIDGE_LOCK_WAIT='soon': expected a number of seconds >= 0" in proc.stderr
        assert not world.fake.log
