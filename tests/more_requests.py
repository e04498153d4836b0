"""More of the demo story's client at work: the crash and concurrency tests grow it."""

from __future__ import annotations

from datetime import datetime, timedelta

from bridge.cli.story import Story
from connectors.testing.fakes.base import FakeTracker


def play_more(fake: FakeTracker, story: Story, count: int, *, first: int = 0,
              start: datetime | None = None) -> list[str]:
    """``count`` more tickets after the story (numbered from ``first``), each with one of six
    fates in turn: delivered; still open; from a non-designated person; out of scope; delivered
    then reopened by the client; the team's internal chore. Events are 20 minutes apart from
    ``start``, or happen now when ``start`` is None (the client at work between two syncs).
    Returns the new tickets' ids."""
    clock = [start]

    def at() -> datetime | None:
        moment = clock[0]
        if moment is not None:
            clock[0] = moment + timedelta(minutes=20)
        return moment

    made = []
    for number in range(first, first + count):
        fate = number % 6
        title = f"Request {number}: adjust section {number}"
        by = {2: story.other, 5: story.team}.get(fate, story.client)
        labels = {3: ("out-of-scope",), 5: ("internal",)}.get(fate, ())
        ticket = fake.create_ticket(title, by, labels=labels, at=at())
        story.tickets[f"more-{number}"] = ticket
        made.append(ticket)
        if fate in (0, 4):
            fake.move(ticket, "In Progress", story.team, at=at())
            fake.log_time(ticket, 1800 * (1 + number % 3), story.team, at=at())
            fake.move(ticket, "In Review", story.team, at=at())
        if fate == 4:
            fake.add_comment(ticket, "Not quite, see the mock-up.", story.client, at=at())
            fake.move(ticket, "To Do", story.client, at=at())
    return made
