"""When a time entry's work counts: its moment (docs/rounds.md, "Time entries").

An entry's moment is its ``at`` (when it was logged), unless it carries a ``day`` (the date the
tracker says the work was done, Asana ``entered_on``) that is not ``at``'s date in the client's
time zone: then it is the end of business hours on ``day``. Work logged late for an earlier day
belongs to what was open that day; work logged on its own day keeps its exact time, so an hour
logged at 10:00 after a reopen at 09:00 goes to the reopen.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bridge.clientfile.schema import Sla
from connectors.base import TimeEntry


class Moments:
    """The moments of time entries for one client (its zone and business hours)."""

    def __init__(self, sla: Sla, zone: ZoneInfo) -> None:
        self.zone = zone
        _, self._closing = sla.hours_range()
        self._ends: dict[date, datetime] = {}

    def of(self, entry: TimeEntry) -> datetime:
        """``entry``'s moment, in UTC."""
        day = entry.day
        if day is None or entry.at.astimezone(self.zone).date() == day:
            return entry.at
        return self.end_of_business(day)

    def end_of_business(self, day: date) -> datetime:
        """The closing time of the business hours on ``day`` (any weekday), in UTC."""
        found = self._ends.get(day)
        if found is None:
            if self._closing == time.max:  # "…-24:00": the day ends at midnight
                local = datetime.combine(day + timedelta(days=1), time(0), tzinfo=self.zone)
            else:
                local = datetime.combine(day, self._closing, tzinfo=self.zone)
            found = self._ends[day] = local.astimezone(UTC)
        return found
