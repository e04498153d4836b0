"""Which tickets and moves are requests, and what status each request has.

See docs/architecture.md §4, §5.

Part of the pure rounds engine: no I/O, no clock. :class:`Moves` indexes the moves that matter
(deliveries and reopens) in one pass over every status change, whatever their order;
:class:`Classifier` is built once per ledger from the client's configuration and then asked
about one ticket at a time.

At one instant, changes are taken in the order of their remote id (then target status).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import datetime

from bridge.clientfile.schema import ClientConfig
from bridge.engine.ledger import Canonical, RequestKind, RequestStatus
from connectors.base import COMPLETED_STATUS, Person, StatusChange, StatusMap, Ticket, TimeEntry

CANONICAL: tuple[Canonical, ...] = ("open", "in_progress", "delivered", "done", "waiting")
FINISHED = frozenset({"delivered", "done"})
NO_CHANGES: tuple[StatusChange, ...] = ()


def status_mapping(statuses: StatusMap) -> dict[str, Canonical]:
    """Tracker status name → canonical state. A name listed twice keeps its first state in
    the order open, in_progress, delivered, done (a ``waiting`` name listed elsewhere is a
    config error); :data:`COMPLETED_STATUS` is always ``done``."""
    mapping: dict[str, Canonical] = {}
    for state in CANONICAL:
        for name in getattr(statuses, state):
            mapping.setdefault(name, state)
    mapping[COMPLETED_STATUS] = "done"
    return mapping


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

    def __contains__(self, person: Person) -> bool:
        if person.remote_id in self.ids:
            return True
        return bool(self.emails and person.email and person.email.casefold() in self.emails)


class Moves:
    """The status changes that matter, indexed by ticket, in one pass over all of them."""

    def __init__(self, changes: Sequence[StatusChange], mapping: dict[str, Canonical]) -> None:
        finished_names = frozenset(n for n, state in mapping.items() if state in FINISHED)
        #: moves to delivered/done
        self.finished: dict[str, list[StatusChange]] = {}
        #: moves from delivered/done back to open/in_progress, whoever made them
        self.reopens: dict[str, list[StatusChange]] = {}
        #: tickets with any change at all
        self.touched: set[str] = set()
        vague: set[str] = set()  # tickets with a change that does not say where it came from
        finished, reopens, touch = self.finished, self.reopens, self.touched.add
        for change in changes:
            tid = change.ticket_id
            touch(tid)
            if change.to_status in finished_names:
                found = finished.get(tid)
                if found is None:
                    finished[tid] = [change]
                else:
                    found.append(change)
            elif change.from_status is None:
                vague.add(tid)
            elif change.from_status in finished_names:
                found = reopens.get(tid)
                if found is None:
                    reopens[tid] = [change]
                else:
                    found.append(change)
        if vague:
            self._resolve(changes, vague, finished_names)

    def _resolve(self, changes: Sequence[StatusChange], vague: set[str],
                 finished_names: frozenset[str]) -> None:
        """A change without ``from_status`` came from the status the previous change set."""
        trails: dict[str, list[StatusChange]] = {tid: [] for tid in vague}
        for change in changes:
            if change.ticket_id in trails:
                trails[change.ticket_id].append(change)
        for tid, trail in trails.items():
            trail.sort(key=_change_key)
            previous: str | None = None
            for change in trail:
                if (change.from_status is None and previous in finished_names
                        and change.to_status not in finished_names):
                    self.reopens.setdefault(tid, []).append(change)
                previous = change.to_status


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
        "paused_micros",
        "priority",
        "priority_labels",
        "reason",
        "round",
        "seconds",
        "source",
        "status",
        "ticket",
        "waiting_micros",
        "waits",
        "within",
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
        self.priority: str | None = None
        #: the priority labels on the ticket when it has several (the first one won)
        self.priority_labels: tuple[str, ...] = ()
        #: the handling time of a counted request (its priority's, else handle_within)
        self.within: str | None = None
        self.waits: tuple[tuple[datetime, datetime | None], ...] = ()
        #: business time waited, and the part of it that moved ``due_at``
        self.waiting_micros = 0
        self.paused_micros = 0


class Classifier:
    """The client's rules for telling requests apart, read once from its configuration."""

    def __init__(self, config: ClientConfig) -> None:
        self.states = status_mapping(config.tracker.statuses)
        self.finished = frozenset(n for n, state in self.states.items() if state in FINISHED)
        self.team = Roster(config.contacts.team)
        self.clients = Roster(config.contacts.client)
        self.has_clients = bool(self.clients)
        self.ignore_undesignated = config.contacts.non_designated == "ignore"
        scope = config.scope
        self.request_labels = frozenset(label.casefold() for label in scope.request_labels)
        self.excluded = frozenset(label.casefold() for label in scope.excluded_labels)
        self.out_of_scope = frozenset(label.casefold() for label in scope.out_of_scope_labels)
        self.reads_labels = bool(self.request_labels or self.excluded or self.out_of_scope)
        self.by_label = config.rounds.grouping == "label"
        self.round_label = re.compile(config.rounds.label_regex().pattern, re.IGNORECASE)
        self._round_labels: dict[tuple[str, ...], int | None] = {}

    def requests_of(self, ticket: Ticket, moves: Moves) -> list[Draft]:
        """The ticket's requests in time order, with status, designation and delivery."""
        labels: frozenset[str] = frozenset()
        if self.reads_labels:
            labels = frozenset(label.casefold() for label in ticket.labels)
            if self.request_labels and labels.isdisjoint(self.request_labels):
                return []
        team = self.team
        found: list[Draft] = []
        tid = ticket.remote_id
        requester = ticket.requester
        if self.request_labels or requester not in team:
            found.append(Draft(ticket, ticket.created_at, requester, "new", ticket))
        for change in moves.reopens.get(tid, NO_CHANGES):
            if change.by not in team:
                found.append(Draft(ticket, change.at, change.by, "reopen", change))
        if not found:
            return found
        if len(found) > 1:
            found = _one_per_second(found)
        delivered = moves.finished.get(tid)
        if delivered is not None:
            for draft in found:
                _deliver(draft, delivered)
        elif ticket.status in self.finished and tid not in moves.touched:
            # Created straight into a delivered/done status, with no move on record.
            found[0].delivered_at = ticket.created_at
        if self.has_clients:
            clients = self.clients
            for draft in found:
                person = draft.by
                if person not in clients and person not in team:
                    draft.designated = False
                    draft.reason = (f"within the scope, though {_who(person)} is not a "
                                    "designated contact")
                    self._classify(draft, labels, ticket)
                elif labels or self.by_label:
                    self._classify(draft, labels, ticket)
        elif labels or self.by_label:
            for draft in found:
                self._classify(draft, labels, ticket)
        return found

    def _classify(self, draft: Draft, labels: frozenset[str], ticket: Ticket) -> None:
        if labels and not labels.isdisjoint(self.excluded):
            draft.status = "excluded"
            draft.reason = f"label {_named(ticket, self.excluded)} is excluded from the ledger"
        elif labels and not labels.isdisjoint(self.out_of_scope):
            draft.status = "out_of_scope"
            draft.reason = f"label {_named(ticket, self.out_of_scope)} puts it outside the quote"
        elif not draft.designated and self.ignore_undesignated:
            draft.status = "not_designated"
            draft.reason = f"{_who(draft.by)} is not a designated contact"
        elif self.by_label:
            draft.label_round = self._round_label(ticket)
            if draft.label_round is None:
                draft.status = "unassigned"
                draft.reason = "no round label on the ticket"

    def _round_label(self, ticket: Ticket) -> int | None:
        """The round number of the ticket's round label (the smallest, if it has several)."""
        labels = ticket.labels
        if labels in self._round_labels:  # label sets repeat: cache their reading
            return self._round_labels[labels]
        numbers = [int(m.group(1)) for m in map(self.round_label.match, labels) if m]
        number = self._round_labels[labels] = min(numbers) if numbers else None
        return number


