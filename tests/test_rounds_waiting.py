"""Waiting on the client: the SLA clock stops (DESIGN §4 "Priority and waiting on the client")."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

from bridge.clientfile.load import read_client
from bridge.engine.ledger import Ledger
from connectors.base import StatusChange, StatusMap, Ticket, TrackerSettings
from tests.ledger_builders import CLAIRE, ME, NOW, at, ledger, move, only, ticket
from tests.toy_connector import TOY_CLIENT_FILE

WAITING = "Waiting for client"
STATUSES = StatusMap(open=("To Do",), in_progress=("In Progress",), delivered=("In Review",),
                     done=("Done",), waiting=(WAITING, "Assets missing"))
TRACKER = TrackerSettings(type="test", token="env:TOKEN", statuses=STATUSES)


def waiting_ledger(tickets: Iterable[Ticket], changes: Iterable[StatusChange] = (),
                   now: datetime = NOW, **overrides: Any) -> Ledger:
    return ledger(tickets, changes, now=now, tracker=TRACKER, **overrides)


# Monday 2 March 09:00 (UTC, 09:00-18:00, Monday to Friday); handle_within = 2d: Tuesday 18:00
ASKED_FOR_DETAILS = [
    move("1", at(2, 12), "To Do", WAITING),  # the team asks for details
    move("1", at(3, 12), WAITING, "In Progress", CLAIRE),  # the client answers: not a reopen
    move("1", at(4, 17), "In Progress", "In Review"),
]


def test_waiting_on_the_client_moves_the_due_date_by_the_business_time_waited() -> None:
    found = waiting_ledger([ticket("1", at(2))], ASKED_FOR_DETAILS)
    request = only(found, "1")
    assert [r.kind for r in found.requests] == ["new"]
    assert request.waits == ((at(2, 12), at(3, 12)),)
    assert (request.waiting_hours, request.paused_hours) == (9.0, 9.0)
    assert request.due_at == at(4, 18)  # Tuesday 18:00 + 9 business hours
    assert (request.delivered_at, request.late) == (at(4, 17), False)


def test_without_a_waiting_status_the_same_history_is_late() -> None:
    request = only(ledger([ticket("1", at(2))], ASKED_FOR_DETAILS), "1")
    assert (request.waits, request.waiting_hours) == ((), 0.0)
    assert (request.due_at, request.late) == (at(3, 18), True)


def test_only_business_hours_of_a_wait_count() -> None:
    # Friday 6 March 17:00 to Monday 9 March 10:00: one hour on Friday, one on Monday
    changes = [move("1", at(6, 17), "In Progress", "Assets missing"),
               move("1", at(9, 10), "Assets missing", "In Progress", CLAIRE)]
    request = only(waiting_ledger([ticket("1", at(6, 9))], changes), "1")
    assert request.waiting_hours == 2.0
    assert request.due_at == at(10, 11)  # Monday 18:00, then 2 business hours


def test_a_ticket_that_waits_forever_is_never_late_and_waits_only_in_business_time() -> None:
    changes = [move("1", at(2, 10), "To Do", WAITING)]
    saturday = only(waiting_ledger([ticket("1", at(2))], changes, now=at(7, 12)), "1")
    sunday = only(waiting_ledger([ticket("1", at(2))], changes, now=at(8, 23)), "1")
    months_later = only(waiting_ledger([ticket("1", at(2))], changes, now=NOW), "1")
    assert saturday.waits == ((at(2, 10), None),)
    assert saturday.waiting_hours == sunday.waiting_hours == 5 * 9 - 1
    # 2 March to 31 May: 13 weeks, 65 business days of 9 h
    assert months_later.waiting_hours == 65 * 9 - 1
    for request in (saturday, sunday, months_later):
        assert request.late is False and request.delivered_at is None
        assert request.due_at is not None and request.due_at > NOW.replace(month=3, day=8)
    assert months_later.due_at is not None and months_later.due_at > NOW


def test_a_wait_that_begins_once_the_request_is_late_does_not_move_its_due_date() -> None:
    changes = [move("1", at(4, 10), "In Progress", WAITING),  # Wednesday: due Tuesday 18:00
               move("1", at(5, 10), WAITING, "In Progress", CLAIRE),
               move("1", at(5, 12), "In Progress", "In Review")]
    request = only(waiting_ledger([ticket("1", at(2))], changes), "1")
    assert (request.waiting_hours, request.paused_hours) == (9.0, 0.0)
    assert (request.due_at, request.late) == (at(3, 18), True)


def test_only_the_waits_after_the_request_and_before_its_delivery_count() -> None:
    changes = [move("1", at(2, 10), "To Do", "In Review"),  # delivered Monday 10:00
               move("1", at(3, 9), "In Review", WAITING),  # the team waits after it: no reopen
               move("1", at(3, 12), WAITING, "In Progress", CLAIRE),  # leaving it: no reopen
               move("1", at(3, 15), "In Progress", "Done")]
    found = waiting_ledger([ticket("1", at(2, 9))], changes)
    assert [r.kind for r in found.requests] == ["new"]
    request = only(found, "1")
    assert (request.waits, request.waiting_hours, request.due_at) == ((), 0.0, at(3, 18))


def test_a_client_moving_a_delivered_ticket_to_waiting_reopens_it_the_team_does_not() -> None:
    changes = [move("1", at(2, 10), "To Do", "Done"),
               move("1", at(3, 10), "Done", WAITING, CLAIRE),  # a reopen by the client
               move("1", at(3, 14), WAITING, "In Review"),
               move("2", at(2, 10), "To Do", "In Review"),
               move("2", at(3, 10), "In Review", WAITING, ME)]  # the team: no reopen
    found = waiting_ledger([ticket("1", at(2, 9)), ticket("2", at(2, 9))], changes)
    first, reopen = sorted((r for r in found.requests if r.remote_id == "1"), key=lambda r: r.at)
    assert (reopen.kind, reopen.at, reopen.by) == ("reopen", at(3, 10), "c1")
    assert reopen.waits == ((at(3, 10), at(3, 14)),) and reopen.waiting_hours == 4.0
    assert reopen.due_at == at(5, 14)  # Thursday 10:00 + 4 h waited
    assert first.waits == ()  # delivered before the wait
    assert [r.kind for r in found.requests if r.remote_id == "2"] == ["new"]


def test_a_ticket_created_waiting_and_never_moved_waits_from_its_creation() -> None:
    request = only(waiting_ledger([ticket("1", at(2, 9), status=WAITING)], now=at(2, 15)), "1")
    assert request.waits == ((at(2, 9), None),) and request.waiting_hours == 6.0
    first_move_out = [move("2", at(2, 11), WAITING, "In Progress", CLAIRE)]
    moved = only(waiting_ledger([ticket("2", at(2, 9))], first_move_out), "2")
    assert moved.waits == ((at(2, 9), at(2, 11)),) and moved.waiting_hours == 2.0


def test_requests_that_are_not_counted_have_no_waits() -> None:
    found = waiting_ledger([ticket("1", at(2), labels=["out-of-scope"])],
                           [move("1", at(2, 10), "To Do", WAITING)])
    request = only(found, "1")
    assert (request.waits, request.waiting_hours, request.due_at) == ((), 0.0, None)


def test_waiting_several_times_adds_up() -> None:
    changes = [move("1", at(2, 10), "To Do", WAITING),
               move("1", at(2, 11), WAITING, "Assets missing"),  # still waiting: one wait
               move("1", at(2, 12), "Assets missing", "In Progress", CLAIRE),
               move("1", at(2, 14), "In Progress", WAITING),
               move("1", at(2, 17), WAITING, "In Progress", CLAIRE)]
    request = only(waiting_ledger([ticket("1", at(2))], changes), "1")
    assert request.waits == ((at(2, 10), at(2, 12)), (at(2, 14), at(2, 17)))
    assert (request.waiting_hours, request.due_at) == (5.0, at(4, 14))


def test_a_waiting_status_listed_under_another_state_is_a_config_error(
        tmp_path: Path, toy_tracker: str) -> None:
    path = tmp_path / "acme.toml"
    path.write_text(TOY_CLIENT_FILE + """[tracker.statuses]
in_progress = ["Doing", "On hold"]
waiting = ["On hold", "Blocked"]
""")
    config, problems = read_client(path)
    assert config is None
    assert problems == [
        f"{path}: [tracker.statuses] waiting: 'On hold' is listed under waiting and under "
        "in_progress: a status means one thing; keep it in one list (waiting: the ticket "
        "waits on the client)"]
