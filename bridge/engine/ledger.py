"""The ledger: what the rounds engine derives from a client's stored records.

See docs/architecture.md §4.

Plain frozen dataclasses, built by :func:`bridge.engine.rounds.compute_ledger` and read by the
notices, the renderers and the reports. Hours are kept as whole seconds (``seconds``) so that
sums do not depend on the order of the rows; ``hours`` is the same figure in hours.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal, NamedTuple

from bridge.clientfile.schema import Quote
from connectors.base import StatusChange, Ticket, TimeEntry

Canonical = Literal["open", "in_progress", "delivered", "done", "waiting"]
RequestKind = Literal["new", "reopen"]
RequestStatus = Literal["counted", "out_of_scope", "excluded", "not_designated", "unassigned"]
NoticeKind = Literal["ack", "extra", "not_designated", "out_of_scope", "delivered"]

#: A record in a request's trail: the ticket (its creation, labels), a status change (the reopen,
#: the delivery) or a time entry attributed to the request.
Event = Ticket | StatusChange | TimeEntry


def hours(seconds: int) -> float:
    """Seconds as hours, rounded to 1/10000 h (a third of a second) for display and JSON."""
    return round(seconds / 3600, 4)


class Request(NamedTuple):
    """One request. A named tuple rather than a dataclass: a ledger holds 100,000 of them and
    a frozen dataclass is five times slower to build."""

    ticket: str  # key
    remote_id: str
    url: str
    title: str
    at: datetime
    by: str  # person remote id
    by_name: str
    kind: RequestKind
    status: RequestStatus
    designated: bool
    round: int | None
    due_at: datetime | None
    delivered_at: datetime | None
    late: bool | None
    seconds: int
    notices: tuple[NoticeKind, ...]
    #: why the request has its status, in a sentence
    reason: str
    #: what made it a request: the ticket (new) or the move that reopened it
    source: Ticket | StatusChange
    #: the move that delivered it, if any
    delivery: StatusChange | None
    #: the time entries attributed to it, oldest first
    entries: tuple[TimeEntry, ...]
    #: its ticket's priority now (``Ticket.priority``, the ``[sla].priority_field`` custom
    #: field or a ``[sla].priority_labels`` label), ``None`` when it has none
    priority: str | None = None
    #: business hours its ticket spent in a ``waiting`` status after ``at``, before delivery
    waiting_hours: float = 0.0
    #: those waits, (from, to) with ``to`` ``None`` while it still waits
    waits: tuple[tuple[datetime, datetime | None], ...] = ()
    #: the business time a counted request is handled within: its priority's
    #: ``[sla.priorities]`` entry, else ``handle_within``; ``None`` for the others
    within: str | None = None
    #: the priority labels on its ticket when it carries several (``priority`` is the one with
    #: the shortest handling time); empty otherwise
    priority_labels: tuple[str, ...] = ()
    #: the part of ``waiting_hours`` that moved ``due_at`` later (waits that began before the
    #: request was due; a wait that begins once it is late does not stop its clock)
    paused_hours: float = 0.0

    @property
    def hours(self) -> float:
        return hours(self.seconds)

    @property
    def events(self) -> tuple[Event, ...]:
        """The records behind the request, oldest first."""
        trail: list[Event] = [self.source, *self.entries]
        if self.delivery is not None:
            trail.append(self.delivery)
        return tuple(sorted(trail, key=event_time))


def event_time(event: Event) -> datetime:
    return event.created_at if isinstance(event, Ticket) else event.at


@dataclass(frozen=True, slots=True)
class Round:
    number: int
    opened_at: datetime
    closed_at: datetime | None
    requests: tuple[Request, ...]
    extra: bool
    seconds: int

    @property
    def hours(self) -> float:
        return hours(self.seconds)

    @property
    def tickets(self) -> tuple[str, ...]:
        """The keys of the round's tickets, each once, in the order of their first request."""
        return tuple(dict.fromkeys(request.ticket for request in self.requests))


@dataclass(frozen=True, slots=True)
class Overage:
    rounds: int  # extra rounds billed at round_price (0 without one)
    hours: float  # hours billed at hourly_rate
    amount: float  # the sum in money, rounded to the cent
    currency: str


@dataclass(frozen=True, slots=True)
class Ledger:
    client: str
    client_name: str
    timezone: str
    grouping: str
    quote: Quote
    rounds_used: int
    rounds_included: int
    rounds_remaining: int
    extra_rounds: int
    seconds_spent: int
    overage: Overage
    rounds: tuple[Round, ...]
    requests: tuple[Request, ...]
    computed_at: datetime

    @property
    def hours_spent(self) -> float:
        return hours(self.seconds_spent)

    @property
    def late_requests(self) -> tuple[Request, ...]:
        return tuple(r for r in self.requests if r.late)

    def find(self, ticket: str) -> tuple[Request, ...]:
        """The requests of the ticket with this key or remote id (case-insensitive key)."""
        wanted = ticket.strip()
        found = tuple(r for r in self.requests if wanted in (r.ticket, r.remote_id))
        if found:
            return found
        return tuple(r for r in self.requests if r.ticket.casefold() == wanted.casefold())
