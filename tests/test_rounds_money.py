"""Hours, money and SLA of a ledger (DESIGN §4), the arithmetic written out."""

from __future__ import annotations

from datetime import UTC, datetime

from connectors.base import Person, TimeEntry
from tests.ledger_builders import CLAIRE, ME, at, ledger, move, only, spent, ticket


def test_time_entries_go_to_the_latest_request_at_or_before_them() -> None:
    # New request 2 Mar 09:00, reopen 5 Mar 09:00.
    # Entries: 1 Mar (before any request → the first) 600 s, 3 Mar 3600 s → new: 4200 s;
    # 5 Mar 09:00 exactly 1800 s, 6 Mar 5400 s → reopen: 7200 s = 2 h.
    changes = [move("1", at(4), "To Do", "Done"), move("1", at(5), "Done", "To Do", CLAIRE)]
    entries = [spent("1", at(1), 600), spent("1", at(3), 3600), spent("1", at(5), 1800),
               spent("1", at(6), 5400), spent("other", at(6), 999)]
    found = ledger([ticket("1", at(2))], changes, entries)
    new, reopen = found.requests
    assert (new.seconds, reopen.seconds) == (4200, 7200)
    assert (new.hours, reopen.hours) == (round(4200 / 3600, 4), 2.0)
    assert found.seconds_spent == 11400
    assert [r.seconds for r in found.rounds] == [4200, 7200]
    assert [e.at for e in new.entries] == [at(1), at(3)]


def test_only_the_team_s_time_is_billed() -> None:
    # Mia (team, by id) logs 3600 s, Tom (team, by e-mail) 1800 s; Claire (the client) logs
    # 7200 s of her own people's time: not the freelancer's work, not billed → 5400 s = 1.5 h.
    tom = Person("t9", "Tom Team", "Tom@Studio.example")
    entries = [spent("1", at(3), 3600),
               TimeEntry("w2", "1", at(3, 10), tom, 1800),
               TimeEntry("w3", "1", at(3, 11), CLAIRE, 7200)]
    found = ledger([ticket("1", at(2))], (), entries,
                   contacts={"client": ["c1"], "team": ["me", "tom@studio.example"]})
    assert found.seconds_spent == 5400 and only(found, "1").hours == 1.5
    # without a team list, every entry counts: 3600 + 1800 + 7200 = 12600 s = 3.5 h
    open_list = ledger([ticket("1", at(2))], (), entries, contacts={"client": ["c1"], "team": []})
    assert open_list.seconds_spent == 12600


def test_hours_of_requests_not_counted_stay_on_the_request() -> None:
    tickets = [ticket("1", at(2)), ticket("2", at(2, 10), labels=["out-of-scope"])]
    entries = [spent("1", at(3), 3600), spent("2", at(3), 7200)]
    found = ledger(tickets, entries=entries)
    assert only(found, "2").hours == 2.0
    assert found.hours_spent == 1.0
    assert [r.hours for r in found.rounds] == [1.0]


def five_rounds(**overrides):  # type: ignore[no-untyped-def]
    """Five rounds, one request each, with 1 h, 1.5 h, 0.5 h, 2 h and 0.25 h spent."""
    seconds = [3600, 5400, 1800, 7200, 900]
    tickets, changes, entries = [], [], []
    for day, amount in zip(range(2, 12, 2), seconds, strict=True):
        tid = f"T{day}"
        tickets.append(ticket(tid, at(day)))
        changes.append(move(tid, at(day + 1), "To Do", "In Review"))
        entries.append(spent(tid, at(day, 12), amount))
    return ledger(tickets, changes, entries, **overrides)


def test_extra_rounds_at_the_round_price() -> None:
    # 2 rounds included, 5 used: 3 extra at 300 = 900; their hours are not billed.
    found = five_rounds(quote={"round_price": 300})
    assert (found.rounds_used, found.rounds_included) == (5, 2)
    assert (found.rounds_remaining, found.extra_rounds) == (0, 3)
    assert [r.extra for r in found.rounds] == [False, False, True, True, True]
    assert found.overage.rounds == 3
    assert found.overage.hours == 0
    assert found.overage.amount == 3 * 300
    assert found.overage.currency == "EUR"


def test_extra_rounds_at_the_hourly_rate_without_a_round_price() -> None:
    # Extra rounds' hours: 0.5 + 2 + 0.25 = 2.75 h at 80 = 220.
    found = five_rounds()
    assert (found.overage.rounds, found.overage.hours, found.overage.amount) == (0, 2.75, 220.0)
    assert found.hours_spent == 5.25


def test_hours_included_caps_the_included_rounds() -> None:
    # Included rounds: 1 + 1.5 = 2.5 h against 2 h included → 0.5 h; plus the extra rounds'
    # 2.75 h → 3.25 h at 80 = 260.
    found = five_rounds(quote={"hours_included": 2})
    assert (found.overage.rounds, found.overage.hours, found.overage.amount) == (0, 3.25, 260.0)
    # With a round price: 3 × 300 + 0.5 h × 80 = 940.
    priced = five_rounds(quote={"hours_included": 2, "round_price": 300})
    assert (priced.overage.rounds, priced.overage.hours, priced.overage.amount) == (3, 0.5, 940.0)


def test_within_the_quote_nothing_is_owed() -> None:
    found = five_rounds(quote={"rounds_included": 6, "hours_included": 10, "round_price": 300})
    assert (found.rounds_remaining, found.extra_rounds) == (1, 0)
    assert (found.overage.rounds, found.overage.hours, found.overage.amount) == (0, 0, 0)


def test_sla_due_and_late() -> None:
    # Paris, 2 business days. Friday 27 March 15:00 CET (14:00 UTC) → Tuesday 31 March
    # 15:00 CEST = 13:00 UTC. Ticket 1 delivered exactly then: on time. Ticket 2, same start,
    # delivered one second later: late. Ticket 3 not delivered: late once now is past due.
    start = at(27, 14)
    due = datetime(2026, 3, 31, 13, 0, tzinfo=UTC)
    tickets = [ticket("1", start), ticket("2", start), ticket("3", start),
               ticket("4", start, labels=["out-of-scope"])]
    changes = [move("1", due, "To Do", "In Review"), move("2", at(31, 13, 0, 1), "To Do", "Done"),
               move("4", at(28), "To Do", "Done")]
    common = {"timezone": "Europe/Paris", "sla": {"handle_within": "2d"}}
    before = ledger(tickets, changes, now=due, **common)
    assert [(r.due_at, r.late) for r in before.requests] == [
        (due, False), (due, True), (due, False), (None, None)]
    assert only(before, "4").delivered_at == at(28)  # every request gets delivered_at
    after = ledger(tickets, changes, now=at(31, 13, 0, 1), **common)
    assert [r.late for r in after.requests] == [False, True, True, None]
    assert [r.ticket for r in after.late_requests] == ["WEB-2", "WEB-3"]


def test_a_team_member_is_never_counted_as_a_request_even_with_time() -> None:
    found = ledger([ticket("1", at(2), ME)], entries=[spent("1", at(3), 3600)])
    assert (found.requests, found.seconds_spent) == ((), 0)
