"""``explain`` on a ticket that holds no request says why, in the engine's own terms."""

from __future__ import annotations

from datetime import date

from bridge.engine.classify import why_not_a_request
from tests.ledger_builders import ME, at, config, ticket


def test_a_team_ticket_is_no_request() -> None:
    assert why_not_a_request(ticket("1", at(2), by=ME), config()).startswith(
        "it was created by Mia Freelancer, who is on the team ([contacts] team)")


def test_a_ticket_before_the_quote_belongs_to_another_quote() -> None:
    cfg = config(quote={"start": date(2026, 3, 10)})
    assert why_not_a_request(ticket("1", at(2)), cfg) == (
        "it was made on 2026-03-02, outside the quote's period ([quote] start = 2026-03-10, "
        "end = open): it belongs to another quote")


def test_a_ticket_without_a_request_label() -> None:
    cfg = config(scope={"request_labels": ["change"]})
    assert why_not_a_request(ticket("1", at(2), labels=["bug"]), cfg) == (
        "it carries none of the labels that make a request ([scope] request_labels: change)")


def test_a_deleted_ticket() -> None:
    from dataclasses import replace

    assert why_not_a_request(replace(ticket("1", at(2)), deleted=True), config()) == (
        "it was deleted on the tracker")
