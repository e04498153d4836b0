"""Crash safety (DESIGN §6-§7): ``revbridge sync`` killed with SIGKILL at random moments, with
and without 429s and 5xx from the tracker, then rerun once: every notice is on the tracker
exactly once, no ticket is missing, and the ledger is the one an uninterrupted sync makes.

Each campaign reuses one store across its kills, as a user would, while the client keeps
filing requests between syncs. ``REVBRIDGE_CRASH_KILLS`` (default 50) sets the kills per
campaign and ``REVBRIDGE_CRASH_SEED`` the seed (printed, to replay a failure).
"""

from __future__ import annotations

import json
import os
import random
import signal
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

import connectors
from bridge.clientfile.load import load_client
from bridge.store import Store
from bridge.store.models import OutboxRow
from bridge.sync.connect import build_connector
from bridge.sync.outbox import post_pending
from connectors.testing import fast_policy
from connectors.testing.fakes.base import Fault, Response
from tests.crash import (
    COMMENT_PATH,
    Campaign,
    assert_exactly_once,
    calibrate,
    crash_world,
    is_comment_post,
    markers_on_tracker,
    outbox_rows,
)
from tests.e2e import TOKEN_ENV

KILLS = int(os.environ.get("REVBRIDGE_CRASH_KILLS", "50"))
MORE = 30  # tickets added to the story, so a first sync posts ~40 notices
LATENCY = 0.01  # seconds added to every request, so kills land inside pulls and posts


def _campaign(tracker: str, faults: bool, folder: Path, seed: int) -> dict[str, Any]:
    started = time.monotonic()
    window = calibrate(tracker, folder / "twin", MORE, LATENCY)
    with crash_world(tracker, folder / "world", more=MORE, latency=LATENCY) as world:
        campaign = Campaign(world, random.Random(seed), faults=faults, window=window)
        campaign.run(KILLS)
        checked = assert_exactly_once(world, folder / "world")
    return {"tracker": tracker, "faults": faults, **campaign.figures(), **checked,
            "seconds": round(time.monotonic() - started, 1)}


#: campaigns run by default; REVBRIDGE_CRASH_CAMPAIGNS="jira:clean,asana:faults,..." to choose
CAMPAIGNS = "jira:clean,jira:faults,trello:faults"


@pytest.mark.slow
def test_sigkilled_50_times_then_one_rerun_posts_each_notice_exactly_once(
    tmp_path: Path
) -> None:
    """Per campaign: 50 SIGKILLs at random moments of syncs sharing one store, the client
    filing requests in between; with faults: 429s and 503s on pulls, 429, 500, slow and
    502-after-commit answers on comment POSTs (the post may or may not have landed)."""
    specs = [(c.split(":")[0], c.split(":")[1] == "faults")
             for c in os.environ.get("REVBRIDGE_CRASH_CAMPAIGNS", CAMPAIGNS).split(",")]
    seed = int(os.environ.get("REVBRIDGE_CRASH_SEED") or random.randrange(1 << 30))
    print(f"\nREVBRIDGE_CRASH_SEED={seed}")
    # all at once: the cost is each sync process's start-up (CPU), the waits interleave
    with ThreadPoolExecutor(len(specs)) as pool:
        futures = [pool.submit(_campaign, tracker, faults, tmp_path / f"{tracker}-{faults}",
                               seed + n) for n, (tracker, faults) in enumerate(specs)]
        for future in futures:
            print(json.dumps(future.result()))


@pytest.mark.slow
@pytest.mark.parametrize("tracker", connectors.names())
def test_kill_while_the_comment_post_is_answered(tracker: str, tmp_path: Path) -> None:
    """The worst moment: the comment exists on the tracker, its answer is not back yet.
    The rerun finds it (by its marker) instead of posting it again."""
    with crash_world(tracker, tmp_path) as world:
        world.fake.inject(Fault("slow-after-commit", times=1, method="POST",
                                path_contains=COMMENT_PATH[tracker], delay=30))
        proc = world.sync_process()
        deadline = time.monotonic() + 60
        while not any(is_comment_post(tracker, r.method, r.path) for r in world.fake.log):
            assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
            time.sleep(0.01)
        time.sleep(0.2)  # the fake has created the comment and is sleeping before answering
        os.kill(proc.pid, signal.SIGKILL)
        proc.communicate()
        sending = [r for r in outbox_rows(world.db) if r["state"] == "sending"]
        assert len(sending) == 1 and sending[0]["remote_comment_id"] is None
        landed = (sending[0]["ticket_id"], sending[0]["marker"])
        assert markers_on_tracker(world)[landed] == 1
        world.fake.clear_faults()
        rerun = json.loads(world.cli("sync", "demo", "--json").stdout)
        assert rerun["outcome"] == "ok", rerun
        assert markers_on_tracker(world)[landed] == 1
        assert {r["state"] for r in outbox_rows(world.db)} == {"posted"}
        assert_exactly_once(world, tmp_path, reference=False)


