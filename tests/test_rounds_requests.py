"""Which tickets and moves are requests, and each request's status (DESIGN §4, §5)."""

from __future__ import annotations

from connectors.base import COMPLETED_STATUS, Person
from tests.ledger_builders import CLAIRE, ME, OSCAR, at, ledger, move, only, ticket


def test_a_client_ticket_is_a_new_request_by_its_requester() -> None:
    found = ledger([ticket("1", at(2), CLAIRE)])
    request = only(found, "1")
    assert (request.kind, request.at, request.by, request.by_name) == (
        "new", at(2), "c1", "Claire Client")
    assert (request.status, request.designated, request.round) == ("counted", True, 1)
    assert (request.ticket, request.url) == ("WEB-1", "https://acme.example/browse/WEB-1")


def test_a_team_ticket_is_not_a_request_and_deleted_tickets_are_left_out() -> None:
    found = ledger([ticket("1", at(2), ME), ticket("2", at(2), CLAIRE, deleted=True)])
    assert found.requests == ()
    assert found.rounds_used == 0


def test_request_labels_filter_tickets_and_admit_team_tickets() -> None:
    found = ledger(
        [ticket("1", at(2), CLAIRE), ticket("2", at(3), ME, labels=["Change"]),
         ticket("3", at(4), CLAIRE, labels=["change"])],
        scope={"request_labels": ["change"]},
    )
    assert [r.remote_id for r in found.requests] == ["2", "3"]
    assert only(found, "2").designated  # the team is never "not designated"


def test_a_reopen_is_a_move_from_delivered_or_done_back_to_work_by_the_client() -> None:
    changes = [
        move("1", at(3), "To Do", "In Review"),  # delivered by the team
        move("1", at(4), "In Review", "Done", CLAIRE),  # delivered → done: not a reopen
        move("1", at(5), "Done", "In Progress", CLAIRE),  # reopen
        move("1", at(6), "In Progress", "In Review"),
        move("1", at(7), "In Review", "To Do", ME),  # by the team: not a reopen
        move("1", at(8), "To Do", "In Review"),
        move("1", at(9), "In Review", "To Do", OSCAR),  # reopen by someone else
    ]
    found = ledger([ticket("1", at(2), ME)], changes)  # team-created: reopens still count
    assert [(r.kind, r.at, r.by) for r in found.requests] == [
        ("reopen", at(5), "c1"), ("reopen", at(9), "c2")]
    assert found.requests[0].delivered_at == at(6)
    assert found.requests[1].delivered_at is None
    assert found.requests[1].designated is False


def test_a_move_without_from_status_is_read_from_the_previous_move() -> None:
    changes = [move("1", at(3), None, "Done"), move("1", at(4), None, "To Do", CLAIRE)]
    found = ledger([ticket("1", at(2), ME)], changes)
    assert [(r.kind, r.at) for r in found.requests] == [("reopen", at(4))]


def test_unmapped_statuses_are_open_and_completed_is_done() -> None:
    changes = [
        move("1", at(3), "Backlog", "Shipped"),  # unmapped → open: neither delivery nor reopen
        move("1", at(4), "Shipped", COMPLETED_STATUS),  # completed → done
        move("1", at(5), COMPLETED_STATUS, "Backlog", CLAIRE),  # done → open: a reopen
    ]
    found = ledger([ticket("1", at(2), CLAIRE)], changes)
    assert [(r.kind, r.delivered_at) for r in found.requests] == [
        ("new", at(4)), ("reopen", None)]


def test_created_straight_into_done_is_delivered_at_creation() -> None:
    found = ledger([ticket("1", at(2), CLAIRE, status="Done")])
    assert only(found, "1").delivered_at == at(2)


def test_statuses_are_checked_in_order() -> None:
    tickets = [
        ticket("1", at(2), OSCAR, labels=["internal", "out-of-scope"]),
        ticket("2", at(2, 10), OSCAR, labels=["Out-of-Scope"]),
        ticket("3", at(2, 11), OSCAR),
        ticket("4", at(2, 12), CLAIRE, labels=["round-2"]),
        ticket("5", at(2, 13), CLAIRE),
    ]
    found = ledger(tickets, contacts={"non_designated": "ignore"})
    assert [r.status for r in found.requests] == [
        "excluded", "out_of_scope", "not_designated", "counted", "counted"]
    assert "'internal'" in only(found, "1").reason
    by_label = ledger(tickets, contacts={"non_designated": "ignore"}, rounds={"grouping": "label"})
    assert [r.status for r in by_label.requests] == [
        "excluded", "out_of_scope", "not_designated", "counted", "unassigned"]
    assert [(r.round, r.due_at is None) for r in by_label.requests] == [
        (None, True), (None, True), (None, True), (2, False), (None, True)]


def test_non_designated_count_keeps_the_request_with_designated_false() -> None:
    found = ledger([ticket("1", at(2), OSCAR)])  # non_designated = "count" by default
    request = only(found, "1")
    assert (request.status, request.designated, request.round) == ("counted", False, 1)
    assert request.notices == ("ack", "not_designated")


def test_without_designated_contacts_everyone_is_designated() -> None:
    found = ledger([ticket("1", at(2), OSCAR)], contacts={"client": []})
    assert only(found, "1").designated is True


def test_contacts_may_be_given_as_e_mail_addresses() -> None:
    claire_elsewhere = Person("other-id", "Claire", "Claire@ACME.example")
    found = ledger([ticket("1", at(2), claire_elsewhere)],
                   contacts={"client": ["claire@acme.example"], "non_designated": "ignore"})
    assert only(found, "1").status == "counted"
    mia_elsewhere = Person("x", "Mia", "mia@studio.example")
    assert ledger([ticket("2", at(2), mia_elsewhere)],
                  contacts={"team": ["mia@studio.example"]}).requests == ()


def test_one_request_per_ticket_and_second() -> None:
    # A client reopening within the second of creation makes one request, not two.
    changes = [move("1", at(2, 9, 0, 0).replace(microsecond=300), "Done", "To Do", CLAIRE)]
    found = ledger([ticket("1", at(2), CLAIRE, status="To Do")], changes)
    assert [r.kind for r in found.requests] == ["new"]
