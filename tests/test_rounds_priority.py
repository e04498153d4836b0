"""A request's priority and the handling time it gives (DESIGN §4 "Priority and waiting")."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from bridge.clientfile.load import read_client
from tests.ledger_builders import CLAIRE, at, ledger, move, only, ticket
from tests.toy_connector import TOY_CLIENT_FILE

PRIORITIES = {"Highest": "4h", "High": "1d", "Low": "3d"}


def test_the_trackers_priority_sets_the_handling_time() -> None:
    # Monday 2 March 09:00, business hours 09:00-18:00: 1d is Monday 18:00, 2d Tuesday 18:00
    found = ledger([replace(ticket("1", at(2)), priority="High"),
                    replace(ticket("2", at(2)), priority="Highest"),
                    ticket("3", at(2))],
                   sla={"priorities": PRIORITIES})
    high, highest, none = only(found, "1"), only(found, "2"), only(found, "3")
    assert (high.priority, high.within, high.due_at) == ("High", "1d", at(2, 18))
    assert (highest.priority, highest.within, highest.due_at) == ("Highest", "4h", at(2, 13))
    assert (none.priority, none.within, none.due_at) == (None, "2d", at(3, 18))


def test_an_unmapped_priority_is_kept_and_handled_within_handle_within() -> None:
    found = ledger([replace(ticket("1", at(2)), priority="Medium")],
                   sla={"priorities": PRIORITIES, "handle_within": "6h"})
    request = only(found, "1")
    assert (request.priority, request.within, request.due_at) == ("Medium", "6h", at(2, 15))


def test_priority_names_are_matched_whatever_their_case() -> None:
    found = ledger([replace(ticket("1", at(2)), priority="HIGH")], sla={"priorities": PRIORITIES})
    assert (only(found, "1").priority, only(found, "1").within) == ("HIGH", "1d")


def test_the_custom_field_named_by_priority_field_gives_the_priority() -> None:
    fields = (("Stage", "Design"), ("Urgency", "High"), ("Priority", "Low"))
    found = ledger([replace(ticket("1", at(2)), custom_fields=fields),
                    replace(ticket("2", at(2)), custom_fields=fields, priority="Highest"),
                    replace(ticket("3", at(2)), custom_fields=(("Stage", "Design"),))],
                   sla={"priorities": PRIORITIES, "priority_field": "urgency"})
    assert (only(found, "1").priority, only(found, "1").due_at) == ("High", at(2, 18))
    assert only(found, "2").priority == "Highest"  # the tracker's own field comes first
    assert only(found, "3").priority is None


def test_a_priority_label_gives_the_priority_and_other_labels_do_not() -> None:
    found = ledger([ticket("1", at(2), labels=["design", "Urgent"]),
                    ticket("2", at(2), labels=["design"])],
                   sla={"priorities": {"urgent": "4h"}, "priority_labels": ["urgent", "minor"]})
    urgent = only(found, "1")
    assert (urgent.priority, urgent.priority_labels, urgent.due_at) == ("Urgent", (), at(2, 13))
    assert only(found, "2").priority is None


@pytest.mark.parametrize("labels", [["minor", "urgent", "soon"], ["soon", "urgent", "minor"]])
def test_of_two_priority_labels_the_shortest_handling_time_wins(labels: list[str]) -> None:
    found = ledger([ticket("1", at(2), labels=labels)],
                   sla={"priorities": {"urgent": "4h", "minor": "3d", "soon": "1d"},
                        "priority_labels": ["minor", "soon", "urgent"]})
    request = only(found, "1")
    assert (request.priority, request.within, request.due_at) == ("urgent", "4h", at(2, 13))
    assert request.priority_labels == ("urgent", "soon", "minor")


def test_a_mapped_priority_label_wins_over_an_unmapped_one_even_if_slower() -> None:
    found = ledger([ticket("1", at(2), labels=["whenever", "minor"])],
                   sla={"priorities": {"minor": "3d"}, "handle_within": "4h",
                        "priority_labels": ["whenever", "minor"]})
    request = only(found, "1")
    assert (request.priority, request.within) == ("minor", "3d")
    assert request.priority_labels == ("minor", "whenever")


def test_requests_that_are_not_counted_keep_their_priority_but_get_no_due_date() -> None:
    found = ledger([replace(ticket("1", at(2), labels=["out-of-scope"]), priority="High")],
                   sla={"priorities": PRIORITIES})
    request = only(found, "1")
    assert (request.status, request.priority) == ("out_of_scope", "High")
    assert (request.within, request.due_at, request.late) == (None, None, None)


def test_a_reopen_takes_the_tickets_priority_now() -> None:
    changes = [move("1", at(2, 10), "To Do", "Done"), move("1", at(3, 9), "Done", "To Do", CLAIRE)]
    found = ledger([replace(ticket("1", at(2)), priority="High")], changes,
                   sla={"priorities": PRIORITIES})
    (reopen,) = [r for r in found.requests if r.kind == "reopen"]
    assert (reopen.priority, reopen.due_at) == ("High", at(3, 18))


GOOD = TOY_CLIENT_FILE


def test_an_unknown_duration_in_sla_priorities_names_its_key(tmp_path: Path,
                                                            toy_tracker: str) -> None:
    path = tmp_path / "acme.toml"
    path.write_text(GOOD + '[sla.priorities]\nHigh = "1d"\n"Très urgent" = "tomorrow"\n'
                    'Low = "0d"\n')
    config, problems = read_client(path)
    assert config is None
    assert problems == [
        f"{path}: [sla.priorities] \"Très urgent\": 'tomorrow' is not a business duration "
        "like 4h or 2d",
        f"{path}: [sla.priorities] Low: '0d' is not a business duration like 4h or 2d",
    ]


def test_priority_durations_are_read_stripped(tmp_path: Path, toy_tracker: str) -> None:
    path = tmp_path / "acme.toml"
    path.write_text(GOOD + '[sla]\npriority_labels = ["urgent"]\n'
                    '[sla.priorities]\nurgent = " 4h "\n')
    config, problems = read_client(path)
    assert problems == []
    assert config is not None and config.sla.priorities == {"urgent": "4h"}
    assert config.sla.within("URGENT") == "4h" and config.sla.within(None) == "2d"
