"""The daemon's triggers: standard cron in the client's time zone, jitter, backoff."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from apscheduler.triggers.cron import CronTrigger

from bridge.clientfile.load import load_client
from bridge.clientfile.schema import Schedule
from bridge.daemon.schedule import (
    BACKOFF_CAP,
    StandardCronTrigger,
    backoff_delay,
    first_interval_run,
    jitter_for,
    period,
    trigger_for,
)
from tests.toy_connector import TOY_CLIENT_FILE

PARIS = ZoneInfo("Europe/Paris")
CLIENT_FILE = TOY_CLIENT_FILE


def test_numeric_weekdays_follow_standard_cron_not_apscheduler() -> None:
    sunday = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    ours = StandardCronTrigger("0 10 * * 1", PARIS).get_next_fire_time(None, sunday)
    assert ours == datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # Monday 10:00 in Paris (UTC+1)
    assert ours is not None and ours.astimezone(PARIS).strftime("%a %H:%M") == "Mon 10:00"
    # APScheduler 3's from_crontab reads 1 as Tuesday: the trap the trigger avoids
    theirs = CronTrigger.from_crontab("0 10 * * 1", timezone=PARIS).get_next_fire_time(
        None, sunday)
    assert theirs.strftime("%a") == "Tue"
    # Sunday is 0 and 7, names work too
    for expr in ("0 10 * * 0", "0 10 * * 7", "0 10 * * sun"):
        fire = StandardCronTrigger(expr, PARIS).get_next_fire_time(None, sunday)
        assert fire == datetime(2026, 3, 8, 9, 0, tzinfo=UTC), expr


def test_cron_follows_the_client_time_zone_across_daylight_saving() -> None:
    trigger = StandardCronTrigger("0 9 * * mon-fri", PARIS)
    thursday = datetime(2026, 3, 26, 12, 0, tzinfo=UTC)
    fires: list[datetime] = []
    previous = None
    for _ in range(3):
        previous = trigger.get_next_fire_time(previous, thursday)
        assert previous is not None
        fires.append(previous)
    # 09:00 Paris is 08:00 UTC in winter; clocks go forward on Sunday 29 March: 07:00 UTC
    assert fires == [datetime(2026, 3, 27, 8, 0, tzinfo=UTC),
                     datetime(2026, 3, 30, 7, 0, tzinfo=UTC),
                     datetime(2026, 3, 31, 7, 0, tzinfo=UTC)]


def test_missed_cron_times_are_walked_from_the_previous_fire_time() -> None:
    """APScheduler coalesces by walking previous → next until past now; each step moves on."""
    trigger = StandardCronTrigger("*/15 * * * *", PARIS)
    now = datetime(2026, 3, 2, 10, 50, tzinfo=UTC)
    start = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    walked = [start]
    while (fire := trigger.get_next_fire_time(walked[-1], now)) and fire <= now:
        walked.append(fire)
    assert [f.minute for f in walked] == [0, 15, 30, 45]


def test_jitter_is_a_small_share_of_the_period_and_only_delays() -> None:
    assert jitter_for(1) == pytest.approx(0.1)
    assert jitter_for(900) == 30.0
    trigger = StandardCronTrigger("*/15 * * * *", PARIS, jitter=jitter_for(900))
    now = datetime(2026, 3, 2, 10, 1, tzinfo=UTC)
    for _ in range(50):
        fire = trigger.get_next_fire_time(None, now)
        assert fire is not None
        assert timedelta(0) <= fire - datetime(2026, 3, 2, 10, 15, tzinfo=UTC) <= timedelta(
            seconds=30)


def test_interval_schedule_starts_one_period_after_the_last_sync() -> None:
    now = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    assert first_interval_run(900, None, now) == now
    assert first_interval_run(900, now - timedelta(minutes=5), now) == now + timedelta(
        minutes=10)
    assert first_interval_run(900, now - timedelta(hours=1), now) == now
    trigger = trigger_for(Schedule(every="15m"), PARIS, first_run=now + timedelta(minutes=10))
    fire = trigger.get_next_fire_time(None, now)
    assert timedelta(minutes=10) <= fire - now <= timedelta(minutes=10, seconds=30)


def test_period_of_each_kind_of_schedule() -> None:
    assert period(Schedule(every="2s"), PARIS) == 2
    assert period(Schedule(every="15m"), PARIS) == 900
    assert period(Schedule(cron="*/20 * * * *"), PARIS) == 1200
    monday = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
    assert period(Schedule(cron="0 10 * * 1"), PARIS, monday) == 7 * 86400


def test_backoff_doubles_per_failure_and_is_capped() -> None:
    assert [backoff_delay(1, n) for n in (1, 2, 3)] == [2, 4, 8]
    assert [backoff_delay(900, n) for n in (1, 2, 3)] == [1800, 3600, BACKOFF_CAP]
    assert backoff_delay(60, 50) == BACKOFF_CAP
    # a daily client never waits less than its own period
    assert backoff_delay(86400, 3) == 86400


def test_a_schedule_without_every_or_cron_runs_every_15_minutes(
    tmp_path: Path, toy_tracker: str
) -> None:
    from bridge.daemon.daemon import describe

    path = tmp_path / "acme.toml"
    for table in ("", "[schedule]\n"):  # no [schedule] table, or an empty one
        path.write_text(CLIENT_FILE + table)
        config = load_client(path)
        assert (config.schedule.every, config.schedule.cron) == ("15m", None)
        assert period(config.schedule, PARIS) == 900
        assert describe(config.schedule, config.timezone) == "every 15m"
    assert Schedule() == Schedule(every="15m")
    assert Schedule(cron="0 10 * * 1").every is None  # a cron is not given an interval too
