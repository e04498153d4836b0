"""Normalized records and the connector contract (docs/architecture.md §2, docs/connectors.md).

Every time is timezone-aware UTC. A connector turns one tracker's API into these records and
posts comments; it knows nothing of rounds, quotes or the store.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, ClassVar, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field, field_validator

from connectors.errors import BadRecordError

#: Status name a connector reports for a ticket the tracker marks complete outside its
#: lists/sections (Asana ``completed``, an archived Trello card). Always maps onto ``done``.
COMPLETED_STATUS = "(completed)"


def utc(value: datetime) -> datetime:
    """Return ``value`` as an aware UTC datetime (naive values are taken as UTC)."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def parse_time(value: object, what: str, remote_id: str | None = None, *,
               need_offset: bool = False) -> datetime:
    """A tracker's ISO 8601 timestamp (``Z`` or an offset) as aware UTC; a naive one is taken as
    UTC unless ``need_offset``. Anything else is a :class:`BadRecordError` naming ``what``."""
    if not isinstance(value, str):
        raise BadRecordError(f"{what} is missing or not a timestamp: {value!r}",
                             remote_id=remote_id)
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise BadRecordError(f"{what} is not a timestamp: {value!r}", remote_id=remote_id) from None
    if need_offset and parsed.tzinfo is None:
        raise BadRecordError(f"{what} {value!r} has no offset", remote_id=remote_id)
    return utc(parsed)


def iso_millis(when: datetime) -> str:
    """``when`` in UTC to the millisecond (``2025-03-04T15:02:11.421Z``), as cursors keep it."""
    return utc(when).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


@dataclass(frozen=True, slots=True)
class Person:
    remote_id: str
    name: str
    email: str | None = None


@dataclass(frozen=True, slots=True)
class Ticket:
    remote_id: str
    key: str
    url: str
    title: str
    status: str
    labels: tuple[str, ...]
    created_at: datetime
    updated_at: datetime
    requester: Person
    deleted: bool = False
    #: the tracker's own priority field (Jira ``priority.name``), ``None`` where it has none
    priority: str | None = None
    #: single-choice custom fields, (field name, chosen option name) pairs (Asana enum custom
    #: fields): the bridge picks the one ``[sla].priority_field`` names
    custom_fields: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class StatusChange:
    ticket_id: str
    at: datetime
    by: Person
    from_status: str | None
    to_status: str
    remote_id: str = ""  # the tracker's id of the history item, when it has one


@dataclass(frozen=True, slots=True)
class Comment:
    remote_id: str
    ticket_id: str
    at: datetime
    by: Person
    body: str


@dataclass(frozen=True, slots=True)
class TimeEntry:
    """Time spent on a ticket.

    ``at``: when the work was logged (Jira worklog ``started``, Trello the comment's date,
    Asana the entry's ``created_at``). ``day``: the date the tracker says the work was done,
    when it keeps one apart from ``at`` (Asana ``entered_on``). ``by``: ``None`` when the
    tracker names no author (Asana ``actual_time_minutes``).
    """

    remote_id: str
    ticket_id: str
    at: datetime
    by: Person | None
    seconds: int
    day: date | None = None


@dataclass(frozen=True, slots=True)
class TicketBundle:
    """One ticket with its *complete* current history.

    The lists are the ticket's whole history as the tracker holds it now, so the store replaces
    the ticket's rows with them (a deleted comment or worklog disappears).
    """

    ticket: Ticket
    changes: tuple[StatusChange, ...] = ()
    comments: tuple[Comment, ...] = ()
    time_entries: tuple[TimeEntry, ...] = ()


@dataclass(frozen=True, slots=True)
class SkippedRecord:
    """A record the connector could not normalize: reported, and the pull goes on."""

    remote_id: str | None
    reason: str


