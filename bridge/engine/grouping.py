"""Grouping counted requests into revision rounds (docs/architecture.md §4, ``[rounds].grouping``).

Each function takes the counted requests already sorted by ``(at, ticket remote id)``, sets
each request's ``round`` and returns the rounds in ascending number.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bridge.clientfile.schema import Rounds
from bridge.engine.classify import Draft

if TYPE_CHECKING:
    from croniter import croniter

MICROSECOND = timedelta(microseconds=1)


@dataclass(slots=True)
class RoundDraft:
    number: int
    opened_at: datetime
    closed_at: datetime | None
    members: list[Draft] = field(default_factory=list)


def group(drafts: Sequence[Draft], rounds: Rounds, zone: ZoneInfo) -> list[RoundDraft]:
    """Dispatch on ``rounds.grouping``."""
    if rounds.grouping == "window":
        assert rounds.window_hours is not None  # the config model requires it
        return by_window(drafts, timedelta(hours=rounds.window_hours))
    if rounds.grouping == "label":
        return by_label(drafts)
    if rounds.grouping == "slots":
        assert rounds.slots is not None
        return by_slots(drafts, rounds.slots, zone)
    return by_delivery(drafts)


def _closing(members: Sequence[Draft]) -> datetime | None:
    """When the last of ``members`` reached delivered/done; ``None`` while one has not."""
    latest: datetime | None = None
    for member in members:
        if member.delivered_at is None:
            return None
        if latest is None or member.delivered_at > latest:
            latest = member.delivered_at
    return latest


def by_delivery(drafts: Sequence[Draft]) -> list[RoundDraft]:
    """A request joins the round open at its time, else opens the next one. A round is open
    until its last request is delivered; a request at exactly that moment opens a new round."""
    result: list[RoundDraft] = []
    current: RoundDraft | None = None
    pending = False  # the current round has a request not yet delivered
    closes: datetime | None = None  # the latest delivery in the current round
    for draft in drafts:
        if current is None or not (pending or (closes is not None and draft.at < closes)):
            if current is not None:
                current.closed_at = closes
            current = RoundDraft(len(result) + 1, draft.at, None)
            result.append(current)
            pending, closes = False, None
        current.members.append(draft)
        draft.round = current.number
        delivered = draft.delivered_at
        if delivered is None:
            pending = True
        elif closes is None or delivered > closes:
            closes = delivered
    if current is not None:
        current.closed_at = None if pending else closes
    return result


def by_window(drafts: Sequence[Draft], window: timedelta) -> list[RoundDraft]:
    """The first request opens a round; later ones before ``opened_at + window`` join it."""
    result: list[RoundDraft] = []
    current: RoundDraft | None = None
    for draft in drafts:
        if current is None or current.closed_at is None or draft.at >= current.closed_at:
            current = RoundDraft(len(result) + 1, draft.at, draft.at + window)
            result.append(current)
        current.members.append(draft)
        draft.round = current.number
    return result


def by_label(drafts: Sequence[Draft]) -> list[RoundDraft]:
    """The round is the number in the ticket's round label; gaps are kept."""
    rounds: dict[int, RoundDraft] = {}
    for draft in drafts:
        number = draft.label_round
        assert number is not None  # requests without a round label are unassigned
        found = rounds.get(number)
        if found is None:
            found = rounds[number] = RoundDraft(number, draft.at, None)
        found.members.append(draft)
        draft.round = number
    result = [rounds[number] for number in sorted(rounds)]
    for found in result:
        found.closed_at = _closing(found.members)
    return result


def by_slots(drafts: Sequence[Draft], cron: str, zone: ZoneInfo) -> list[RoundDraft]:
    """A slot's round holds the requests with ``previous slot < at <= slot``; the cron
    expression is read in the client's time zone. Empty slots make no round."""
    result: list[RoundDraft] = []
    current: RoundDraft | None = None
    slots = Slots(cron, zone)
    for draft in drafts:
        if current is None or current.closed_at is None or draft.at > current.closed_at:
            current = RoundDraft(len(result) + 1, draft.at, slots.at_or_after(draft.at))
            result.append(current)
        current.members.append(draft)
        draft.round = current.number
    return result


class Slots:
    """Walks a cron schedule forwards (building a croniter is slow: reuse one while the
    requests are close, start a new one after a long gap)."""

    STEPS = 8

    def __init__(self, cron: str, zone: ZoneInfo) -> None:
        self.cron, self.zone = cron, zone
        self._iterator: croniter | None = None
        self._slot: datetime | None = None

    def at_or_after(self, moment: datetime) -> datetime:
        """The first slot at or after ``moment`` (moments must not go backwards), in UTC."""
        for _ in range(self.STEPS):
            if self._iterator is None or self._slot is None:
                break
            if self._slot >= moment:
                return self._slot
            self._slot = self._next()
        from croniter import croniter  # here: only rounds on a cron schedule need it

        start = moment.astimezone(self.zone) - MICROSECOND
        self._iterator = croniter(self.cron, start)
        self._slot = self._next()
        return self._slot

    def _next(self) -> datetime:
        assert self._iterator is not None
        slot: datetime = self._iterator.get_next(datetime)
        return slot.astimezone(UTC)
