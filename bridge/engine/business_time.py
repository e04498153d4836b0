"""Business-time arithmetic for the SLA (docs/architecture.md §4).

A duration is ``Nh`` business hours or ``Nd`` business days, one business day being the length
of ``business_hours``. The clock starts at the given moment, or at the next opening when that
moment is outside business hours, and runs only inside business hours on business days, in the
client's time zone. The result is the earliest instant at which the duration has run, so it can
be a closing time.

Opening hours are local wall-clock times; each business day's window is turned into UTC on its
own date, so a day on which the clocks change still opens and closes at the local hours given.
:class:`BusinessClock` keeps the windows it has built (as UTC microseconds, with running totals)
and answers each addition with two binary searches.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bridge.clientfile.schema import WEEKDAYS, Sla

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)
_DURATION = re.compile(r"^\s*([1-9]\d*)\s*([hd])\s*$")
#: how many days a window list is extended by at once
_CHUNK_DAYS = 64


def _micros(moment: datetime) -> int:
    return (moment - EPOCH) // MICROSECOND


class BusinessClock:
    """Business windows of one SLA in one time zone, built on demand."""

    def __init__(self, sla: Sla, zone: ZoneInfo) -> None:
        self.zone = zone
        opening, closing = sla.hours_range()
        self._opening = opening
        self._closes_at_midnight = closing == time.max
        self._closing = time(0, 0) if self._closes_at_midnight else closing
        self._weekdays = frozenset(WEEKDAYS.index(day) for day in sla.business_days)
        close_minutes = 24 * 60 if self._closes_at_midnight else closing.hour * 60 + closing.minute
        #: one business day, in microseconds: the nominal length of business_hours
        self.day_micros = (close_minutes - opening.hour * 60 - opening.minute) * 60_000_000
        self._first_day: date | None = None
        self._next_day: date | None = None  # first day not yet built
        self._opens: list[int] = []
        self._closes: list[int] = []
        self._before: list[int] = []  # business time before each window
        self._through: list[int] = []  # business time up to each window's close

    def duration_micros(self, duration: str) -> int:
        """``4h`` or ``2d`` as business microseconds."""
        match = _DURATION.match(duration)
        if not match:
            raise ValueError(f"{duration!r} is not a business duration like 4h or 2d")
        count = int(match.group(1))
        if match.group(2) == "h":
            return count * 3_600_000_000
        return count * self.day_micros

    def add_many(self, starts: Sequence[datetime], amount: int) -> list[datetime]:
        """``amount`` business microseconds after each of ``starts`` (one pass for them all):
        for each, the earliest instant at which that much business time has run, in UTC."""
        if not starts:
            return []
        first = min(starts)  # mixing naive and aware moments raises TypeError here
        if first.tzinfo is None:
            raise ValueError("start must be timezone-aware")
        self._cover_from(first)
        latest = _micros(max(starts))
        while not self._closes or self._closes[-1] <= latest or (
                self._through[-1] - self._through[bisect_right(self._closes, latest)] < amount):
            self._extend()
        opens, closes, before, through = self._opens, self._closes, self._before, self._through
        result: list[datetime] = []
        append, fromtimestamp = result.append, datetime.fromtimestamp
        for start in starts:
            begin = (start - EPOCH) // MICROSECOND
            index = bisect_right(closes, begin)
            opened = opens[index]
            target = before[index] + (begin - opened if begin > opened else 0) + amount
            found = bisect_left(through, target, index)
            append(fromtimestamp((opens[found] + target - before[found]) / 1e6, UTC))
        return result

    def elapsed(self, start: datetime, end: datetime) -> int:
        """Business microseconds between ``start`` and ``end`` (0 when ``end`` is not later)."""
        if end <= start:
            return 0
        self._cover_from(start)
        latest = _micros(end)
        while not self._closes or self._closes[-1] <= latest:
            self._extend()
        return self._position(latest) - self._position(_micros(start))

    def _position(self, moment: int) -> int:
        """Business time from the first window built to ``moment`` (UTC microseconds)."""
        index = bisect_right(self._closes, moment)
        opened = self._opens[index]
        return self._before[index] + (moment - opened if moment > opened else 0)

    def _cover_from(self, start: datetime) -> None:
        # A window never spans midnight, so a moment's window is on its local date or later.
        day = start.astimezone(self.zone).date()
        if self._first_day is None or day < self._first_day:
            self._first_day = self._next_day = day
            self._opens, self._closes, self._before, self._through = [], [], [], []

    def _extend(self) -> None:
        assert self._next_day is not None
        day = self._next_day
        for _ in range(_CHUNK_DAYS):
            if day.weekday() in self._weekdays:
                opens = _micros(datetime.combine(day, self._opening, tzinfo=self.zone))
                close_day = day + timedelta(days=1) if self._closes_at_midnight else day
                closes = _micros(datetime.combine(close_day, self._closing, tzinfo=self.zone))
                before = self._through[-1] if self._through else 0
                self._opens.append(opens)
                self._closes.append(closes)
                self._before.append(before)
                self._through.append(before + closes - opens)
            day += timedelta(days=1)
        self._next_day = day
