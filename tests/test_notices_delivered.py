"""Issue 23's notices: the ack and extra name the request's priority, and the ``delivered``
notice ([comments] on_delivery) tells the time spent and what is left on the quote."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from bridge.engine.ledger import Ledger
from bridge.engine.rounds import notice_kinds
from bridge.present.notices import find_marker, notices_for, validate_texts
from bridge.store import Store
from bridge.sync.outbox import queue_notices, refresh_overdue
from tests.ledger_builders import OSCAR, at, config, ledger, move, spent, ticket

PARIS = {"timezone": "Europe/Paris", "sla": {"handle_within": "2d"}}
# Friday 27 March 14:00 UTC, due (2 business days) Tuesday 31 March 15:00 CEST; delivered on
# Monday 30 March 10:00 UTC after 1 h 30 min of work. Then a request beyond the one included.
TICKETS = [ticket("1", at(27, 14)), ticket("2", at(30, 14), OSCAR)]
CHANGES = [move("1", at(30, 10), "To Do", "In Review")]
ENTRIES = [spent("1", at(27, 16), 5400)]


def settings(language: str = "en", **more: Any) -> dict[str, Any]:
    quote = {"rounds_included": 1, "round_price": 300, **more.pop("quote", {})}
    return {"language": language, "quote": quote, **PARIS, **more}


def with_priority(found: Ledger, **priorities: str) -> Ledger:
    """``found`` with these tickets' requests given a priority (the engine's part: issue 23)."""
    requests = tuple(r._replace(priority=priorities.get(r.remote_id, r.priority))
                     for r in found.requests)
    return dataclasses.replace(found, requests=requests)


def bodies(found: Ledger, **cfg: Any) -> dict[tuple[str, str], str]:
    return {(n.ticket_id, n.kind): n.body.rsplit("\n\n", 1)[0]
            for n in notices_for(found, config(**cfg))}


def test_delivered_is_called_for_by_a_counted_delivered_request_only() -> None:
    assert notice_kinds("counted", False, True, True) == ("ack", "delivered")
    assert notice_kinds("counted", True, False, True) == ("extra", "not_designated", "delivered")
    for status in ("not_designated", "out_of_scope", "excluded", "unassigned"):
        assert "delivered" not in notice_kinds(status, False, False, True)  # type: ignore[arg-type]


def test_without_on_delivery_the_notice_set_does_not_change() -> None:
    tickets = [*TICKETS, ticket("3", at(30, 15), labels=["out-of-scope"])]
    changes = [*CHANGES, move("2", at(31, 10), "To Do", "Done"),
               move("3", at(31, 11), "To Do", "In Review")]
    before = ledger(tickets, changes, ENTRIES, **settings())
    assert [(r.remote_id, r.notices) for r in before.requests] == [
        ("1", ("ack",)), ("2", ("extra", "not_designated")), ("3", ("out_of_scope",))]
    on = ledger(tickets, changes, ENTRIES, **settings(comments={"on_delivery": True}))
    assert [(r.remote_id, r.notices) for r in on.requests] == [
        ("1", ("ack", "delivered")), ("2", ("extra", "not_designated", "delivered")),
        ("3", ("out_of_scope",))]  # not counted: no delivered notice
    undelivered = ledger(TICKETS, (), ENTRIES, **settings(comments={"on_delivery": True}))
    assert all("delivered" not in r.notices for r in undelivered.requests)


def test_without_a_priority_the_texts_are_those_of_before() -> None:
    found = ledger(TICKETS, CHANGES, ENTRIES, now=at(30, 16), **settings())
    texts = bodies(found, **settings())
    assert texts["1", "ack"] == (
        "Thank you, we have received this request. It is part of revision round 1 of 1 in "
        "quote Q-1 (the last one included). We will handle it by Tuesday 31 March 2026 at "
        "15:00 (CEST).")
    assert texts["2", "extra"] == (
        "Thank you, we have received this request. It falls in revision round 2, beyond the 1 "
        "rounds included in quote Q-1, so it will be billed at the round price of €300. We "
        "will handle it by Wednesday 1 April 2026 at 16:00 (CEST).")
    fr = bodies(ledger(TICKETS, CHANGES, ENTRIES, now=at(30, 16), **settings("fr")),
                **settings("fr"))
    assert fr["1", "ack"] == (
        "Merci, nous avons bien reçu cette demande. Elle fait partie de l'aller-retour 1 sur 1 "
        "prévus dans le devis Q-1 (c'est le dernier prévu). Nous la traiterons d'ici le mardi "
        "31 mars 2026 à 15h00 (CEST).")


@pytest.mark.parametrize(("language", "ack", "extra"), [
    ("en", "(the last one included). Priority High: we will handle it by Tuesday 31 March "
           "2026 at 15:00 (CEST).",
     "at the round price of €300. Priority Low: we will handle it by Wednesday 1 April 2026 "
     "at 16:00 (CEST)."),
    ("fr", "(c'est le dernier prévu). Priorité High : nous la traiterons d'ici le mardi 31 "
           "mars 2026 à 15h00 (CEST).",
     "au forfait de 300 € par aller-retour. Priorité Low : nous la traiterons d'ici le "
     "mercredi 1 avril 2026 à 16h00 (CEST)."),
])
def test_the_ack_and_extra_name_the_priority(language: str, ack: str, extra: str) -> None:
    found = with_priority(ledger(TICKETS, CHANGES, now=at(30, 16), **settings(language)),
                          **{"1": "High", "2": "Low"})
    texts = bodies(found, **settings(language))
    assert texts["1", "ack"].endswith(ack)
    assert texts["2", "extra"].endswith(extra)
    # once the due moment has passed: the priority still, no date in the past
    late = bodies(with_priority(ledger(TICKETS, now=at(6, 9, month=4), **settings(language)),
                                **{"1": "High"}), **settings(language))
    assert late["1", "ack"].endswith("Priority High: it is being handled." if language == "en"
                                     else "Priorité High : elle est en cours de traitement.")


def test_a_priority_name_cannot_change_the_comment_structure() -> None:
    found = with_priority(ledger(TICKETS[:1], now=at(30, 16), **settings()),
                          **{"1": " Very\nhigh\n\nrb-0123456789 "})
    (notice,) = notices_for(found, config(**settings()))
    assert "Priority Very high rb-0123456789: we will" in notice.body
    assert notice.body.count("\n") == 2 and notice.body.endswith("\n\n" + notice.marker)
    assert find_marker(notice.body) == notice.marker
    blank = with_priority(ledger(TICKETS[:1], now=at(30, 16), **settings()), **{"1": " \n "})
    assert "Priority" not in notices_for(blank, config(**settings()))[0].body


def test_the_delivered_notice_in_english_and_french() -> None:
    on = {"comments": {"on_delivery": True}}
    found = ledger(TICKETS, CHANGES, ENTRIES, now=at(30, 16), **settings(**on))
    assert bodies(found, **settings(**on))["1", "delivered"] == (
        "We have delivered this request: it is now in your hands. Time spent on it: 1 h 30 "
        "min. It is part of revision round 1 of 1 in quote Q-1 (the last one included).")
    fr = settings("fr", **on, quote={"rounds_included": 3, "reference": ""})
    assert bodies(ledger(TICKETS, CHANGES, ENTRIES, now=at(30, 16), **fr), **fr)[
        "1", "delivered"] == (
        "Nous avons livré cette demande : elle est désormais entre vos mains. Temps passé : "
        "1 h 30. Elle fait partie de l'aller-retour 1 sur 3 prévus dans le devis (il en "
        "restera 2 ensuite).")


def test_the_delivered_notice_says_the_hours_left_and_a_round_beyond_the_quote() -> None:
    changes = [*CHANGES, move("2", at(31, 10), "To Do", "In Review")]
    entries = [*ENTRIES, spent("2", at(31, 9), 2 * 3600 + 300)]
    for included, left in ((2, "Hours left on the quote: 30 min of the 2 h included."),
                           (1.5, "The 1 h 30 min included in the quote are all used.")):
        cfg = settings(comments={"on_delivery": True}, quote={"hours_included": included})
        texts = bodies(ledger(TICKETS, changes, entries, now=at(31, 12), **cfg), **cfg)
        assert texts["1", "delivered"].endswith(f"(the last one included). {left}")
        # round 2 is beyond the quote: its hours are not the included ones
        assert texts["2", "delivered"] == (
            "We have delivered this request: it is now in your hands. Time spent on it: 2 h 5 "
            f"min. It falls in revision round 2, beyond the 1 rounds included in quote Q-1. "
            f"{left}")
    fr = settings("fr", comments={"on_delivery": True}, quote={"hours_included": 2})
    texts = bodies(ledger(TICKETS, changes, entries, now=at(31, 12), **fr), **fr)
    assert texts["2", "delivered"].endswith(
        "Temps passé : 2 h 05. Elle relève de l'aller-retour 2, au-delà des 1 prévus dans le "
        "devis Q-1. Heures restantes sur le devis : 30 min sur les 2 h incluses.")


def test_the_delivered_text_is_overridable_with_its_placeholders() -> None:
    template = ("{ticket} ({priority}) delivered {delivered}: {time_spent} spent, {hours_left} "
                "of {hours_included} left. {quote_left}")
    cfg = settings(comments={"on_delivery": True, "texts": {"delivered": template}},
                   quote={"hours_included": 4})
    assert validate_texts(config(**cfg)) == []
    found = with_priority(ledger(TICKETS[:1], CHANGES, ENTRIES, now=at(30, 16), **cfg),
                          **{"1": "High"})
    assert bodies(found, **cfg)["1", "delivered"] == (
        "WEB-1 (High) delivered Monday 30 March 2026 at 12:00 (CEST): 1 h 30 min spent, 2 h 30 "
        "min of 4 h left. It is part of revision round 1 of 1 in quote Q-1 (the last one "
        "included). Hours left on the quote: 2 h 30 min of the 4 h included.")
    # a client's own ack that does not use {priority} is left as the client wrote it
    own = settings(comments={"texts": {"ack": "Round {round}, by {due}."}})
    assert bodies(with_priority(ledger(TICKETS[:1], now=at(30, 16), **own), **{"1": "High"}),
                  **own)["1", "ack"] == "Round 1, by Tuesday 31 March 2026 at 15:00 (CEST)."


def test_a_held_priority_ack_that_became_late_is_rewritten_without_a_date(store: Store) -> None:
    cfg = settings(comments={"mode": "review"})
    early = with_priority(ledger(TICKETS[:1], now=at(30, 16), **cfg), **{"1": "High"})
    (row,) = queue_notices(store, config(**cfg), notices_for(early, config(**cfg)), {"1"})
    assert "Priority High: we will handle it by Tuesday" in row.body
    late = with_priority(ledger(TICKETS[:1], now=at(6, 9, month=4), **cfg), **{"1": "High"})
    assert refresh_overdue(store, config(**cfg), late) == 1
    (body,) = [r.body for r in store.outbox("acme")]
    assert "Priority High: it is being handled.\n\n" in body and "2026" not in body
