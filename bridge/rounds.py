"""The revision-round engine (DESIGN §4–§6): stored records in, ledger out.

Pure: no store, no network, no clock (``now`` is an argument). The same records give the same
ledger whatever order they come in: every list is sorted on a total key before it is used, and
hours are summed as whole seconds.

Deleted tickets are left out: the client removed them, so they are no request any more.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from bridge.business_time import BusinessClock
from bridge.classify import Classifier, Draft, id_order
from bridge.config import ClientConfig, Quote
from bridge.grouping import RoundDraft, group
from bridge.ledger import (
    Event,
    Ledger,
    NoticeKind,
    Overage,
    Request,
    RequestRef,
    RequestStatus,
    Round,
    hours,
)
from connectors.base import Comment, StatusChange, Ticket, TimeEntry, utc

__all__ = ["Ledger", "LedgerInput", "compute_ledger", "notice_kinds"]


@dataclass(frozen=True, slots=True)
class LedgerInput:
    """A client's stored records, as the store hands them to the engine."""

    tickets: Sequence[Ticket]
    changes: Sequence[StatusChange]
    time_entries: Sequence[TimeEntry]
    comments: Sequence[Comment] = ()


def notice_kinds(status: RequestStatus, extra: bool, designated: bool) -> tuple[NoticeKind, ...]:
    """The notices a request's current status calls for (DESIGN §6)."""
    if status == "counted":
        first: NoticeKind = "extra" if extra else "ack"
        return (first,) if designated else (first, "not_designated")
    if status == "not_designated":
        return ("not_designated",)
    if status == "out_of_scope":
        return ("out_of_scope",)
    return ()


def compute_ledger(records: LedgerInput, config: ClientConfig, now: datetime) -> Ledger:
    """Derive the client's ledger from its records, as of ``now``."""
    now = utc(now)
    drafts = _requests(records, Classifier(config))
    _attribute_time(drafts, records.time_entries)
    counted = [d for d in drafts if d.status == "counted"]
    round_drafts = group(counted, config.rounds, config.zone)
    included = config.quote.rounds_included
    extra_numbers = {r.number for r in round_drafts[included:]}
    _due_dates(counted, config)
    requests = tuple(_request(d, now, d.round in extra_numbers) for d in drafts)
    rounds = tuple(_round(r, r.number in extra_numbers) for r in round_drafts)
    used = len(rounds)
    extra = [r for r in rounds if r.extra]
    return Ledger(
        client=config.client,
        client_name=config.name or config.client,
        timezone=config.timezone,
        grouping=config.rounds.grouping,
        quote=config.quote,
        rounds_used=used,
        rounds_included=included,
        rounds_remaining=max(0, included - used),
        extra_rounds=len(extra),
        seconds_spent=sum(d.seconds for d in counted),
        overage=overage(config.quote, rounds),
        rounds=rounds,
        requests=requests,
        computed_at=now,
    )


def overage(quote: Quote, rounds: Iterable[Round]) -> Overage:
    """Money beyond the quote: each extra round at ``round_price`` when set, else its hours at
    ``hourly_rate``; plus, with ``hours_included``, the included rounds' hours beyond it."""
    extra_rounds = extra_seconds = included_seconds = 0
    for found in rounds:
        if found.extra:
            extra_rounds += 1
            extra_seconds += found.seconds
        else:
            included_seconds += found.seconds
    billed_rounds = extra_rounds if quote.round_price is not None else 0
    billed_seconds = 0 if quote.round_price is not None else extra_seconds
    if quote.hours_included is not None:
        billed_seconds += max(0, included_seconds - round(quote.hours_included * 3600))
    amount = billed_rounds * (quote.round_price or 0) + billed_seconds * quote.hourly_rate / 3600
    return Overage(billed_rounds, hours(billed_seconds), round(amount, 2), quote.currency)


def _event_time(event: Event) -> datetime:
    return event.created_at if isinstance(event, Ticket) else event.at


def _requests(records: LedgerInput, classifier: Classifier) -> list[Draft]:
    changes_by_ticket: dict[str, list[StatusChange]] = defaultdict(list)
    for change in records.changes:
        changes_by_ticket[change.ticket_id].append(change)
    drafts: list[Draft] = []
    no_changes: list[StatusChange] = []
    for ticket in records.tickets:
        if ticket.deleted:
            continue
        changes = changes_by_ticket.get(ticket.remote_id, no_changes)
        if len(changes) > 1:
            changes.sort(key=_change_order)
        drafts.extend(classifier.requests_of(ticket, changes))
    drafts.sort(key=_request_order)
    return drafts


def _change_order(change: StatusChange) -> tuple[datetime, str, str, str, str]:
    return (change.at, change.remote_id, change.from_status or "", change.to_status,
            change.by.remote_id)


def _request_order(draft: Draft) -> tuple[datetime, tuple[int, int, str]]:
    return (draft.at, id_order(draft.ticket.remote_id))


def _attribute_time(drafts: Sequence[Draft], entries: Iterable[TimeEntry]) -> None:
    """An entry goes to the latest request on its ticket at or before it; entries before the
    ticket's first request go to that first request."""
    by_ticket: dict[str, list[Draft]] = defaultdict(list)
    for draft in drafts:  # sorted by time, so each ticket's list is too
        by_ticket[draft.ticket.remote_id].append(draft)
    times = {tid: [d.at for d in found] for tid, found in by_ticket.items() if len(found) > 1}
    for entry in entries:
        found = by_ticket.get(entry.ticket_id)
        if not found:
            continue
        draft = found[0] if len(found) == 1 else found[max(0, bisect_right(times[entry.ticket_id],
                                                                           entry.at) - 1)]
        draft.seconds += entry.seconds
        draft.entries.append(entry)


def _due_dates(counted: Sequence[Draft], config: ClientConfig) -> None:
    clock = BusinessClock(config.sla, config.zone)
    amount = clock.duration_micros(config.sla.handle_within)
    for draft in counted:
        draft.due_at = clock.add_micros(draft.at, amount)


def _request(draft: Draft, now: datetime, extra: bool) -> Request:
    ticket = draft.ticket
    due, delivered = draft.due_at, draft.delivered_at
    late = None if due is None else (delivered > due if delivered is not None else now > due)
    events = draft.events
    if draft.entries:
        draft.entries.sort(key=lambda e: (e.at, e.remote_id))
        events.extend(draft.entries)
        events.sort(key=_event_time)
    return Request(
        ticket=ticket.key,
        remote_id=ticket.remote_id,
        url=ticket.url,
        title=ticket.title,
        at=draft.at,
        by=draft.by.remote_id,
        by_name=draft.by.name,
        kind=draft.kind,
        status=draft.status,
        designated=draft.designated,
        round=draft.round,
        due_at=due,
        delivered_at=delivered,
        late=late,
        seconds=draft.seconds,
        notices=notice_kinds(draft.status, extra, draft.designated),
        reason=draft.reason,
        events=tuple(events),
    )


def _round(found: RoundDraft, extra: bool) -> Round:
    refs = tuple(RequestRef(d.ticket.key, d.ticket.remote_id, d.at) for d in found.members)
    return Round(
        number=found.number,
        opened_at=found.opened_at,
        closed_at=found.closed_at,
        requests=refs,
        extra=extra,
        seconds=sum(d.seconds for d in found.members),
    )
