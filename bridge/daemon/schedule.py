"""When the daemon syncs a client: APScheduler triggers for ``[schedule]``, jitter and backoff.

``every = "15m"`` is an interval; ``cron = "*/15 8-19 * * mon-fri"`` is *standard* cron read
with croniter in the client's time zone (APScheduler 3's ``CronTrigger.from_crontab`` numbers
weekdays from Monday = 0, so ``1`` would mean Tuesday there; see docs/DECISIONS.md).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.interval import IntervalTrigger
from croniter import croniter

from bridge.clientfile.schema import Schedule, parse_duration

#: jitter is this share of a client's period, at most JITTER_CAP seconds
JITTER_SHARE = 0.1
JITTER_CAP = 30.0
#: a failing client waits period × 2^failures, at most this long (or one period when longer)
BACKOFF_CAP = 3600.0


class StandardCronTrigger(BaseTrigger):  # type: ignore[misc]
    """Fires at the times of a standard 5-field cron expression in ``zone`` (plus jitter)."""

    def __init__(self, expr: str, zone: ZoneInfo, jitter: float = 0.0) -> None:
        self.expr, self.zone, self.jitter = expr, zone, jitter

    def get_next_fire_time(
        self, previous_fire_time: datetime | None, now: datetime
    ) -> datetime | None:
        # from the previous fire time when there is one: APScheduler walks missed times this
        # way (and coalesces them); a jittered previous time stays before the next slot
        # because the jitter is a small share of the period
        start = previous_fire_time or now
        fire: datetime = croniter(self.expr, start.astimezone(self.zone)).get_next(datetime)
        result: datetime | None = self._apply_jitter(fire.astimezone(UTC), self.jitter, now)
        return result

    def __str__(self) -> str:
        return f"cron[{self.expr} {self.zone.key}]"

    def __repr__(self) -> str:
        return f"<StandardCronTrigger {self.expr!r} {self.zone.key} jitter={self.jitter}>"


def period(schedule: Schedule, zone: ZoneInfo, now: datetime | None = None) -> float:
    """Seconds between two runs: the interval, or the gap between the next two cron times."""
    if schedule.cron is None:
        assert schedule.every is not None  # Schedule's validator: one of them is always set
        return parse_duration(schedule.every).total_seconds()
    it = croniter(schedule.cron, (now or datetime.now(UTC)).astimezone(zone))
    first: datetime = it.get_next(datetime)
    second: datetime = it.get_next(datetime)
    return (second - first).total_seconds()


def jitter_for(seconds: float) -> float:
    """A little random delay so clients on the same schedule do not all start at once."""
    return min(seconds * JITTER_SHARE, JITTER_CAP)


def trigger_for(
    schedule: Schedule, zone: ZoneInfo, *, first_run: datetime | None = None
) -> Any:
    """The trigger of a ``[schedule]``; an interval starts at ``first_run`` (default: now)."""
    if schedule.cron is not None:
        return StandardCronTrigger(schedule.cron, zone, jitter_for(period(schedule, zone)))
    seconds = period(schedule, zone)
    return IntervalTrigger(seconds=seconds, start_date=first_run or datetime.now(UTC),
                           timezone=UTC, jitter=jitter_for(seconds) or None)


def first_interval_run(seconds: float, last_start: datetime | None, now: datetime) -> datetime:
    """When an interval client first runs: one period after its last sync, or now."""
    if last_start is None:
        return now
    return max(now, last_start + timedelta(seconds=seconds))


def backoff_delay(seconds: float, failures: int) -> float:
    """How long a client waits after ``failures`` failures in a row (exponential, capped)."""
    return float(min(seconds * 2 ** max(failures, 0), max(BACKOFF_CAP, seconds)))


def seconds_text(seconds: float) -> str:
    """A delay for the log: ``45s``, ``1.5m``, ``2h``."""
    for unit, size in (("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds / size:.4g}{unit}"
    return f"{seconds:.3g}s"
