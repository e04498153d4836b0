"""Properties of the rounds engine over random histories (hypothesis)."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bridge.engine.moments import Moments
from bridge.engine.rounds import LedgerInput, compute_ledger
from connectors.base import COMPLETED_STATUS, StatusChange, Ticket, TimeEntry
from tests.ledger_builders import CLAIRE, ME, OSCAR, at, config

START = at(2)
PEOPLE = st.sampled_from([CLAIRE, OSCAR, ME])
STATUS_NAMES = st.sampled_from(["To Do", "In Progress", "In Review", "Done", "Backlog",
                                COMPLETED_STATUS])
LABELS = st.lists(st.sampled_from(["internal", "out-of-scope", "round-1", "round-2", "round-4",
                                   "change"]), max_size=3, unique=True)
# Coarse times (6-hour steps over 20 days) so that ties happen.
MOMENTS = st.integers(0, 80).map(lambda n: START + timedelta(hours=6 * n))


@st.composite
def histories(draw: st.DrawFn) -> LedgerInput:
    tickets, changes, entries = [], [], []
    for number in range(draw(st.integers(0, 12))):
        tid = str(draw(st.integers(1, 40))) + ("" if number % 3 else "x") + f"-{number}"
        created = draw(MOMENTS)
        tickets.append(Ticket(tid, f"K-{tid}", "", "t", draw(STATUS_NAMES), tuple(draw(LABELS)),
                              created, created, draw(PEOPLE), deleted=draw(st.booleans())
                              and draw(st.booleans())))
        for index in range(draw(st.integers(0, 4))):
            changes.append(StatusChange(
                tid, created + timedelta(hours=6 * draw(st.integers(0, 12))), draw(PEOPLE),
                draw(st.none() | STATUS_NAMES), draw(STATUS_NAMES), f"{tid}/c{index}"))
        for index in range(draw(st.integers(0, 3))):
            # Asana-like entries carry the day the work was done (often another day than the
            # one they were logged on); a task's total time has no author
            logged = draw(MOMENTS)
            day = draw(st.none() | st.integers(-3, 1).map(
                lambda shift, logged=logged: (logged + timedelta(days=shift)).date()))
            entries.append(TimeEntry(f"{tid}/w{index}", tid, logged,
                                     draw(st.sampled_from([ME, CLAIRE, None])),
                                     draw(st.integers(1, 20_000)), day))
    return LedgerInput(tuple(tickets), tuple(changes), tuple(entries))


@st.composite
def settings_(draw: st.DrawFn) -> dict[str, Any]:
    grouping = draw(st.sampled_from(["delivery", "window", "label", "slots"]))
    rounds: dict[str, Any] = {"grouping": grouping}
    if grouping == "window":
        rounds["window_hours"] = draw(st.sampled_from([1, 24, 50.5]))
    if grouping == "slots":
        rounds["slots"] = draw(st.sampled_from(["0 10 * * tue", "30 */6 * * *", "0 0 1 * *"]))
    return {
        "timezone": draw(st.sampled_from(["UTC", "Europe/Paris"])),
        "rounds": rounds,
        "quote": {"rounds_included": draw(st.integers(0, 4)),
                  "hourly_rate": draw(st.sampled_from([0, 80, 72.5])),
                  "round_price": draw(st.none() | st.sampled_from([0, 300, 149.99])),
                  "hours_included": draw(st.none() | st.sampled_from([0, 1, 2.5]))},
        "scope": {"request_labels": draw(st.sampled_from([[], ["change"]]))},
        "contacts": {"non_designated": draw(st.sampled_from(["count", "ignore"])),
                     "client": draw(st.sampled_from([[], ["c1"]])),
                     "team": draw(st.sampled_from([[], ["me"]]))},
        "sla": {"business_hours": draw(st.sampled_from(["09:00-18:00", "00:00-24:00"]))},
    }


PROPERTY = settings(max_examples=100, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(histories(), settings_(), st.randoms(use_true_random=False))
def test_same_records_same_ledger_whatever_their_order(records: LedgerInput,
                                                       overrides: dict[str, Any],
                                                       rnd: Any) -> None:
    cfg = config(**overrides)
    shuffled = LedgerInput(*(tuple(rnd.sample(list(rows), len(rows)))
                             for rows in (records.tickets, records.changes, records.time_entries)))
    now = at(15)
    assert compute_ledger(shuffled, cfg, now) == compute_ledger(records, cfg, now)


@PROPERTY
@given(histories(), settings_())
def test_rounds_requests_hours_and_money_add_up(records: LedgerInput,
                                               overrides: dict[str, Any]) -> None:
    cfg = config(**overrides)
    found = compute_ledger(records, cfg, at(15))
    counted = [r for r in found.requests if r.status == "counted"]

    # each counted request is in exactly one round, the others in none
    placed = Counter((r.remote_id, r.at) for found_round in found.rounds
                     for r in found_round.requests)
    assert placed == Counter((r.remote_id, r.at) for r in counted)
    for request in counted:
        assert request.round is not None
        assert request.due_at is not None and request.late is not None
    for request in found.requests:
        if request.status != "counted":
            assert (request.round, request.due_at, request.late) == (None, None, None)

    # numbering: 1..n in time order, label grouping aside (ascending, as labelled)
    numbers = [r.number for r in found.rounds]
    if cfg.rounds.grouping == "label":
        assert numbers == sorted(set(numbers))
    else:
        assert numbers == list(range(1, len(numbers) + 1))
        assert [r.opened_at for r in found.rounds] == sorted(r.opened_at for r in found.rounds)
    for found_round in found.rounds:
        assert found_round.opened_at == min(r.at for r in found_round.requests)

    # totals
    quote = cfg.quote
    assert found.rounds_used == len(found.rounds)
    assert found.rounds_remaining == max(0, quote.rounds_included - found.rounds_used)
    assert found.extra_rounds == max(0, found.rounds_used - quote.rounds_included)
    assert [r.extra for r in found.rounds] == [
        i >= quote.rounds_included for i in range(len(found.rounds))]
    assert found.seconds_spent == sum(r.seconds for r in found.rounds) == sum(
        r.seconds for r in counted)
    live = {t.remote_id for t in records.tickets if not t.deleted}
    requested = {r.remote_id for r in found.requests} & live
    # each entry is on the latest request of its ticket made at or before its moment (the
    # first request for earlier entries)
    moments = Moments(cfg.sla, cfg.zone)
    by_ticket: dict[str, list[Any]] = {}
    for request in found.requests:
        by_ticket.setdefault(request.remote_id, []).append(request)
    for request in found.requests:
        ticket_requests = sorted(by_ticket[request.remote_id], key=lambda r: r.at)
        for time_entry in request.entries:
            moment = moments.of(time_entry)
            before = [r for r in ticket_requests if r.at <= moment]
            assert request is (before[-1] if before else ticket_requests[0])
    billable = [e for e in records.time_entries
                if not cfg.contacts.team or e.by is None or e.by.remote_id in cfg.contacts.team]
    assert sum(r.seconds for r in found.requests) == sum(
        e.seconds for e in billable if e.ticket_id in requested)

    # money
    extra_seconds = sum(r.seconds for r in found.rounds if r.extra)
    included_seconds = sum(r.seconds for r in found.rounds if not r.extra)
    billed = 0 if quote.round_price is not None else extra_seconds
    if quote.hours_included is not None:
        billed += max(0, included_seconds - round(quote.hours_included * 3600))
    rounds_billed = found.extra_rounds if quote.round_price is not None else 0
    assert found.overage.rounds == rounds_billed
    assert found.overage.hours == round(billed / 3600, 4)
    expected = rounds_billed * (quote.round_price or 0) + billed / 3600 * quote.hourly_rate
    assert abs(found.overage.amount - expected) <= 0.005 + 1e-9
