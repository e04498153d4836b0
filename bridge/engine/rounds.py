"""The revision-round engine (docs/architecture.md §4–§6): stored records in, ledger out.

Pure: no store, no network, no clock (``now`` is an argument). The same records give the same
ledger whatever order they come in: every list is sorted on a total key before it is used, and
hours are summed as whole seconds.

Deleted tickets are left out: the client removed them, so they are no request any more.
Requests made outside the quote's period (``[quote] start`` / ``end``) are left out too, with
the time entries that belong to them.
"""

from __future__ import annotations

import gc
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import groupby
from operator import attrgetter

from bridge.clientfile.schema import ClientConfig, Quote
from bridge.engine.classify import Classifier, Draft, Moves, id_order
from bridge.engine.grouping import RoundDraft, group
from bridge.engine.ledger import Ledger, NoticeKind, Overage, Request, RequestStatus, Round, hours
from bridge.engine.moments import Moments
from bridge.engine.sla import apply_sla, micros_to_hours
from connectors.base import StatusChange, Ticket, TimeEntry, utc

__all__ = ["Ledger", "LedgerInput", "compute_ledger", "notice_kinds"]


@dataclass(frozen=True, slots=True)
class LedgerInput:
    """A client's stored records, as the store hands them to the engine."""

    tickets: Sequence[Ticket]
    changes: Sequence[StatusChange]
    time_entries: Sequence[TimeEntry]


def notice_kinds(status: RequestStatus, extra: bool, designated: bool,
                 delivered: bool = False) -> tuple[NoticeKind, ...]:
    """The notices a request's current status calls for (docs/architecture.md §6).

    ``delivered``: the request has reached ``delivered`` and the client file asks for a
    ``delivered`` notice (``[comments] on_delivery``); it counts for counted requests only.
    """
    if status == "counted":
        first: NoticeKind = "extra" if extra else "ack"
        kinds: tuple[NoticeKind, ...] = (first,) if designated else (first, "not_designated")
        return (*kinds, "delivered") if delivered else kinds
    if status == "not_designated":
        return ("not_designated",)
    if status == "out_of_scope":
        return ("out_of_scope",)
    return ()


def compute_ledger(records: LedgerInput, config: ClientConfig, now: datetime) -> Ledger:
    """Derive the client's ledger from its records, as of ``now``."""
    # The engine allocates a few objects per record and frees none of them before it returns:
    # the cyclic collector would only walk them again and again (more than half the run time
    # for 100,000 requests: bench/ledger.py, docs/PERFORMANCE.md).
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _compute(records, config, utc(now))
    finally:
        if collecting:
            gc.enable()


