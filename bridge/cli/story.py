"""A scripted client story on any fake tracker, for ``revbridge demo`` and end-to-end tests.

Two rounds are included in the quote. Claire (the designated contact) files two requests that
make round 1 (the second while the round is open), reopens one after delivery (round 2), asks
for a new landing page (out of scope), and Oscar, who is not a designated contact, files a
request that becomes round 3 — beyond the quote. The team logs time as it goes.

The showcase (``revbridge demo``) adds what a provider does besides the ack: the team asks
Oscar for the exact colour and the ticket waits on the client over a weekend (its due moment
moves later), Claire files an urgent fix with the tracker's High priority (handled within
4 business hours), and each delivered request is told back with the time spent on it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from connectors.testing.fakes.base import FakeTracker


@dataclass
class Story:
    """Who is who in the story, and the tickets it made."""

    client: str
    other: str
    team: str
    bot: str
    tickets: dict[str, str] = field(default_factory=dict)
    #: the story's day 0: its client file comments on every request made since
    start: datetime | None = None
    #: played with the showcase: the client file maps its priority and waiting status
    showcase: bool = False

    def client_file(self, tracker: dict[str, Any], *, slug: str = "demo") -> dict[str, Any]:
        """The client file (as a dict) for this story on a tracker table."""
        if self.showcase:
            statuses = {**tracker.get("statuses", {}), "waiting": [WAITING]}
            return self._client_file({**tracker, "statuses": statuses}, slug,
                                     sla={"priorities": {"High": "4h"},
                                          "priority_labels": ["High"]},
                                     comments={"on_delivery": True})
        return self._client_file(tracker, slug)

    def _client_file(self, tracker: dict[str, Any], slug: str, *,
                     sla: dict[str, Any] | None = None,
                     comments: dict[str, Any] | None = None) -> dict[str, Any]:
        return {
            "client": slug,
            "name": "Atelier Demo",
            "timezone": "Europe/Paris",
            "language": "en",
            "tracker": tracker,
            "quote": {"reference": "DEV-2026-014", "rounds_included": 2, "hours_included": 6,
                      "hourly_rate": 80, "currency": "EUR"},
            "rounds": {"grouping": "delivery"},
            "scope": {"out_of_scope_labels": ["out-of-scope"], "excluded_labels": ["internal"]},
            "contacts": {"client": [self.client], "team": [self.team, self.bot],
                         "non_designated": "count"},
            "sla": {"handle_within": "2d", **(sla or {})},
            # the story is the client's history: a real first sync would comment on none of it
            "comments": {"mode": "auto", **({"since": self.start} if self.start else {}),
                         **(comments or {})},
        }


def story_start(now: datetime | None = None) -> datetime:
    """Monday 09:00 UTC two weeks before ``now``: the story's day 0."""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    monday = (now - timedelta(days=14 + now.weekday())).replace(
        hour=9, minute=0, second=0, microsecond=0)
    return monday


#: the status (list, section) where a ticket waits on the client in the showcase
WAITING = "Waiting on client"


def play_story(fake: FakeTracker, start: datetime | None = None, *,
               showcase: bool = False) -> Story:
    """Seed ``fake`` with the story (and the showcase); returns the people and tickets."""
    day0 = start or story_start()

    def at(day: int, hour: int, minute: int = 0) -> datetime:
        return day0 + timedelta(days=day, hours=hour - 9, minutes=minute)

    story = Story(client=fake.add_person("Claire Dubois", "claire@acme.example"),
                  other=fake.add_person("Oscar Martin", "oscar@acme.example"),
                  team=fake.add_person("Tom Studio", "tom@studio.example"),
                  bot=fake.bot_id, start=day0, showcase=showcase)
    t = story.tickets
    # round 1: two requests, the second while the first is being handled
    t["logo"] = fake.create_ticket("Homepage: make the logo bigger", story.client, at=at(0, 10))
    fake.move(t["logo"], "In Progress", story.team, at=at(0, 11))
    t["footer"] = fake.create_ticket("Footer: fix the postal address", story.client,
                                     at=at(0, 14))
    fake.log_time(t["logo"], 2 * 3600, story.team, at=at(0, 16))
    fake.move(t["logo"], "In Review", story.team, at=at(1, 11))
    fake.move(t["footer"], "In Review", story.team, at=at(1, 16))
    fake.log_time(t["footer"], 3600, story.team, at=at(1, 16))
    # round 2: the logo comes back
    fake.add_comment(t["logo"], "Still too small on mobile, sorry!", story.client, at=at(2, 10))
    fake.move(t["logo"], "To Do", story.client, at=at(2, 10))
    fake.move(t["logo"], "In Progress", story.team, at=at(2, 14))
    fake.log_time(t["logo"], 5400, story.team, at=at(3, 10))
    fake.move(t["logo"], "In Review", story.team, at=at(3, 11))
    # a new page is not a revision: out of the quote
    t["landing"] = fake.create_ticket("New landing page for the spring campaign", story.client,
                                      labels=("out-of-scope",), at=at(3, 15))
    # round 3, beyond the two included, from someone who is not a designated contact
    t["button"] = fake.create_ticket("Change the colour of the contact button", story.other,
                                     at=at(4, 10))
    fake.move(t["button"], "In Progress", story.team, at=at(4, 11))
    fake.log_time(t["button"], 3 * 3600, story.team, at=at(4, 15))
    # the team's own chore, not a request
    t["chore"] = fake.create_ticket("Update dependencies", story.team, labels=("internal",),
                                    at=at(4, 16))
    if showcase:
        _showcase(fake, story, at)
    return story


def _showcase(fake: FakeTracker, story: Story, at: Callable[..., datetime]) -> None:
    t = story.tickets
    # the button waits on the client from Friday noon to Monday 10:00: 7 business hours
    fake.add_comment(t["button"], "Which green exactly? Please send us the brand's hex code.",
                     story.team, at=at(4, 12))
    fake.move(t["button"], WAITING, story.team, at=at(4, 12))
    fake.add_comment(t["button"], "#2E7D32, thanks!", story.other, at=at(7, 10))
    fake.move(t["button"], "In Progress", story.other, at=at(7, 10))
    # an urgent fix: the tracker's High priority, handled within 4 business hours
    t["checkout"] = fake.create_ticket("Checkout: the pay button does nothing on Safari",
                                       story.client, at=at(9, 10))
    fake.set_priority(t["checkout"], "High", at=at(9, 10))
    fake.move(t["checkout"], "In Progress", story.team, at=at(9, 10, 30))
    fake.log_time(t["checkout"], 5400, story.team, at=at(9, 12))
    fake.move(t["checkout"], "In Review", story.team, at=at(9, 12, 30))
