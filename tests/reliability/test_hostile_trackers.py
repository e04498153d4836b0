"""A tracker that answers in bad faith, inside a real sync: pages that never end, an answer
trickled a byte at a time, a record of another project or board; and a rate limit whose
``Retry-After`` is really waited out."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from bridge.sync.run import SyncOptions, sync_client
from connectors.testing import fast_policy
from connectors.testing.fakes.base import Fault
from tests.reliability.test_faults import check_outcome, faulted_sync, recover
from tests.reliability.worlds import TRACKERS, world

#: every world on SQLite, then on PostgreSQL
pytestmark = pytest.mark.usefixtures("store_backend")

SMALL = {"team_tickets": 14, "requests": 10}
#: the path of each tracker's ticket listing (an incremental pull's first GET may be another)
LISTING = {"jira": "/search", "trello": "/actions", "asana": "/tasks"}


@pytest.mark.parametrize("tracker", TRACKERS)
@pytest.mark.parametrize("kind", ["looping-page", "slow-drip"])
def test_a_listing_that_never_ends_fails_the_sync_cleanly(tracker: str, kind: str,
                                                          tmp_path: Path) -> None:
    with world(tracker, tmp_path, **SMALL) as w:
        w.sync()  # a connector that knows the tracker: the next pull starts on the listing
        w.fake.inject(Fault(kind, times=10**6, method="GET",  # type: ignore[arg-type]
                            path_contains=LISTING[tracker], delay=0.2))
        began = time.monotonic()
        summary, cursors = faulted_sync(w)
        check_outcome(w, summary, cursors)
        assert summary.outcome == "failed"
        assert summary.requests_made < 20, "the pull kept asking"
        assert time.monotonic() - began < 30, "the sync hung on the answer"
        run = w.store.last_run(w.client)
        assert run is not None and run.error
        assert ("twice" in run.error) if kind == "looping-page" else ("timeout" in run.error
                                                                     or "Timeout" in run.error)
        recover(w, tmp_path)


@pytest.mark.parametrize("tracker", TRACKERS)
def test_a_record_of_another_project_is_never_stored_nor_posted_on(tracker: str,
                                                                   tmp_path: Path) -> None:
    with world(tracker, tmp_path, **SMALL) as w:
        w.fake.inject(Fault("foreign", times=10**6, method="GET"))
        summary = w.sync()
        assert summary.outcome == "ok", summary.error
        assert len(summary.skipped) >= 1
        refused = {line.split(":", 1)[0] for line in summary.skipped}
        stored = {t.remote_id for t in w.records().tickets}
        assert refused and not refused & stored
        posted_on = {r.path for r in w.fake.requests_to(method="POST")}
        assert not [p for p in posted_on for ticket in refused if f"/{ticket}/" in p]


def test_a_client_jql_that_unbalances_the_project_clause_is_a_config_error(
        tmp_path: Path) -> None:
    from connectors.errors import ConfigError
    from tests.reliability.worlds import client_table, load_world_config

    with world("jira", tmp_path, **SMALL) as w:
        table = client_table("jira", w.fake, "acme", w.people)
        table["tracker"]["jql"] = 'labels = web) OR (project = "EVIL"'
        with pytest.raises(ConfigError, match="jql"):
            load_world_config(tmp_path / "bad", table)
        table["tracker"]["jql"] = '(labels = web) AND summary ~ "a ) b"'
        config = load_world_config(tmp_path / "good", table)
        assert config.tracker.jql  # type: ignore[attr-defined]


@pytest.mark.parametrize("tracker", TRACKERS)
def test_a_rate_limit_is_waited_out_as_the_tracker_says(tracker: str, tmp_path: Path) -> None:
    with world(tracker, tmp_path, **SMALL) as w:
        w.sync()
        w.fake.add_comment(w.requests[0], "one more thing", w.people.client)
        w.fake.inject(Fault("429", method="GET", retry_after=2))
        policy = fast_policy(timeout=2.0, sleep=time.sleep, max_total_wait=10.0)
        began = time.monotonic()
        summary = sync_client(w.config, w.store, SyncOptions(policy=policy))
        waited = time.monotonic() - began
        assert summary.outcome == "ok", summary.error
        assert waited >= 2.0, f"Retry-After: 2 was not waited out ({waited:.2f} s)"
        refused = [r for r in w.fake.requests_to(method="GET") if r.status == 429]
        assert len(refused) == 1
