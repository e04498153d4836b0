"""End to end through the CLI, for every connector against its fake tracker."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import connectors
from bridge.store import Store
from bridge.store.models import OutboxRow
from tests.e2e import TOKEN_ENV, World, story_world

TRACKERS = connectors.names()


@pytest.mark.parametrize("tracker", TRACKERS)
def test_first_sync_posts_each_notice_once_and_a_second_posts_nothing(
    tracker: str, tmp_path: Path
) -> None:
    with story_world(tracker, tmp_path) as world:
        first = json.loads(world.cli("sync", "demo", "--json").stdout)
        assert first["outcome"] == "ok", first
        posted = world.notices_on_tracker()
        status = world.status()
        expected = sorted((r["remote_id"], kind) for r in status["requests"]
                          for kind in r["notices"])
        assert first["notices_posted"] == len(expected) == len(posted)
        # every notice on its own ticket, once: markers are unique
        markers = [body.splitlines()[-1] for _, body in posted]
        assert len(set(markers)) == len(markers)
        assert sorted(t for t, _ in posted) == sorted(t for t, _ in expected)

        second = json.loads(world.cli("sync", "demo", "--json").stdout)
        assert second["outcome"] == "ok" and second["notices_posted"] == 0
        assert world.notices_on_tracker() == posted
        again = world.status()
        assert {k: v for k, v in again.items() if k != "last_sync"} == {
            k: v for k, v in status.items() if k != "last_sync"}


@pytest.mark.parametrize("tracker", TRACKERS)
def test_story_ledger(tracker: str, tmp_path: Path) -> None:
    """The story's arithmetic: 2 rounds included, 3 used, 1 extra billed by its hours."""
    with story_world(tracker, tmp_path) as world:
        world.cli("sync", "demo")
        status = world.status()
        t = world.story.tickets
        by_ticket = {}
        for r in status["requests"]:
            by_ticket.setdefault(r["remote_id"], []).append(r)
        assert status["rounds_used"] == 3 and status["extra_rounds"] == 1
        assert [(r["kind"], r["round"]) for r in by_ticket[t["logo"]]] == [
            ("new", 1), ("reopen", 2)]
        assert by_ticket[t["footer"]][0]["round"] == 1
        assert by_ticket[t["landing"]][0]["status"] == "out_of_scope"
        assert by_ticket[t["landing"]][0]["notices"] == ["out_of_scope"]
        button = by_ticket[t["button"]][0]
        assert (button["status"], button["designated"], button["round"]) == ("counted", False, 3)
        assert sorted(button["notices"]) == ["extra", "not_designated"]
        assert t["chore"] not in by_ticket or by_ticket[t["chore"]][0]["status"] == "excluded"
        # hours: logo 2 h (round 1) + 1.5 h (round 2), footer 1 h, button 3 h (extra round)
        assert status["hours_spent"] == pytest.approx(7.5)
        # extra round billed by its hours at 80/h (no round price): 3 h → 240;
        # included rounds 4.5 h, under the 6 h cap
        assert status["overage"] == {"rounds": 0, "hours": 3.0, "amount": 240.0,
                                     "currency": "EUR"}


def test_dry_run_posts_nothing(tmp_path: Path) -> None:
    with story_world("jira", tmp_path) as world:
        out = json.loads(world.cli("sync", "demo", "--dry-run", "--json").stdout)
        assert out["outcome"] == "ok" and len(out["would_post"]) >= 5
        assert world.notices_on_tracker() == []
        assert not world.fake.requests_to("/comment", method="POST")


def test_review_mode_holds_notices_until_approved(tmp_path: Path) -> None:
    with story_world("jira", tmp_path, comments={"mode": "review"}) as world:
        world.cli("sync", "demo")
        assert world.notices_on_tracker() == []
        listing = world.cli("outbox", "list", "demo").stdout
        assert "held" in listing
        world.cli("outbox", "approve", "demo")
        world.cli("sync", "demo")
        assert len(world.notices_on_tracker()) >= 5
        assert "Nothing waiting" in world.cli("outbox", "list", "demo").stdout


def test_a_discarded_notice_is_never_posted_and_an_unknown_id_is_refused(
    tmp_path: Path,
) -> None:
    with story_world("jira", tmp_path, comments={"mode": "review"}) as world:
        world.cli("sync", "demo")
        held = held_notices(world)
        assert len(held) >= 5
        dropped, kept = held[0], held[1]

        # an unknown id is refused, and nothing named with it is discarded either
        refused = world.cli("outbox", "discard", "demo", "--id", str(kept.id), "--id", "999999",
                            check=False)
        assert refused.returncode == 2
        assert "demo: no held/pending notice with id 999999" in refused.stderr
        assert held_notices(world) == held

        done = world.cli("outbox", "discard", "demo", "--id", str(dropped.id))
        assert "1 notice(s) discarded" in done.stdout
        again = world.cli("outbox", "discard", "demo", "--id", str(dropped.id), check=False)
        assert again.returncode == 2 and f"id {dropped.id}" in again.stderr  # not held any more
        assert "discarded" in world.cli("outbox", "list", "demo", "--all").stdout

        world.cli("outbox", "approve", "demo")
        world.cli("sync", "demo")
        world.cli("sync", "demo", "--full")
        posted = world.notices_on_tracker()
        markers = {body.splitlines()[-1] for _, body in posted}
        assert len(posted) == len(held) - 1
        assert dropped.marker not in markers and {r.marker for r in held[1:]} == markers
        with Store.open(world.db) as store:
            states = {row.id: row.state for row in store.outbox("demo")}
        assert states[dropped.id] == "discarded"
        assert set(states.values()) == {"discarded", "posted"}


def held_notices(world: World) -> list[OutboxRow]:
    with Store.open(world.db) as store:
        return store.outbox("demo", ("held",))


def test_sync_needs_a_client_or_all(tmp_path: Path) -> None:
    with story_world("jira", tmp_path) as world:
        proc = world.cli("sync", check=False)
        assert proc.returncode == 2 and "--all" in proc.stderr


def test_refused_credentials_exit_3(tmp_path: Path) -> None:
    with story_world("jira", tmp_path) as world:
        proc = world.cli("sync", "demo", check=False, env={TOKEN_ENV: "wrong-token"})
        assert proc.returncode == 3, proc.stderr
        assert "wrong-token" not in proc.stdout + proc.stderr
        assert ("fix: store a working token with `revbridge auth set demo`, then check it with "
                "`revbridge auth status demo`") in " ".join(proc.stderr.split())
        errors = [line for line in proc.stderr.splitlines() if line.startswith("error: ")]
        assert len(errors) == 1, proc.stderr  # said once
