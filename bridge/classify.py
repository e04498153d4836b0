"""Which tickets and moves are requests, and what status each request has (DESIGN §4, §5).

Part of the pure rounds engine: no I/O, no clock. :class:`Classifier` is built once per ledger
from the client's configuration and then asked about one ticket at a time, with the ticket's
status changes already in time order.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import datetime

from bridge.config import ClientConfig
from bridge.ledger import Canonical, Event, RequestKind, RequestStatus
from connectors.base import COMPLETED_STATUS, Person, StatusChange, StatusMap, Ticket, TimeEntry

CANONICAL: tuple[Canonical, ...] = ("open", "in_progress", "delivered", "done")
FINISHED = frozenset({"delivered", "done"})
ONGOING = frozenset({"open", "in_progress"})


def status_mapping(statuses: StatusMap) -> dict[str, Canonical]:
    """Tracker status name → canonical state. A name listed twice keeps its first state in
    the order open, in_progress, delivered, done; :data:`COMPLETED_STATUS` is always ``done``."""
    mapping: dict[str, Canonical] = {}
    for state in CANONICAL:
        for name in getattr(statuses, state):
            mapping.setdefault(name, state)
    mapping[COMPLETED_STATUS] = "done"
    return mapping


def canonical(name: str | None, mapping: dict[str, Canonical]) -> Canonical:
    """An unmapped (or unknown) status is ``open``."""
    if name is None:
        return "open"
    return mapping.get(name, "open")


def id_order(remote_id: str) -> tuple[int, int, str]:
    """Sort key of remote ids: numeric ids by value (``9`` before ``10``), then the others."""
    if remote_id.isdigit():
        return (0, int(remote_id), remote_id)
    return (1, 0, remote_id)


class Roster:
    """A contacts list: person remote ids, or e-mail addresses (compared case-insensitively)."""

    def __init__(self, entries: Iterable[str]) -> None:
        self.ids = frozenset(e.strip() for e in entries if e.strip())
        self.emails = frozenset(e.casefold() for e in self.ids if "@" in e)

    def __bool__(self) -> bool:
        return bool(self.ids)

    def __contains__(self, person: object) -> bool:
        if not isinstance(person, Person):
            return False
        if person.remote_id in self.ids:
            return True
        return bool(self.emails) and (person.email or "").casefold() in self.emails


class Draft:
    """A request while the ledger is being computed (mutable, cheap to build)."""

    __slots__ = (
        "at",
        "by",
        "delivered_at",
        "designated",
        "due_at",
        "entries",
        "events",
        "kind",
        "label_round",
        "reason",
        "round",
        "seconds",
        "source",
        "status",
        "ticket",
    )

    def __init__(self, ticket: Ticket, at: datetime, by: Person, kind: RequestKind,
                 source: Ticket | StatusChange) -> None:
        self.ticket = ticket
        self.at = at
        self.by = by
        self.kind = kind
        self.source = source
        self.status: RequestStatus = "counted"
        self.designated = True
        self.reason = ""
        self.label_round: int | None = None
        self.delivered_at: datetime | None = None
        self.events: list[Event] = [source]
        self.entries: list[TimeEntry] = []
        self.seconds = 0
        self.round: int | None = None
        self.due_at: datetime | None = None


class Classifier:
    """The client's rules for telling requests apart, read once from its configuration."""

    def __init__(self, config: ClientConfig) -> None:
        self.states = status_mapping(config.tracker.statuses)
        self.team = Roster(config.contacts.team)
        self.clients = Roster(config.contacts.client)
        self.ignore_undesignated = config.contacts.non_designated == "ignore"
        scope = config.scope
        self.request_labels = frozenset(label.casefold() for label in scope.request_labels)
        self.excluded = frozenset(label.casefold() for label in scope.excluded_labels)
        self.out_of_scope = frozenset(label.casefold() for label in scope.out_of_scope_labels)
        self.by_label = config.rounds.grouping == "label"
        self.round_label = re.compile(config.rounds.label_regex().pattern, re.IGNORECASE)

    def requests_of(self, ticket: Ticket, changes: Sequence[StatusChange]) -> list[Draft]:
        """The ticket's requests in time order, with status, designation and delivery."""
        labels = frozenset(label.casefold() for label in ticket.labels)
        if self.request_labels and not labels & self.request_labels:
            return []
        found: list[tuple[Draft, int]] = []  # each request with the index of its first later change
        requester = ticket.requester
        if self.request_labels or requester not in self.team:
            found.append((Draft(ticket, ticket.created_at, requester, "new", ticket), 0))
        states = self.states
        previous: str | None = None
        for index, change in enumerate(changes):
            before = change.from_status if change.from_status is not None else previous
            previous = change.to_status
            if before is None or canonical(before, states) not in FINISHED:
                continue
            if canonical(change.to_status, states) in ONGOING and change.by not in self.team:
                found.append((Draft(ticket, change.at, change.by, "reopen", change), index + 1))
        if not found:
            return []
        found.sort(key=lambda pair: pair[0].at)
        drafts: list[Draft] = []
        last_second: datetime | None = None
        for draft, first_change in found:
            # One request per ticket and second: notice keys have a precision of one second.
            second = draft.at.replace(microsecond=0)
            if second == last_second:
                continue
            last_second = second
            self._deliver(draft, changes, first_change)
            self._classify(draft, labels, ticket)
            drafts.append(draft)
        return drafts

    def _deliver(self, draft: Draft, changes: Sequence[StatusChange], start: int) -> None:
        states = self.states
        for change in changes[start:]:
            if change.at >= draft.at and canonical(change.to_status, states) in FINISHED:
                draft.delivered_at = change.at
                draft.events.append(change)
                return
        ticket = draft.ticket
        if not changes and draft.kind == "new" and canonical(ticket.status, states) in FINISHED:
            # Created straight into a delivered/done status, with no move on record.
            draft.delivered_at = ticket.created_at

    def _classify(self, draft: Draft, labels: frozenset[str], ticket: Ticket) -> None:
        person = draft.by
        on_team = person in self.team
        draft.designated = on_team or not self.clients or person in self.clients
        if labels & self.excluded:
            draft.status = "excluded"
            draft.reason = f"label {_named(ticket, self.excluded)} is excluded from the ledger"
        elif labels & self.out_of_scope:
            draft.status = "out_of_scope"
            draft.reason = f"label {_named(ticket, self.out_of_scope)} puts it outside the quote"
        elif not draft.designated and self.ignore_undesignated:
            draft.status = "not_designated"
            draft.reason = f"{person.name or person.remote_id} is not a designated contact"
        else:
            draft.label_round = self._round_label(ticket) if self.by_label else None
            if self.by_label and draft.label_round is None:
                draft.status = "unassigned"
                draft.reason = "no round label on the ticket"
            else:
                draft.status = "counted"
                draft.reason = "counted" if draft.designated else (
                    f"counted, though {person.name or person.remote_id} is not a designated contact"
                )

    def _round_label(self, ticket: Ticket) -> int | None:
        numbers = [int(m.group(1)) for m in map(self.round_label.match, ticket.labels) if m]
        return min(numbers) if numbers else None


def _named(ticket: Ticket, wanted: frozenset[str]) -> str:
    return repr(min(label for label in ticket.labels if label.casefold() in wanted))
