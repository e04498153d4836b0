"""The ``delivered`` notice through real syncs, for every connector against its fake tracker:
posted once when a request first reaches ``delivered``, held in review mode, skipped for
requests made before ``[comments] since``, and never posted when ``on_delivery`` is off."""

from __future__ import annotations

import dataclasses
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

import connectors
from connectors.testing.fakes import tracker_table
from tests.e2e import TOKEN_ENV, World, story_world, write_client_file

DELIVERED = "We have delivered this request: it is now in your hands."


def sync(world: World) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(world.cli("sync", "demo", "--json").stdout)
    assert result["outcome"] == "ok", result
    return result


def delivered_on_tracker(world: World) -> list[tuple[str, str]]:
    return [(t, body) for t, body in world.notices_on_tracker() if body.startswith(DELIVERED)]


def outbox(world: World, *args: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = json.loads(
        world.cli("outbox", "list", "demo", "--json", *args).stdout)
    return rows


def deliver_the_button(world: World) -> str:
    button = world.story.tickets["button"]
    world.fake.move(button, "In Review", world.story.team)
    return button


@pytest.mark.parametrize("tracker", connectors.names())
def test_each_delivered_request_is_told_once(tracker: str, tmp_path: Path) -> None:
    with story_world(tracker, tmp_path, comments={"on_delivery": True}) as world:
        t = world.story.tickets
        first = sync(world)
        delivered = delivered_on_tracker(world)
        # the logo (delivered in round 1, reopened, delivered again in round 2) and the footer
        assert sorted(ticket for ticket, _ in delivered) == sorted(
            [t["logo"], t["logo"], t["footer"]])
        assert first["notices_posted"] == len(world.notices_on_tracker())
        logo = sorted(body for ticket, body in delivered if ticket == t["logo"])
        assert "Time spent on it: 2 h. It is part of revision round 1 of 2 in quote " \
               "DEV-2026-014 (1 round left after this one). Hours left on the quote: 1 h 30 " \
               "min of the 6 h included." in " ".join(logo[1].split())
        assert "Time spent on it: 1 h 30 min. It is part of revision round 2 of 2" in logo[0]
        status = {r["remote_id"]: r["notices"] for r in world.status()["requests"]
                  if r["kind"] == "new"}
        assert status[t["footer"]] == ["ack", "delivered"]
        assert status[t["button"]] == ["extra", "not_designated"]  # not delivered yet

        button = deliver_the_button(world)
        second = sync(world)
        assert second["notices_posted"] == 1
        ((ticket, body),) = [n for n in delivered_on_tracker(world) if n not in delivered]
        assert ticket == button
        assert ("Time spent on it: 3 h. It falls in revision round 3, beyond the 2 rounds "
                "included in quote DEV-2026-014.") in " ".join(body.split())
        assert sync(world)["notices_posted"] == 0

        # a store lost and made anew: the markers on the tracker keep each from a second post
        posted = world.notices_on_tracker()
        fresh = dataclasses.replace(world, db=f"sqlite:///{tmp_path}/fresh.db")
        assert sync(fresh)["notices_posted"] == 0
        assert world.notices_on_tracker() == posted


def test_review_mode_holds_the_delivered_notices(tmp_path: Path) -> None:
    with story_world("jira", tmp_path,
                     comments={"mode": "review", "on_delivery": True}) as world:
        assert sync(world)["notices_posted"] == 0
        held = outbox(world)
        assert sorted(n["kind"] for n in held if n["kind"] == "delivered") == ["delivered"] * 3
        assert {n["state"] for n in held} == {"held"}
        assert world.notices_on_tracker() == []
        assert "delivered" in world.cli("outbox", "list", "demo").stdout
        world.cli("outbox", "approve", "demo")
        assert sync(world)["notices_posted"] == len(held)
        assert len(delivered_on_tracker(world)) == 3


def test_requests_made_before_since_get_no_delivered_notice(tmp_path: Path) -> None:
    with story_world("jira", tmp_path, comments={"on_delivery": True}) as world:
        assert world.story.start is not None
        # after the logo's second delivery (day 3, 11:00), before the landing page (15:00)
        since = world.story.start + timedelta(days=3, hours=3)
        table = world.story.client_file(tracker_table("jira", world.fake, f"env:{TOKEN_ENV}"))
        table["comments"] |= {"on_delivery": True, "since": since}
        write_client_file(world.config_dir.parent / "clients", table)
        sync(world)
        assert delivered_on_tracker(world) == []
        skipped = [n for n in outbox(world, "--all") if n["kind"] == "delivered"]
        assert len(skipped) == 3 and {n["state"] for n in skipped} == {"skipped"}
        # the button was asked for after `since`: its delivery is told
        button = deliver_the_button(world)
        assert sync(world)["notices_posted"] == 1
        assert [ticket for ticket, _ in delivered_on_tracker(world)] == [button]


def test_without_on_delivery_no_delivered_notice_is_posted(tmp_path: Path) -> None:
    with story_world("jira", tmp_path) as world:
        deliver_the_button(world)
        sync(world)
        assert world.notices_on_tracker() != []
        assert delivered_on_tracker(world) == []
        assert all("delivered" not in r["notices"] for r in world.status()["requests"])