@dataclass(frozen=True, slots=True)
class Page:
    """One unit of a pull: commit ``bundles``, then save ``next_cursor``."""

    bundles: tuple[TicketBundle, ...]
    next_cursor: str | None
    skipped: tuple[SkippedRecord, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class TrackerProject:
    """A project / board the token can see: ``key`` is what the client file names it by
    (Jira project key, Trello board id, Asana project gid)."""

    key: str
    name: str


@dataclass(frozen=True, slots=True)
class TrackerStatus:
    """A status / list / section of the configured project, in the tracker's order.

    ``category`` is Jira's status category (``new``, ``indeterminate``, ``done``); ``None``
    where the tracker has none."""

    name: str
    category: str | None = None


@dataclass(frozen=True, slots=True)
class TrackerPerson:
    """Someone a client file may name as a contact: by ``remote_id``, by ``email`` where the
    tracker shows it, or (Trello) by ``username``."""

    remote_id: str
    name: str
    email: str | None = None
    username: str | None = None


@dataclass(frozen=True, slots=True)
class TrackerMap:
    """What a token sees (``Connector.describe()``): every string in it comes from the tracker
    and is untrusted (escape it before showing it)."""

    tracker: str
    me: TrackerPerson
    projects: tuple[TrackerProject, ...]
    #: the configured project when the token sees it, else ``None`` (and nothing below)
    project: TrackerProject | None = None
    statuses: tuple[TrackerStatus, ...] = ()
    people: tuple[TrackerPerson, ...] = ()
    labels: tuple[str, ...] = ()
    #: the tracker's own priorities (Jira's, highest first); ``None`` where it has no priority
    #: field (Trello: a priority is one of ``labels``; Asana: an option of ``custom_fields``)
    priorities: tuple[str, ...] | None = None
    #: the project's single-choice custom fields, (field name, its option names), where the
    #: connector reads them (Asana enum fields); ``None`` where it reads none
    custom_fields: tuple[tuple[str, tuple[str, ...]], ...] | None = None

    def as_json(self) -> dict[str, Any]:
        """The stable ``discover --json`` shape (docs/connectors.md, "discover --json")."""
        def person(p: TrackerPerson) -> dict[str, Any]:
            return {"id": p.remote_id, "name": p.name, "email": p.email, "username": p.username}

        def project(p: TrackerProject | None) -> dict[str, Any] | None:
            return None if p is None else {"key": p.key, "name": p.name}

        return {"tracker": self.tracker, "me": person(self.me),
                "projects": [project(p) for p in self.projects],
                "project": project(self.project),
                "statuses": [{"name": s.name, "category": s.category} for s in self.statuses],
                "people": [person(p) for p in self.people], "labels": list(self.labels),
                "priorities": None if self.priorities is None else list(self.priorities),
                "custom_fields": None if self.custom_fields is None else [
                    {"name": name, "options": list(options)}
                    for name, options in self.custom_fields]}


class StatusMap(BaseModel):
    """``[tracker.statuses]``: the tracker's status names for each canonical state."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    open: tuple[str, ...] = ()
    in_progress: tuple[str, ...] = ()
    delivered: tuple[str, ...] = ()
    done: tuple[str, ...] = ()
    #: statuses where the ticket waits on the client (details asked, assets missing)
    waiting: tuple[str, ...] = ()

    @field_validator("open", "in_progress", "delivered", "done", "waiting")
    @classmethod
    def _names_not_blank(cls, names: tuple[str, ...]) -> tuple[str, ...]:
        for name in names:
            if not name.strip():
                raise ValueError("status names must not be blank")
        return names


class TrackerSettings(BaseModel):
    """Base of every connector's ``[tracker]`` table; each connector subclasses it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    #: Fields that hold a credential reference (``keyring:``, ``env:``, ``cmd:``).
    secret_fields: ClassVar[tuple[str, ...]] = ("token",)
    #: False where the tracker never shows people's e-mails (a contact cannot be one)
    shows_emails: ClassVar[bool] = True

    type: str
    token: str = Field(description="credential reference: keyring:SERVICE/USER, env:VAR or cmd:CMD")
    statuses: StatusMap = StatusMap()


@runtime_checkable
class Connector(Protocol):
    """What ``bridge`` needs from a tracker.

    Built as ``cls(settings, secrets, policy=None)`` where ``secrets`` maps each of
    ``settings.secret_fields`` to its resolved value and ``policy`` overrides the retry and
    pacing policy (tests make it fast).
    """

    name: ClassVar[str]
    Settings: ClassVar[type[TrackerSettings]]

    @property
    def requests_made(self) -> int:
        """HTTP requests sent so far (every attempt counts, retries included)."""
        ...

    def whoami(self) -> Person:
        """The account the connector acts as (cached after the first call)."""
        ...

    def pull(self, cursor: str | None) -> Iterator[Page]:
        """Yield pages of changed tickets; ``None`` means a full pull.

        The cursor comes from the tracker's own timestamps, never the local clock; an
        incremental pull re-reads an overlap window before the cursor and drops what it has
        already yielded by id. ``next_cursor`` of each page is safe to save once the page is
        committed; a bad record is reported in ``Page.skipped`` and does not stop the pull.
        """
        ...

    def list_ids(self) -> set[str]:
        """Every live ticket id in scope. Raises rather than return a partial listing."""
        ...

    def post_comment(self, ticket_id: str, body: str) -> str:
        """Post ``body`` on the ticket and return the new comment's remote id.

        Never sent twice by a retry: a POST is retried only when the tracker provably did not
        process it (429, connection refused); otherwise the error is raised and the caller
        checks with ``find_comment`` before posting again.
        """
        ...

    def find_comment(self, ticket_id: str, marker: str) -> str | None:
        """The remote id of the ticket's comment whose text contains ``marker``, if any."""
        ...

    def describe(self) -> TrackerMap:
        """The projects / boards the token sees and, for the configured one, its statuses in
        board order, people and labels (an empty configured key: the projects only).

        At most 6 requests on a project of ordinary size; never posts anything."""
        ...
