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
from bridge.ledger import Canonical, RequestKind, RequestStatus
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
        if person.remote_id in self.ids:  # type: ignore[attr-defined]
            return True
        if not self.emails or not isinstance(person, Person) or not person.email:
            return False
        return person.email.casefold() in self.emails


class Draft:
    """A request while the ledger is being computed (mutable, cheap to build)."""

    __slots__ = (
        "at",
        "by",
        "delivered_at",
        "delivery",
        "designated",
        "due_at",
        "entries",
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
        self.reason = "within the scope of the quote"
        self.label_round: int | None = None
        self.delivered_at: datetime | None = None
        self.delivery: StatusChange | None = None
        self.entries: list[TimeEntry] | None = None
        self.seconds = 0
        self.round: int | None = None
        self.due_at: datetime | None = None


class Classifier:
    """The client's rules for telling requests apart, read once from its configuration."""

    def __init__(self, config: ClientConfig) -> None:
        self.states = status_mapping(config.tracker.statuses)
        self.finished = frozenset(n for n, state in self.states.items() if state in FINISHED)
        self.team = Roster(config.contacts.team)
        self.clients = Roster(config.contacts.client)
        self.ignore_undesignated = config.contacts.non_designated == "ignore"
        scope = config.scope
        self.request_labels = frozenset(label.casefold() for label in scope.request_labels)
        self.excluded = frozenset(label.casefold() for label in scope.excluded_labels)
        self.out_of_scope = frozenset(label.casefold() for label in scope.out_of_scope_labels)
        self.reads_labels = bool(self.request_labels or self.excluded or self.out_of_scope)
        self.by_label = config.rounds.grouping == "label"
        self.round_label = re.compile(config.rounds.label_regex().pattern, re.IGNORECASE)

    def requests_of(self, ticket: Ticket, changes: Sequence[StatusChange]) -> list[Draft]:
        """The ticket's requests in time order, with status, designation and delivery.

        ``changes`` are the ticket's status changes in time order. One pass finds the reopens
        and each request's delivery: the first move to delivered/done at or after it. (Hot
        path of the engine: written for speed.)
        """
        labels: frozenset[str] = frozenset()
        if self.reads_labels:
            labels = frozenset(label.casefold() for label in ticket.labels)
            if self.request_labels and labels.isdisjoint(self.request_labels):
                return []
        team = self.team
        found: list[Draft] = []
        waiting: list[Draft] = []  # requests not yet delivered
        requester = ticket.requester
        if self.request_labels or requester not in team:
            first = Draft(ticket, ticket.created_at, requester, "new", ticket)
            found.append(first)
            waiting.append(first)
        if changes:
            finished = self.finished
            previous: str | None = None
            for change in changes:
                to_status = change.to_status
                if to_status in finished:
                    if waiting:
                        waiting = _deliver(waiting, change)
                else:
                    before = change.from_status
                    if before is None:
                        before = previous
                    if before in finished and change.by not in team:
                        draft = Draft(ticket, change.at, change.by, "reopen", change)
                        found.append(draft)
                        waiting.append(draft)
                previous = to_status
        elif found and ticket.status in self.finished:
            # Created straight into a delivered/done status, with no move on record.
            found[0].delivered_at = ticket.created_at
        if not found:
            return found
        if len(found) > 1:
            found = _one_per_second(found)
        if labels or self.clients or self.by_label:
            for draft in found:
                self._classify(draft, labels, ticket)
        return found

    def _classify(self, draft: Draft, labels: frozenset[str], ticket: Ticket) -> None:
        person = draft.by
        if self.clients and person not in self.clients and person not in self.team:
            draft.designated = False
            draft.reason = f"within the scope, though {_who(person)} is not a designated contact"
        if labels and not labels.isdisjoint(self.excluded):
            draft.status = "excluded"
            draft.reason = f"label {_named(ticket, self.excluded)} is excluded from the ledger"
        elif labels and not labels.isdisjoint(self.out_of_scope):
            draft.status = "out_of_scope"
            draft.reason = f"label {_named(ticket, self.out_of_scope)} puts it outside the quote"
        elif not draft.designated and self.ignore_undesignated:
            draft.status = "not_designated"
            draft.reason = f"{_who(person)} is not a designated contact"
        elif self.by_label:
            draft.label_round = self._round_label(ticket)
            if draft.label_round is None:
                draft.status = "unassigned"
                draft.reason = "no round label on the ticket"

    def _round_label(self, ticket: Ticket) -> int | None:
        numbers = [int(m.group(1)) for m in map(self.round_label.match, ticket.labels) if m]
        return min(numbers) if numbers else None


def _deliver(waiting: list[Draft], change: StatusChange) -> list[Draft]:
    """Mark the waiting requests made at or before ``change`` delivered; return the others."""
    if len(waiting) == 1:
        draft = waiting[0]
        if change.at < draft.at:
            return waiting
        draft.delivered_at = change.at
        draft.delivery = change
        return []
    still: list[Draft] = []
    for draft in waiting:
        if change.at >= draft.at:
            draft.delivered_at = change.at
            draft.delivery = change
        else:
            still.append(draft)
    return still


def _one_per_second(found: list[Draft]) -> list[Draft]:
    """Keep one request per second (the first): a notice key has a precision of one second."""
    found.sort(key=lambda d: d.at)
    kept: list[Draft] = []
    last: datetime | None = None
    for draft in found:
        second = draft.at.replace(microsecond=0)
        if second != last:
            kept.append(draft)
            last = second
    return kept


def _who(person: Person) -> str:
    return person.name or person.remote_id


def _named(ticket: Ticket, wanted: frozenset[str]) -> str:
    return repr(min(label for label in ticket.labels if label.casefold() in wanted))