def _change_key(change: StatusChange) -> tuple[datetime, str, str]:
    return (change.at, change.remote_id, change.to_status)


def _deliver(draft: Draft, moves: list[StatusChange]) -> None:
    """The request's delivery: the first move to delivered/done at or after it (after the move
    that reopened it, for a reopen)."""
    if len(moves) == 1 and draft.kind == "new":
        if moves[0].at >= draft.at:
            draft.delivered_at = moves[0].at
            draft.delivery = moves[0]
        return
    start = _change_key(draft.source) if isinstance(draft.source, StatusChange) else None
    best: StatusChange | None = None
    for move in moves:
        if move.at < draft.at or (start is not None and _change_key(move) <= start):
            continue
        if best is None or move.at < best.at or (
                move.at == best.at and _change_key(move) < _change_key(best)):
            best = move
    if best is not None:
        draft.delivered_at = best.at
        draft.delivery = best


def _draft_key(draft: Draft) -> tuple[datetime, int, str, str]:
    source = draft.source
    if isinstance(source, StatusChange):
        return (draft.at, 1, source.remote_id, source.to_status)
    return (draft.at, 0, "", "")


def _one_per_second(found: list[Draft]) -> list[Draft]:
    """Keep one request per second (the first): a notice key has a precision of one second."""
    found.sort(key=_draft_key)
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


def why_not_a_request(ticket: Ticket, config: ClientConfig) -> str:
    """Why a stored ticket holds no request of this quote, in words (for ``explain``)."""
    if ticket.deleted:
        return "it was deleted on the tracker"
    wanted = config.scope.request_labels
    if wanted and not set(ticket.labels) & set(wanted):
        return (f"it carries none of the labels that make a request ([scope] request_labels: "
                f"{', '.join(wanted)})")
    if ticket.requester in Roster(config.contacts.team):
        who = ticket.requester.name or ticket.requester.remote_id
        return (f"it was created by {who}, who is on the team ([contacts] team), and nobody "
                "outside the team has reopened it since")
    begin, after = config.period()
    made = ticket.created_at
    if (begin is not None and made < begin) or (after is not None and made >= after):
        start, end = config.quote.start, config.quote.end
        return (f"it was made on {made.astimezone(config.zone):%Y-%m-%d}, outside the quote's "
                f"period ([quote] start = {start or 'open'}, end = {end or 'open'}): it belongs "
                "to another quote")
    return ("no new ticket or reopen on it counts as a client request under the rules of "
            "docs/rounds.md")
