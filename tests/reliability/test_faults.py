"""Fault matrix: every fault a tracker can throw, injected in the middle of a real sync.

For each tracker and fault (429 with seconds or an HTTP date, 500, 503, timeout, connection
reset, malformed JSON, a truncated page; and on POST a comment that lands after the client
gave up), once (transient) or until cleared (persistent), on a GET half-way through the pull
or on a comment POST: the sync completes, or fails cleanly (outcome ``failed``, the error in
the runs table) with its cursor no further than its last committed page; the next run
converges on what a fresh full pull holds, with every notice posted once and none twice.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bridge.sync.run import RunSummary, SyncOptions, sync_outcome
from connectors.testing.fakes.base import Fault
from tests.reliability.worlds import (
    FAULT_DELAY,
    SHARED_FOLDERS,
    TRACKERS,
    World,
    assert_converged,
    policy,
    world,
)

#: every world on SQLite, then on PostgreSQL
pytestmark = pytest.mark.usefixtures("store_backend")

GET_FAULTS = ("429", "429-date", "500", "503", "timeout", "reset", "malformed", "truncated")
POST_FAULTS = (*GET_FAULTS, "slow-after-commit")
#: faults the HTTP layer retries: a single one never fails a sync
RETRIED = {"429", "429-date", "500", "503", "timeout", "reset"}
#: faults whose request is still being processed by the tracker when the client gives up
SLOW = {"timeout", "slow-after-commit"}
PERSISTENT = 10**6
#: a world of one page: enough where pages do not matter (posting; Trello, which puts its one
#: cursor on the last page whatever the size)
SMALL = {"team_tickets": 14, "requests": 10}


def size(tracker: str) -> dict[str, int]:
    """Two pages of search / listing on Jira and Asana (100 a page); one page elsewhere."""
    return SMALL if tracker == "trello" else {}


_CLEAN_GETS: dict[str, int] = {}


def clean_gets(tracker: str, factory: pytest.TempPathFactory) -> int:
    """GET requests of a clean first sync of the standard world (the same for every world)."""
    if tracker not in _CLEAN_GETS:
        folder = factory.mktemp(f"clean-{tracker}")
        SHARED_FOLDERS.append(folder)
        with world(tracker, folder, **size(tracker)) as w:
            assert w.sync().outcome == "ok"
            _CLEAN_GETS[tracker] = len(w.fake.requests_to(method="GET"))
    return _CLEAN_GETS[tracker]


def fault(kind: str, method: str, times: int, skip: int) -> Fault:
    return Fault(kind, times=times, method=method, skip=skip, retry_after=0,  # type: ignore[arg-type]
                 delay=FAULT_DELAY)


def faulted_sync(w: World) -> tuple[RunSummary, list[str | None]]:
    """A sync recording the stored cursor after each committed page."""
    cursors: list[str | None] = [w.store.get_cursor(w.client)]

    def progress(pages: int, tickets: int) -> None:
        cursors.append(w.store.get_cursor(w.client))

    result = sync_outcome(w.config, w.store, SyncOptions(policy=policy(), progress=progress))
    assert result.summary is not None, result.error
    assert (result.error is not None) == (result.summary.outcome == "failed")
    return result.summary, cursors


def check_outcome(w: World, summary: RunSummary, cursors: list[str | None]) -> None:
    run = w.store.last_run(w.client)
    assert run is not None and run.finished_at is not None
    assert summary.outcome in ("ok", "failed")
    assert run.outcome == summary.outcome
    if summary.outcome == "failed":
        assert summary.error and run.error == summary.error
    # the cursor stored is the one committed with the last page (never one further)
    assert w.store.get_cursor(w.client) == cursors[-1]


def recover(w: World, folder: Path, kind: str = "") -> None:
    w.fake.clear_faults()
    if kind in SLOW:
        # the next run starts once the tracker has finished the request the client gave up
        # on (a scheduled run is minutes later); see test_known_limits.py for the other case
        time.sleep(FAULT_DELAY)
    again = w.sync()
    assert again.outcome == "ok", again.error
    quiet = w.sync()
    assert quiet.outcome == "ok" and quiet.notices_posted == 0
    assert_converged(w, folder)


@pytest.mark.parametrize("tracker", TRACKERS)
@pytest.mark.parametrize("persistent", [False, True], ids=["once", "persistent"])
@pytest.mark.parametrize("kind", GET_FAULTS)
def test_fault_during_the_pull(tracker: str, kind: str, persistent: bool, tmp_path: Path,
                               tmp_path_factory: pytest.TempPathFactory) -> None:
    skip = clean_gets(tracker, tmp_path_factory) // 2
    with world(tracker, tmp_path, **size(tracker)) as w:
        w.fake.inject(fault(kind, "GET", PERSISTENT if persistent else 1, skip))
        summary, cursors = faulted_sync(w)
        check_outcome(w, summary, cursors)
        if persistent:
            assert summary.outcome == "failed"
            assert w.fake.requests_to(method="POST") == []  # nothing posted from half a pull
        elif kind in RETRIED:
            assert summary.outcome == "ok", summary.error
        recover(w, tmp_path, kind)


@pytest.mark.parametrize("tracker", TRACKERS)
@pytest.mark.parametrize("persistent", [False, True], ids=["once", "persistent"])
@pytest.mark.parametrize("kind", POST_FAULTS)
def test_fault_while_posting(tracker: str, kind: str, persistent: bool,
                             tmp_path: Path) -> None:
    with world(tracker, tmp_path, **SMALL) as w:
        w.fake.inject(fault(kind, "POST", PERSISTENT if persistent else 1, skip=1))
        summary, cursors = faulted_sync(w)
        check_outcome(w, summary, cursors)
        if kind in ("429", "429-date") and not persistent:
            assert summary.outcome == "ok", summary.error  # refused before processing: resent
        elif kind not in ("429", "429-date"):
            assert summary.outcome == "failed"  # an ambiguous POST is never resent blindly
        recover(w, tmp_path, kind)


@pytest.mark.parametrize("tracker", TRACKERS)
@pytest.mark.parametrize("kind", ["503", "reset", "truncated"])
def test_persistent_fault_during_an_incremental_pull(tracker: str, kind: str,
                                                     tmp_path: Path) -> None:
    with world(tracker, tmp_path) as w:
        assert w.sync().outcome == "ok"
        at = datetime.now(UTC) - timedelta(minutes=30)
        for n, ticket in enumerate(w.requests[:6]):
            w.fake.add_comment(ticket, f"one more thing {n}", w.people.client, at=at)
        new = w.fake.create_ticket("A late request", w.people.client, at=at)
        w.tickets.append(new)
        w.fake.inject(fault(kind, "GET", PERSISTENT, skip=2))
        summary, cursors = faulted_sync(w)
        check_outcome(w, summary, cursors)
        assert summary.outcome == "failed"
        recover(w, tmp_path)
        assert new in {t.remote_id for t in w.records().tickets}
