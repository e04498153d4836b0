"""A comment POST that times out unanswered may still be carried out by the tracker later: the
next runs look for it and do not post it again until ``IN_FLIGHT_GRACE`` has passed."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from bridge.store.models import utc_now
from bridge.sync.outbox import IN_FLIGHT_GRACE
from connectors.testing.fakes.base import Fault
from tests.reliability.worlds import FAULT_DELAY, world

#: every world on SQLite, then on PostgreSQL
pytestmark = pytest.mark.usefixtures("store_backend")


@pytest.mark.parametrize("tracker", ["jira", "trello", "asana"])
def test_a_comment_committed_after_the_next_run_looked_for_it_is_not_posted_twice(
        tmp_path: Path, tracker: str) -> None:
    with world(tracker, tmp_path) as w:
        # the tracker holds the second POST past the client's timeout, then commits it
        w.fake.inject(Fault("timeout", method="POST", skip=1, delay=FAULT_DELAY + 0.7))
        assert w.sync().outcome == "failed"
        in_doubt = [r for r in w.store.outbox(w.client, ("sending",))]
        assert len(in_doubt) == 1 and in_doubt[0].in_flight_at is not None
        second = w.sync()  # starts while the tracker is still busy with that POST
        assert second.outcome == "ok"
        time.sleep(FAULT_DELAY + 0.7)
        assert [k for k, n in w.markers_on_tracker().items() if n > 1] == []
        third = w.sync()  # the comment has landed: found, marked posted, not posted again
        assert third.outcome == "ok" and third.notices_posted == 0
        assert w.store.outbox(w.client, ("pending", "sending")) == []
        assert [k for k, n in w.markers_on_tracker().items() if n > 1] == []


def test_a_post_in_doubt_waits_out_the_grace_then_is_posted_once(tmp_path: Path) -> None:
    with world("jira", tmp_path) as w:
        # a 503 on the second POST: nothing was written; the row stays `sending`
        w.fake.inject(Fault("503", method="POST", skip=1))
        assert w.sync().outcome == "failed"
        (row,) = w.store.outbox(w.client, ("sending",))
        assert row.id is not None and row.marker not in {m for _, m in w.markers_on_tracker()}
        # as if that POST had timed out unanswered a moment ago: looked for, not re-posted
        w.store.update_notice(row.id, in_flight_at=utc_now())
        waiting = w.sync()  # posts the notices the failed run never reached, not this one
        assert waiting.outcome == "ok"
        assert row.marker not in {m for _, m in w.markers_on_tracker()}
        assert [r.id for r in w.store.outbox(w.client, ("sending",))] == [row.id]
        # once the grace is over and it still is not there, it is posted, once
        w.store.update_notice(row.id, in_flight_at=utc_now() - IN_FLIGHT_GRACE)
        after = w.sync()
        assert after.outcome == "ok" and after.notices_posted == 1
        markers = w.markers_on_tracker()
        assert [k for k, n in markers.items() if n > 1] == []
        assert row.marker in {m for _, m in markers}
        assert w.store.outbox(w.client, ("pending", "sending")) == []


def test_a_notice_in_doubt_is_looked_for_on_the_tracker_not_only_in_the_store(
        tmp_path: Path) -> None:
    """Jira's search index lags behind its comments: the pull does not see a notice the
    tracker carried out after the client gave up; asking the ticket's comments does."""
    with world("jira", tmp_path) as w:
        w.fake.inject(Fault("slow-after-commit", method="POST", skip=1, delay=FAULT_DELAY))
        assert w.sync().outcome == "failed"
        (row,) = w.store.outbox(w.client, ("sending",))
        assert row.id is not None
        time.sleep(FAULT_DELAY)  # the tracker has written it by now
        assert row.marker in {m for _, m in w.markers_on_tracker()}

        def lagging_search(method: str, path: str, body: Any) -> Any:
            if "/search" in path and isinstance(body, dict):
                for issue in body.get("issues") or []:
                    comments = ((issue.get("fields") or {}).get("comment") or {})
                    kept = [c for c in comments.get("comments") or []
                            if row.marker not in str(c.get("body"))]
                    if "comments" in comments:
                        comments["comments"], comments["total"] = kept, len(kept)
            return body

        w.fake.rewrites.append(lagging_search)
        w.store.update_notice(row.id, in_flight_at=utc_now() - IN_FLIGHT_GRACE)
        after = w.sync()
        assert after.outcome == "ok", after.error
        assert [k for k, n in w.markers_on_tracker().items() if n > 1] == [], \
            "a notice the tracker had carried out was posted again"
        assert after.notices_found_posted == 1
