"""A sync asked to stop (``SyncOptions.stop``) ends between two pages or two posts, records its
run as interrupted with the reason, and raises; ``sync_outcome`` returns that instead."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from bridge.sync.run import SyncOptions, sync_client, sync_outcome
from connectors.errors import Interrupted
from connectors.http import RetryPolicy
from connectors.testing.fakes.base import Fault
from tests.reliability.worlds import World, world

REASON = "the test stops it"


def stopped(event: threading.Event) -> SyncOptions:
    # one attempt, and time enough for a slow answer: only the stop may end these syncs
    return SyncOptions(policy=RetryPolicy(max_attempts=1, timeout=10.0), stop=event,
                       stop_reason=REASON)


def check_recovers(w: World) -> None:
    """A sync without a stop finishes the job: every notice posted, each once."""
    again = w.sync()
    assert again.outcome == "ok", again.error
    assert w.store.outbox(w.client, ("pending", "sending")) == []
    markers = w.markers_on_tracker()
    assert markers and set(markers.values()) == {1}


def test_a_stop_ends_the_sync_after_the_page_it_committed(tmp_path: Path) -> None:
    with world("jira", tmp_path) as w:  # 120 tickets: two search pages of 100
        stop = threading.Event()
        stop.set()
        with pytest.raises(Interrupted, match=f"^{REASON}; 1 page"):
            sync_client(w.config, w.store, stopped(stop))
        run = w.store.last_run(w.client)
        assert run is not None and run.outcome == "failed"
        assert run.error == (f"Interrupted: {REASON}; 1 page(s) committed, the next sync goes "
                             "on from there")
        assert len(w.store.live_ticket_ids(w.client)) == 100
        assert w.store.get_cursor(w.client) is not None
        assert w.fake.requests_to(method="POST") == []

        result = sync_outcome(w.config, w.store, stopped(stop))
        assert isinstance(result.error, Interrupted) and result.summary is not None
        assert (result.summary.outcome, result.summary.pages) == ("failed", 1)
        assert result.summary.error == run.error
        check_recovers(w)


def test_a_stop_ends_the_sync_between_two_posts(tmp_path: Path) -> None:
    with world("jira", tmp_path) as w:
        # the first comment POST is committed, then answered late: time to ask for a stop
        w.fake.inject(Fault("slow-after-commit", method="POST", delay=1.0))
        stop = threading.Event()

        def stop_at_the_first_post() -> None:
            deadline = time.monotonic() + 60
            while not w.fake.requests_to(method="POST") and time.monotonic() < deadline:
                time.sleep(0.01)
            stop.set()

        watcher = threading.Thread(target=stop_at_the_first_post, daemon=True)
        watcher.start()
        result = sync_outcome(w.config, w.store, stopped(stop))
        watcher.join()
        assert isinstance(result.error, Interrupted), result.error
        assert result.summary is not None and result.summary.notices_posted == 1
        assert len(w.fake.requests_to(method="POST")) == 1
        assert len(w.store.outbox(w.client, ("posted",))) == 1
        assert w.store.outbox(w.client, ("pending",))  # the rest wait for the next run
        check_recovers(w)
