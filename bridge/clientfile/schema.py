"""Client files: one TOML file describes one client (docs/architecture.md §9).

The models are frozen pydantic v2 models with ``extra="forbid"``; the ``[tracker]`` table is
validated by the model its ``type`` names in the connector registry.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

from connectors.base import TrackerSettings

SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
DURATION = re.compile(r"^\s*(\d+)\s*(s|m|h|d)\s*$")
UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DEFAULT_EVERY = "15m"  # a client's [schedule] when it gives neither every nor cron


def parse_duration(text: str) -> timedelta:
    """``30s``, ``15m``, ``2h``, ``2d`` → timedelta (calendar time)."""
    match = DURATION.match(text)
    if not match or int(match.group(1)) == 0:
        raise ValueError(f"{text!r} is not a duration like 30s, 15m, 2h or 2d")
    return timedelta(seconds=int(match.group(1)) * UNIT_SECONDS[match.group(2)])


def business_duration(value: Any) -> str:
    """``4h`` (business hours) or ``2d`` (business days), stripped; ValueError otherwise."""
    if not isinstance(value, str) or not re.fullmatch(r"\s*[1-9]\d*\s*[hd]\s*", value):
        raise ValueError(f"{value!r} is not a business duration like 4h or 2d")
    return value.strip()


#: a duration of the SLA; an error in ``[sla.priorities]`` names its key (``High``)
BusinessDuration = Annotated[str, AfterValidator(business_duration)]


def check_cron(expr: str) -> str:
    from croniter import croniter  # here: only a [schedule] with a cron needs it

    if not croniter.is_valid(expr) or len(expr.split()) != 5:
        raise ValueError(f"{expr!r} is not a 5-field cron expression like '0 10 * * tue'")
    return expr


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Quote(Model):
    reference: str = ""
    rounds_included: int = Field(ge=0)
    hours_included: float | None = Field(default=None, ge=0)
    hourly_rate: float = Field(default=0, ge=0)
    round_price: float | None = Field(default=None, ge=0)
    currency: str = "EUR"
    #: the quote's period (client time zone, ``end`` inclusive): requests made outside it are
    #: another quote's (see docs/rounds.md)
    start: date | None = None
    end: date | None = None

    @field_validator("currency")
    @classmethod
    def _currency(cls, value: str) -> str:
        if not re.fullmatch(r"[A-Z]{3}", value):
            raise ValueError(f"{value!r} is not an ISO 4217 code like EUR or USD")
        return value

    @field_validator("start", "end", mode="before")
    @classmethod
    def _day(cls, value: Any) -> Any:
        if isinstance(value, datetime):
            raise ValueError(f"{value.isoformat()} is a date-time; write a date like 2026-11-01")
        return value

    @model_validator(mode="after")
    def _period(self) -> Quote:
        if self.start is not None and self.end is not None and self.end < self.start:
            raise ValueError(f"end ({self.end}) comes before start ({self.start}); the period "
                             "runs from start to end, both included")
        return self


class Rounds(Model):
    grouping: Literal["delivery", "window", "label", "slots"] = "delivery"
    window_hours: float | None = Field(default=None, gt=0)
    label_pattern: str = "round-{n}"
    slots: str | None = None

    @field_validator("label_pattern")
    @classmethod
    def _pattern(cls, value: str) -> str:
        if value.count("{n}") != 1:
            raise ValueError("label_pattern must contain {n} exactly once, e.g. 'round-{n}'")
        return value

    @field_validator("slots")
    @classmethod
    def _slots(cls, value: str | None) -> str | None:
        return None if value is None else check_cron(value)

    @model_validator(mode="after")
    def _needs(self) -> Rounds:
        if self.grouping == "window" and self.window_hours is None:
            raise ValueError("grouping = 'window' needs window_hours")
        if self.grouping == "slots" and self.slots is None:
            raise ValueError("grouping = 'slots' needs slots (a cron expression)")
        return self

    def label_regex(self) -> re.Pattern[str]:
        before, _, after = self.label_pattern.partition("{n}")
        return re.compile(rf"^{re.escape(before)}(\d+){re.escape(after)}$")


class Scope(Model):
    out_of_scope_labels: tuple[str, ...] = ()
    excluded_labels: tuple[str, ...] = ()
    request_labels: tuple[str, ...] = ()


class Contacts(Model):
    client: tuple[str, ...] = ()
    team: tuple[str, ...] = ()
    non_designated: Literal["count", "ignore"] = "count"


class Sla(Model):
    handle_within: str = "2d"
    business_hours: str = "09:00-18:00"
    business_days: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri")
    #: Trello: the labels that are priorities (a card with two: the shortest duration wins)
    priority_labels: tuple[str, ...] = ()
    #: Asana: the enum custom field that holds the priority
    priority_field: str = "Priority"
    #: priority name -> business duration (``High = "1d"``); unmapped: ``handle_within``
    priorities: dict[str, BusinessDuration] = Field(default_factory=dict)

    @field_validator("handle_within")
    @classmethod
    def _within(cls, value: str) -> str:
        return business_duration(value)

    def within(self, priority: str | None) -> str:
        """The business duration a request of this priority is handled within: its
        ``[sla.priorities]`` entry (names compared case-insensitively), else ``handle_within``."""
        if priority is not None and self.priorities:
            found = self.priorities.get(priority)
            if found is not None:
                return found
            wanted = priority.casefold()
            for name, duration in self.priorities.items():
                if name.casefold() == wanted:
                    return duration
        return self.handle_within

    @field_validator("business_hours")
    @classmethod
    def _hours(cls, value: str) -> str:
        match = re.fullmatch(r"(\d\d):(\d\d)-(\d\d):(\d\d)", value.strip())
        if not match:
            raise ValueError(f"{value!r} is not a range like 09:00-18:00")
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        if h1 > 23 or h2 > 24 or m1 > 59 or m2 > 59 or (h2 == 24 and m2) or (h1, m1) >= (h2, m2):
            raise ValueError(f"{value!r}: the opening must come before the closing, within a day")
        return value.strip()

    @field_validator("business_days")
    @classmethod
    def _days(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        full = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
        days = []
        for day in value:
            name = day.strip().lower()
            if name not in WEEKDAYS and name not in full:
                raise ValueError(f"{day!r} is not a weekday (mon, tue, ... sun)")
            days.append(name[:3])
        if not days:
            raise ValueError("at least one business day is needed")
        return tuple(days)

    def hours_range(self) -> tuple[time, time]:
        start, end = self.business_hours.split("-")
        h1, m1 = (int(x) for x in start.split(":"))
        h2, m2 = (int(x) for x in end.split(":"))
        close = time.max if h2 == 24 else time(h2, m2)
        return time(h1, m1), close


class Comments(Model):
    mode: Literal["auto", "review", "off"] = "auto"
    #: a ``delivered`` notice (time spent, what is left on the quote) when a counted request
    #: first reaches ``delivered``
    on_delivery: bool = False
    #: per-kind text overrides: {kind: template}; see bridge.present.notices for placeholders
    texts: dict[str, str] = Field(default_factory=dict)
    #: notices for requests made before this moment are recorded ``skipped``, never posted;
    #: default: the end of the client's first completed sync. Without a UTC offset it is read
    #: in the client's time zone (:meth:`ClientConfig.comments_since`); a date is its midnight.
    since: datetime | None = None

    @field_validator("since", mode="before")
    @classmethod
    def _since(cls, value: Any) -> Any:
        if isinstance(value, date) and not isinstance(value, datetime):
            return datetime.combine(value, time())
        return value


class Schedule(Model):
    """``every`` or ``cron``; with neither (no ``[schedule]`` table, or an empty one),
    ``every = "15m"``, so a validated schedule always has exactly one of them."""

    every: str | None = None
    cron: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _default(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("every") is None and data.get("cron") is None:
            return {**data, "every": DEFAULT_EVERY}
        return data

    @field_validator("every")
    @classmethod
    def _every(cls, value: str | None) -> str | None:
        if value is not None:
            parse_duration(value)
        return value

    @field_validator("cron")
    @classmethod
    def _cron(cls, value: str | None) -> str | None:
        return None if value is None else check_cron(value)

    @model_validator(mode="after")
    def _one(self) -> Schedule:
        if self.every is not None and self.cron is not None:
            raise ValueError("give either every or cron, not both")
        return self


class ClientDetails(Model):
    """Who is billed, as the statement names them (optional; else the client's ``name``)."""

    legal_name: str = ""
    address: list[str] = Field(default_factory=list)
    company_id: str = ""
    vat_id: str = ""


class ClientConfig(Model):
    client: str
    name: str = ""
    timezone: str = "UTC"
    language: Literal["fr", "en"] = "en"
    tracker: TrackerSettings
    quote: Quote
    rounds: Rounds = Rounds()
    scope: Scope = Scope()
    contacts: Contacts = Contacts()
    sla: Sla = Sla()
    comments: Comments = Comments()
    schedule: Schedule = Schedule()
    client_details: ClientDetails = ClientDetails()
    #: every how many syncs the deletion check runs (docs/architecture.md §7)
    reconcile_every: int = Field(default=24, ge=1)

    @field_validator("client")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not SLUG.match(value):
            raise ValueError(f"{value!r} is not a slug (lower-case letters, digits, - and _)")
        return value

    @field_validator("timezone")
    @classmethod
    def _tz(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{value!r} is not an IANA time zone like Europe/Paris") from None
        return value

    @model_validator(mode="after")
    def _waiting_alone(self) -> ClientConfig:
        """A waiting status stops the SLA clock; the same name under another state would make
        the same move a delivery (or a reopen) and a wait at once."""
        statuses = self.tracker.statuses
        clashes = [
            f"{name!r} is listed under waiting and under {state}"
            for name in dict.fromkeys(statuses.waiting)
            for state in ("open", "in_progress", "delivered", "done")
            if name in getattr(statuses, state)
        ]
        if clashes:
            raise ValueError(
                "[tracker.statuses] waiting: " + "; ".join(clashes) + ": a status means one "
                "thing; keep it in one list (waiting: the ticket waits on the client)")
        return self

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def comments_since(self) -> datetime | None:
        """``[comments] since`` as an aware moment (read in the client's zone when it has no
        offset), or None when the file does not set it."""
        since = self.comments.since
        if since is None or since.tzinfo is not None:
            return since
        return since.replace(tzinfo=self.zone)

    def period(self) -> tuple[datetime | None, datetime | None]:
        """The quote's period as moments: ``[start 00:00, the day after end 00:00)`` in the
        client's zone (``None``: open on that side)."""
        zone, quote = self.zone, self.quote
        begin = None if quote.start is None else datetime.combine(quote.start, time(), zone)
        after = None if quote.end is None else datetime.combine(
            quote.end + timedelta(days=1), time(), zone)
        return begin, after