def _compute(records: LedgerInput, config: ClientConfig, now: datetime) -> Ledger:
    classifier = Classifier(config)
    drafts, by_ticket = _requests(records, classifier)
    entries: Iterable[TimeEntry] = records.time_entries
    if classifier.team:
        # the quote bills the team's time, not time the client's people log; an entry with no
        # author (a task's total time) is the freelancer's to bill
        team = classifier.team
        entries = [e for e in entries if e.by is None or e.by in team]
    # before the period filter: time follows its own request, in the period or not
    _attribute_time(by_ticket, entries, Moments(config.sla, config.zone))
    drafts = _in_period(drafts, *config.period())
    counted = [d for d in drafts if d.status == "counted"]
    round_drafts = group(counted, config.rounds, config.zone)
    included = config.quote.rounds_included
    extra_numbers = {r.number for r in round_drafts[included:]}
    apply_sla(drafts, counted, config, records.changes, now)
    requests = _build_requests(drafts, now, extra_numbers, config.comments.on_delivery)
    rounds = tuple(_round(r, r.number in extra_numbers, requests) for r in round_drafts)
    used = len(rounds)
    return Ledger(
        client=config.client,
        client_name=config.name or config.client,
        timezone=config.timezone,
        grouping=config.rounds.grouping,
        quote=config.quote,
        rounds_used=used,
        rounds_included=included,
        rounds_remaining=max(0, included - used),
        extra_rounds=len(extra_numbers),
        seconds_spent=sum(d.seconds for d in counted),
        overage=overage(config.quote, rounds),
        rounds=rounds,
        requests=tuple(requests.values()),
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


def _requests(records: LedgerInput,
              classifier: Classifier) -> tuple[list[Draft], dict[str, list[Draft]]]:
    """Every request, sorted, and each ticket's requests in time order."""
    moves = Moves(records.changes, classifier.states)
    drafts: list[Draft] = []
    by_ticket: dict[str, list[Draft]] = {}
    for ticket in records.tickets:
        if not ticket.deleted:
            found = classifier.requests_of(ticket, moves)
            if found:
                by_ticket[ticket.remote_id] = found
                drafts.extend(found)
    drafts.sort(key=_AT)
    return _break_ties(drafts), by_ticket


_AT = attrgetter("at")


def _in_period(drafts: list[Draft], begin: datetime | None,
               after: datetime | None) -> list[Draft]:
    """The requests made within the quote's period (``begin`` included, ``after`` excluded);
    the others belong to another quote and are not listed at all, with their time."""
    if begin is None and after is None:
        return drafts
    return [d for d in drafts
            if (begin is None or d.at >= begin) and (after is None or d.at < after)]


def _break_ties(drafts: list[Draft]) -> list[Draft]:
    """Requests at the same instant are taken in the order of their ticket's remote id."""
    times = [d.at for d in drafts]
    if len(set(times)) == len(times):
        return drafts
    result: list[Draft] = []
    for _, same in groupby(drafts, key=_AT):
        run = list(same)
        if len(run) > 1:
            run.sort(key=lambda d: id_order(d.ticket.remote_id))
        result.extend(run)
    return result


def _attribute_time(by_ticket: dict[str, list[Draft]], entries: Iterable[TimeEntry],
                    moments: Moments) -> None:
    """An entry goes to the latest request on its ticket made at or before its moment; entries
    before the ticket's first request go to that first request."""
    times: dict[str, list[datetime]] = {}
    moment_of = moments.of
    for entry in entries:
        found = by_ticket.get(entry.ticket_id)
        if found is None:
            continue
        if len(found) == 1:
            draft = found[0]
        else:
            starts = times.get(entry.ticket_id)
            if starts is None:
                starts = times[entry.ticket_id] = [d.at for d in found]
            draft = found[max(0, bisect_right(starts, moment_of(entry)) - 1)]
        draft.seconds += entry.seconds
        if draft.entries is None:
            draft.entries = [entry]
        else:
            draft.entries.append(entry)


_NOTICES = {
    (status, extra, designated, delivered): notice_kinds(status, extra, designated, delivered)
    for status in ("counted", "out_of_scope", "excluded", "not_designated", "unassigned")
    for extra in (False, True)
    for designated in (False, True)
    for delivered in (False, True)
}


def _build_requests(drafts: Sequence[Draft], now: datetime, extra_numbers: set[int],
                    on_delivery: bool) -> dict[Draft, Request]:
    result: dict[Draft, Request] = {}
    for d in drafts:
        ticket = d.ticket
        due, delivered = d.due_at, d.delivered_at
        late = None if due is None else (delivered > due if delivered is not None else now > due)
        entries: tuple[TimeEntry, ...] = ()
        if d.entries is not None:
            if len(d.entries) > 1:
                d.entries.sort(key=_ENTRY_ORDER)
            entries = tuple(d.entries)
        request = Request(
            ticket=ticket.key, remote_id=ticket.remote_id, url=ticket.url, title=ticket.title,
            at=d.at, by=d.by.remote_id, by_name=d.by.name, kind=d.kind, status=d.status,
            designated=d.designated, round=d.round, due_at=due, delivered_at=delivered,
            late=late, seconds=d.seconds,
            notices=_NOTICES[d.status, d.round in extra_numbers, d.designated,
                             on_delivery and delivered is not None],
            reason=d.reason, source=d.source, delivery=d.delivery, entries=entries,
            priority=d.priority, within=d.within,
        )
        if d.waits or d.priority_labels:  # rare: not worth the keywords on every request
            request = request._replace(
                waiting_hours=micros_to_hours(d.waiting_micros), waits=d.waits,
                priority_labels=d.priority_labels, paused_hours=micros_to_hours(d.paused_micros))
        result[d] = request
    return result


_ENTRY_ORDER = attrgetter("at", "remote_id")


def _round(found: RoundDraft, extra: bool, requests: dict[Draft, Request]) -> Round:
    return Round(
        number=found.number,
        opened_at=found.opened_at,
        closed_at=found.closed_at,
        requests=tuple(requests[d] for d in found.members),
        extra=extra,
        seconds=sum(d.seconds for d in found.members),
    )