@pytest.mark.slow
@pytest.mark.parametrize("tracker", ["jira", "trello"])
def test_a_post_answered_5xx_after_it_landed_is_not_posted_again(
    tracker: str, tmp_path: Path
) -> None:
    """The tracker created the comment but answered 502: the run fails, the notice stays
    `sending`, and the next run finds the comment rather than posting a second one."""
    with crash_world(tracker, tmp_path, latency=0.001) as world:
        assert world.slowdown is not None
        world.slowdown.fail_after_commit = 1
        first = world.cli("sync", "demo", "--json", check=False)
        assert first.returncode == 1 and json.loads(first.stdout)["outcome"] == "failed"
        assert "502" in first.stderr
        sending = [r for r in outbox_rows(world.db) if r["state"] == "sending"]
        assert len(sending) == 1
        assert markers_on_tracker(world)[(sending[0]["ticket_id"], sending[0]["marker"])] == 1
        assert_exactly_once(world, tmp_path, reference=False)


def test_a_post_answered_without_an_id_is_looked_for_before_posting_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Jira answered 201 without the comment (a proxy, a bug): the comment may exist, so the
    notice stays `sending` and the next try looks for it, even before a pull has seen it (a
    tracker's search lags behind its writes)."""
    with crash_world("jira", tmp_path, latency=0.001) as world:
        assert world.slowdown is not None
        world.slowdown.answers_after_commit.append(Response(201, {}))
        monkeypatch.setenv(TOKEN_ENV, world.fake.token)
        config = load_client(world.config_dir / "demo.toml")
        store = Store.open(world.db)
        try:
            ticket = world.story.tickets["logo"]
            body = "Received.\n\nrb-0123456789"
            store.add_notices([OutboxRow(client="demo", key="demo/x/ack", ticket_id=ticket,
                                         kind="ack", marker="rb-0123456789", body=body)])
            connector = build_connector(config, fast_policy())
            first = post_pending(store, "demo", connector, stored_comments=())
            assert len(first.failed) == 1 and not first.posted
            assert [r.state for r in store.outbox("demo")] == ["sending"]
            second = post_pending(store, "demo", connector, stored_comments=())
            assert len(second.already_there) == 1 and not second.posted
            row = store.outbox("demo")[0]
            assert row.state == "posted" and row.remote_comment_id is not None
        finally:
            store.close()
        bodies = [b for _, b in world.fake.comment_bodies(ticket) if "rb-0123456789" in b]
        assert len(bodies) == 1


def test_a_notice_in_flight_on_a_ticket_deleted_since_does_not_block_the_others(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with crash_world("jira", tmp_path) as world:
        monkeypatch.setenv(TOKEN_ENV, world.fake.token)
        config = load_client(world.config_dir / "demo.toml")
        gone, kept = world.story.tickets["logo"], world.story.tickets["footer"]
        store = Store.open(world.db)
        try:
            store.add_notices([
                OutboxRow(client="demo", key=f"demo/{t}/ack", ticket_id=t, kind="ack",
                          marker=m, body=f"Received.\n\n{m}", state=state)
                for t, m, state in ((gone, "rb-00000000aa", "sending"),
                                    (kept, "rb-00000000bb", "pending"))])
            world.fake.delete_ticket(gone)
            result = post_pending(store, "demo", build_connector(config, fast_policy()), ())
            assert [r.ticket_id for r, _ in result.failed] == [gone]
            assert [r.ticket_id for r in result.posted] == [kept]
            assert [r.state for r in store.outbox("demo")] == ["sending", "posted"]
        finally:
            store.close()
