"""Rendering a ledger: the ``status --json`` shape (DESIGN §8), the status tables, explain."""

from __future__ import annotations

import json

import pytest
from rich.console import Console

from bridge.present.ledger_view import explain, ledger_to_json, render_status
from connectors.errors import ConfigError
from tests.ledger_builders import CLAIRE, ME, OSCAR, at, ledger, move, spent, ticket

TOP = {"client", "quote", "rounds_used", "rounds_remaining", "extra_rounds", "hours_spent",
       "overage", "rounds", "requests", "last_sync"}
QUOTE = {"reference", "rounds_included", "hours_included", "hourly_rate", "round_price",
         "currency"}
OVERAGE = {"rounds", "hours", "amount", "currency"}
ROUND = {"number", "opened_at", "closed_at", "requests", "extra", "hours"}
REQUEST = {"ticket", "remote_id", "url", "at", "by", "by_name", "kind", "status", "designated",
           "round", "due_at", "delivered_at", "late", "hours", "notices", "priority",
           "waiting_hours"}


def sample():  # type: ignore[no-untyped-def]
    # Round 1: WEB-1 (Mon 2 Mar 09:00, due 2 business days later: Tue 3 Mar 18:00; delivered
    # 3 Mar 09:00). Round 2: WEB-2 (5 Mar, still open) and WEB-1 reopened.
    tickets = [ticket("1", at(2)), ticket("2", at(5), OSCAR),
               ticket("3", at(6), labels=["out-of-scope"])]
    changes = [move("1", at(3), "To Do", "In Review"), move("1", at(5, 10), "In Review", "To Do",
                                                             CLAIRE)]
    entries = [spent("1", at(2, 12), 5400), spent("2", at(5, 12), 1800),
               spent("3", at(6, 12), 3600)]
    return ledger(tickets, changes, entries, now=at(20),
                  quote={"rounds_included": 1, "round_price": 300, "hours_included": 1})


def test_json_has_exactly_the_documented_keys_and_types() -> None:
    data = ledger_to_json(sample(), at(20, 8))
    assert set(data) == TOP
    assert set(data["quote"]) == QUOTE
    assert set(data["overage"]) == OVERAGE
    assert data["rounds"] and all(set(r) == ROUND for r in data["rounds"])
    assert data["requests"] and all(set(r) == REQUEST for r in data["requests"])
    json.dumps(data)  # serialisable as it is

    assert data["client"] == "acme"
    assert data["quote"] == {"reference": "Q-1", "rounds_included": 1, "hours_included": 1.0,
                             "hourly_rate": 80.0, "round_price": 300.0, "currency": "EUR"}
    assert (data["rounds_used"], data["rounds_remaining"], data["extra_rounds"]) == (2, 0, 1)
    # counted: WEB-1 1.5 h, WEB-2 0.5 h (WEB-3 is out of scope) → 2 h
    assert data["hours_spent"] == 2.0
    # one extra round at 300 + (1.5 h − 1 h included) × 80 = 340
    assert data["overage"] == {"rounds": 1, "hours": 0.5, "amount": 340.0, "currency": "EUR"}
    assert data["rounds"][0] == {"number": 1, "opened_at": "2026-03-02T09:00:00Z",
                                 "closed_at": "2026-03-03T09:00:00Z", "requests": ["WEB-1"],
                                 "extra": False, "hours": 1.5}
    assert data["rounds"][1]["closed_at"] is None
    assert data["rounds"][1]["requests"] == ["WEB-2", "WEB-1"]
    first = data["requests"][0]
    assert first == {"ticket": "WEB-1", "remote_id": "1",
                     "url": "https://acme.example/browse/WEB-1", "at": "2026-03-02T09:00:00Z",
                     "by": "c1", "by_name": "Claire Client", "kind": "new", "status": "counted",
                     "designated": True, "round": 1, "due_at": "2026-03-03T18:00:00Z",
                     "delivered_at": "2026-03-03T09:00:00Z", "late": False, "hours": 1.5,
                     "notices": ["ack"], "priority": None, "waiting_hours": 0.0}
    scope = data["requests"][-1]
    assert (scope["status"], scope["round"], scope["due_at"], scope["late"], scope["hours"]) == (
        "out_of_scope", None, None, None, 1.0)
    assert data["last_sync"] == "2026-03-20T08:00:00Z"
    assert ledger_to_json(sample(), None)["last_sync"] is None


def render(renderable: object) -> str:
    console = Console(record=True, width=140, color_system=None)
    console.print(renderable)
    return console.export_text()


def test_status_table_shows_use_overage_and_late_requests() -> None:
    text = render(render_status(sample(), at(20, 8)))
    assert "ACME Corp (acme)" in text
    assert "1 / 1" not in text and "2 / 1" in text  # rounds used / included
    assert "2.00 h / 1.00 h" in text  # hours spent / included
    assert "€340.00" in text
    assert "Late requests" in text and "WEB-2" in text  # due 6 Mar 18:00, still open on 20 Mar
    assert "extra" in text


def test_explain_tells_why_and_what_it_costs() -> None:
    found = sample()
    text = explain(found, "WEB-1")
    assert "WEB-1 “Change 1”: new request of 2026-03-02 09:00 by Claire Client" in text
    assert "reopen request of 2026-03-05 10:00" in text
    assert "no round was open, so it opened this round" in text
    assert "the round was open: not every request in it was delivered yet" in text
    assert "moved from In Review to To Do by Claire Client" in text
    assert "time entry 1.50 h" in text
    assert "round 2 is extra and billed €300.00 as a whole" in text
    assert explain(found, "1") == text  # by remote id too
    scope = explain(found, "web-3")
    assert "status: out_of_scope (label 'out-of-scope' puts it outside the quote)" in scope
    assert "1.00 h recorded; not counted against the quote" in scope
    with pytest.raises(ConfigError, match="WEB-99: no request on this ticket in the ledger "
                                          "of acme"):
        explain(found, "WEB-99")


def test_explain_names_an_entry_s_day_and_an_entry_without_author() -> None:
    from datetime import date

    from connectors.base import TimeEntry

    entries = [TimeEntry("e1", "1", at(4, 8), ME, 900, date(2026, 3, 2)),
               TimeEntry("1:actual", "1", at(3), None, 1800)]
    text = explain(ledger([ticket("1", at(2))], (), entries), "WEB-1")
    assert "time entry 0.25 h for 2026-03-02 by Mia Freelancer" in text
    assert "time entry 0.50 h, no author (the task's total time, always billed)" in text
