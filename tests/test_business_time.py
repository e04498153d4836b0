"""Business-time arithmetic (DESIGN §4), worked by hand in the client's zone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bridge.clientfile.schema import Sla
from bridge.engine.business_time import BusinessClock

PARIS = ZoneInfo("Europe/Paris")
OFFICE = Sla()  # 09:00-18:00, Monday to Friday: one business day is 9 h


def paris(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=PARIS)


def add_business(start: datetime, duration: str, sla: Sla, zone: ZoneInfo) -> datetime:
    """``start`` plus ``duration`` (``Nh`` or ``Nd``) of business time, by a fresh clock."""
    clock = BusinessClock(sla, zone)
    return clock.add_many([start], clock.duration_micros(duration))[0]


def due(start: datetime, duration: str, sla: Sla = OFFICE, zone: ZoneInfo = PARIS) -> datetime:
    result = add_business(start, duration, sla, zone)
    assert result.tzinfo == UTC
    return result


def test_inside_hours_runs_straight_on() -> None:
    # Monday 2 March 10:00 + 4 h = 14:00 the same day.
    assert due(paris(3, 2, 10), "4h") == paris(3, 2, 14)


def test_the_due_moment_can_be_a_closing_time() -> None:
    # 09:00 + 9 h of a 9-hour day ends at 18:00, not at the next opening.
    assert due(paris(3, 2, 9), "9h") == paris(3, 2, 18)
    assert due(paris(3, 2, 9), "1d") == paris(3, 2, 18)


def test_outside_hours_the_clock_starts_at_the_next_opening() -> None:
    # Monday 19:00 → starts Tuesday 09:00, + 1 h = 10:00.
    assert due(paris(3, 2, 19), "1h") == paris(3, 3, 10)
    # Monday 07:30 → starts 09:00 the same day.
    assert due(paris(3, 2, 7, 30), "2h") == paris(3, 2, 11)
    # Saturday 7 March 10:00 → Monday 9 March 09:00 + 1 h.
    assert due(paris(3, 7, 10), "1h") == paris(3, 9, 10)
    # Exactly at closing time: the day is over.
    assert due(paris(3, 2, 18), "1h") == paris(3, 3, 10)


def test_days_are_business_days_of_the_configured_length() -> None:
    # Friday 6 March 15:00 + 2d (18 h): Friday 3 h, Monday 9 h, Tuesday 6 h → Tuesday 15:00.
    assert due(paris(3, 6, 15), "2d") == paris(3, 10, 15)
    short = Sla(business_hours="08:30-12:30", business_days=("tue", "thu"))
    # One day = 4 h. Monday 2 March → Tuesday 08:30 + 4 h = 12:30; + 1 h more on Thursday.
    assert due(paris(3, 2, 12), "1d", short) == paris(3, 3, 12, 30)
    assert due(paris(3, 2, 12), "5h", short) == paris(3, 5, 9, 30)


def test_spring_forward_in_paris() -> None:
    # Clocks go 02:00 → 03:00 on Sunday 29 March 2026. Friday 27 March 15:00 CET + 2d:
    # Friday 3 h, Monday 30 9 h, Tuesday 31 6 h → 15:00 CEST, i.e. 13:00 UTC.
    start = paris(3, 27, 15)
    result = due(start, "2d")
    assert result == datetime(2026, 3, 31, 13, 0, tzinfo=UTC)
    assert result.astimezone(PARIS).hour == 15
    assert result - start == timedelta(days=4) - timedelta(hours=1)


def test_fall_back_in_paris() -> None:
    # Clocks go 03:00 → 02:00 on Sunday 25 October 2026. Friday 23 October 15:00 CEST + 2d
    # → Tuesday 27 October 15:00 CET, i.e. 14:00 UTC.
    start = paris(10, 23, 15)
    result = due(start, "2d")
    assert result == datetime(2026, 10, 27, 14, 0, tzinfo=UTC)
    assert result - start == timedelta(days=4) + timedelta(hours=1)


def test_hours_that_span_the_clock_change_count_real_time() -> None:
    # Every day open 00:00-24:00: Sunday 29 March lasts 23 real hours. Saturday 12:00 CET + 24h:
    # 12 h on Saturday, then 12 real hours from Sunday 00:00 CET (23:00 UTC) = 11:00 UTC,
    # which reads 13:00 CEST on the wall.
    always = Sla(business_hours="00:00-24:00",
                 business_days=("mon", "tue", "wed", "thu", "fri", "sat", "sun"))
    assert due(paris(3, 28, 12), "24h", always) == datetime(2026, 3, 29, 11, 0, tzinfo=UTC)


def test_other_zone_and_utc_input() -> None:
    # 16:00 UTC on Monday 2 March is 11:00 in New York (EST); + 8 h → 10:00 Tuesday EST.
    new_york = ZoneInfo("America/New_York")
    start = datetime(2026, 3, 2, 16, 0, tzinfo=UTC)
    assert due(start, "8h", zone=new_york) == datetime(2026, 3, 3, 10, 0, tzinfo=new_york)


def test_many_at_once_matches_one_by_one_and_goes_backwards_in_time() -> None:
    clock = BusinessClock(OFFICE, PARIS)
    starts = [paris(3, 27, 15), paris(1, 5, 8), paris(10, 23, 17, 59), paris(3, 2, 9)]
    amount = clock.duration_micros("2d")
    fresh = [add_business(s, "2d", OFFICE, PARIS) for s in starts]
    assert clock.add_many(starts, amount) == fresh
    assert [clock.add_many([s], amount)[0] for s in starts] == fresh


def test_bad_input_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        add_business(datetime(2026, 3, 2, 9), "1h", OFFICE, PARIS)
    with pytest.raises(ValueError, match="business duration"):
        add_business(paris(3, 2, 9), "15m", OFFICE, PARIS)
