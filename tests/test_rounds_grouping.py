"""The four ways of grouping counted requests into rounds (DESIGN §4)."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.ledger_builders import CLAIRE, at, ledger, move, ticket


def rounds_of(found):  # type: ignore[no-untyped-def]
    return {r.remote_id: r.round for r in found.requests}


def test_delivery_a_round_stays_open_until_its_last_request_is_delivered() -> None:
    # A 2 Mar 09:00 opens round 1, delivered 3 Mar 10:00. B 2 Mar 15:00 joins (A pending),
    # delivered 4 Mar 12:00. D 4 Mar 11:00 joins: B is still pending. C at 4 Mar 12:00, the very
    # moment round 1 closes, opens round 2, which stays open (C is not delivered).
    tickets = [ticket("A", at(2)), ticket("B", at(2, 15)), ticket("C", at(4, 12)),
               ticket("D", at(4, 11))]
    changes = [move("A", at(3, 10), "To Do", "In Review"), move("B", at(4, 12), "To Do", "Done"),
               move("D", at(4, 11, 30), "To Do", "In Review")]
    found = ledger(tickets, changes)
    assert rounds_of(found) == {"A": 1, "B": 1, "D": 1, "C": 2}
    first, second = found.rounds
    assert (first.opened_at, first.closed_at) == (at(2), at(4, 12))
    assert (second.opened_at, second.closed_at) == (at(4, 12), None)
    assert [r.ticket for r in first.requests] == ["WEB-A", "WEB-B", "WEB-D"]


def test_delivery_a_request_after_every_delivery_opens_the_next_round() -> None:
    tickets = [ticket("1", at(2)), ticket("2", at(5))]
    found = ledger(tickets, [move("1", at(3), "To Do", "In Review")])
    assert rounds_of(found) == {"1": 1, "2": 2}
    assert found.rounds[0].closed_at == at(3)


def test_window_joins_requests_before_opened_at_plus_window_hours() -> None:
    # Window 48 h: A 2 Mar 09:00 opens round 1 (closes 4 Mar 09:00); B 4 Mar 08:59 joins;
    # C at 4 Mar 09:00 opens round 2 (closes 6 Mar 09:00); D 10 Mar opens round 3.
    tickets = [ticket("A", at(2)), ticket("B", at(4, 8, 59)), ticket("C", at(4)),
               ticket("D", at(10))]
    found = ledger(tickets, rounds={"grouping": "window", "window_hours": 48})
    assert rounds_of(found) == {"A": 1, "B": 1, "C": 2, "D": 3}
    assert [(r.opened_at, r.closed_at) for r in found.rounds] == [
        (at(2), at(4)), (at(4), at(6)), (at(10), at(12))]


def test_label_rounds_keep_the_clients_numbers_and_extra_goes_by_position() -> None:
    # Labels R1, R3, R3 and none; 1 round included: round 3 is the 2nd round, so extra.
    tickets = [ticket("1", at(2), labels=["R3"]), ticket("2", at(3), labels=["r1", "R7"]),
               ticket("3", at(4), labels=["R3"]), ticket("4", at(5))]
    found = ledger(tickets, [move("2", at(6), "To Do", "Done")],
                   rounds={"grouping": "label", "label_pattern": "R{n}"},
                   quote={"rounds_included": 1})
    assert rounds_of(found) == {"1": 3, "2": 1, "3": 3, "4": None}
    assert [(r.number, r.extra) for r in found.rounds] == [(1, False), (3, True)]
    assert (found.rounds_used, found.extra_rounds, found.rounds_remaining) == (2, 1, 0)
    assert found.rounds[0].closed_at == at(6)  # its only request was done on 6 March
    assert found.rounds[1].opened_at == at(2)
    assert found.rounds[1].closed_at is None


def test_slots_group_by_cron_in_the_client_zone() -> None:
    # Slots every Tuesday 10:00 Paris: 3 Mar 09:00 UTC (CET), 10 Mar 09:00 UTC, ...,
    # 31 Mar 08:00 UTC (CEST from 29 March).
    tickets = [
        ticket("1", at(2, 12)),  # Monday → the 3 March slot
        ticket("2", at(3, 9)),  # exactly at the slot: at <= slot
        ticket("3", at(3, 9, 0, 1)),  # one second later → the 10 March slot
        ticket("4", at(30, 12)),  # after the clock change → 31 March 08:00 UTC
    ]
    found = ledger(tickets, timezone="Europe/Paris",
                   rounds={"grouping": "slots", "slots": "0 10 * * tue"})
    assert rounds_of(found) == {"1": 1, "2": 1, "3": 2, "4": 3}  # empty slots make no round
    assert [r.closed_at for r in found.rounds] == [
        at(3, 9), at(10, 9), datetime(2026, 3, 31, 8, 0, tzinfo=UTC)]
    assert [r.opened_at for r in found.rounds] == [at(2, 12), at(3, 9, 0, 1), at(30, 12)]


def test_requests_at_the_same_instant_go_by_ticket_remote_id() -> None:
    tickets = [ticket("10", at(2)), ticket("9", at(2)), ticket("b", at(2)), ticket("a", at(2))]
    for order in (tickets, tickets[::-1]):
        found = ledger(order, rounds={"grouping": "window", "window_hours": 1})
        assert [r.remote_id for r in found.requests] == ["9", "10", "a", "b"]
        assert [r.remote_id for r in found.rounds[0].requests] == ["9", "10", "a", "b"]


def test_reopened_ticket_counts_again_in_a_later_round() -> None:
    changes = [move("1", at(3), "To Do", "In Review"),
               move("1", at(5), "In Review", "To Do", CLAIRE)]
    found = ledger([ticket("1", at(2))], changes)
    assert [(r.kind, r.round) for r in found.requests] == [("new", 1), ("reopen", 2)]
    assert found.rounds[1].tickets == ("WEB-1",)


def test_slots_after_a_long_gap_and_exactly_on_a_slot() -> None:
    # Hourly slots. 2 Mar 09:30 and 10:00 → the 10:00 slot; 5 Mar 09:15 → 5 Mar 10:00 (days of
    # empty slots skipped); 5 Mar 12:00 exactly → the 12:00 slot.
    tickets = [ticket("1", at(2, 9, 30)), ticket("2", at(2, 10)), ticket("3", at(5, 9, 15)),
               ticket("4", at(5, 12))]
    found = ledger(tickets, rounds={"grouping": "slots", "slots": "0 * * * *"})
    assert rounds_of(found) == {"1": 1, "2": 1, "3": 2, "4": 3}
    assert [r.closed_at for r in found.rounds] == [at(2, 10), at(5, 10), at(5, 12)]
