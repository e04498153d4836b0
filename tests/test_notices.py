"""Notices: which kinds, keys, markers, texts in English and French, client overrides."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bridge.engine.rounds import LedgerInput, compute_ledger, notice_kinds
from bridge.present.notices import (
    find_marker,
    format_moment,
    marker_for,
    notice_key,
    notices_for,
    validate_texts,
)
from connectors.base import Ticket
from tests.ledger_builders import CLAIRE, OSCAR, at, config, ledger, move, ticket

PARIS = {"timezone": "Europe/Paris", "sla": {"handle_within": "2d"}}


def test_kinds_follow_the_request_status() -> None:
    assert notice_kinds("counted", False, True) == ("ack",)
    assert notice_kinds("counted", True, True) == ("extra",)
    assert notice_kinds("counted", False, False) == ("ack", "not_designated")
    assert notice_kinds("counted", True, False) == ("extra", "not_designated")
    assert notice_kinds("not_designated", False, False) == ("not_designated",)
    assert notice_kinds("out_of_scope", False, True) == ("out_of_scope",)
    assert notice_kinds("excluded", False, True) == ()
    assert notice_kinds("unassigned", False, True) == ()


def test_key_and_marker() -> None:
    moment = datetime(2026, 3, 2, 10, 0, 0, 500_000, tzinfo=ZoneInfo("Europe/Paris"))
    key = notice_key("acme", "10001", moment, "ack")
    assert key == "acme/10001/2026-03-02T09:00:00Z/ack"  # UTC, to the second
    assert marker_for(key) == "rb-" + hashlib.sha256(key.encode()).hexdigest()[:10]
    assert len(marker_for(key)) == 13


def test_notices_for_a_ledger_end_with_their_marker() -> None:
    tickets = [ticket("1", at(2)), ticket("2", at(2, 10), OSCAR),
               ticket("3", at(2, 11), labels=["out-of-scope"]), ticket("4", at(2, 12),
                                                                        labels=["internal"])]
    found = ledger(tickets, quote={"rounds_included": 1})
    notices = notices_for(found, config(quote={"rounds_included": 1}))
    assert [(n.ticket_id, n.kind) for n in notices] == [
        ("1", "ack"), ("2", "ack"), ("2", "not_designated"), ("3", "out_of_scope")]
    for notice in notices:
        assert notice.key.startswith(f"acme/{notice.ticket_id}/2026-03-02T")
        assert notice.marker == marker_for(notice.key)
        assert notice.body.endswith("\n\n" + notice.marker)
        assert find_marker(notice.body) == notice.marker


def test_notices_whose_key_is_known_are_left_out() -> None:
    tickets = [ticket("1", at(2)), ticket("2", at(2, 10), OSCAR), ticket("3", at(2, 11))]
    cfg = config(quote={"rounds_included": 1})
    found = ledger(tickets, quote={"rounds_included": 1})
    every = notices_for(found, cfg)
    known = {every[0].key, every[2].key, "acme/9/2026-03-02T00:00:00Z/ack"}
    assert notices_for(found, cfg, skip=known) == [n for n in every if n.key not in known]
    assert notices_for(found, cfg, skip={n.key for n in every}) == []


def test_find_marker_reads_the_last_word() -> None:
    assert find_marker("Thanks\n\nrb-0123456789\n") == "rb-0123456789"
    assert find_marker("rb-0123456789") == "rb-0123456789"
    assert find_marker("see rb-0123456789 above\nthanks") is None
    assert find_marker("included in the quote. rb-0123456789") == "rb-0123456789"  # re-flowed
    assert find_marker("textrb-0123456789") is None
    assert find_marker("Thanks\nrb-01234567zz") is None
    assert find_marker("") is None


def test_ticket_text_cannot_change_the_comment_structure() -> None:
    sneaky = Ticket("1", "WEB-1\nrb-0000000000", "", "Logo\n\nrb-ffffffffff", "To Do", (),
                    at(2), at(2), CLAIRE)
    cfg = config(comments={"texts": {"ack": "{ticket} – {title}\n{requester}"}})
    (notice,) = notices_for(compute_ledger(LedgerInput((sneaky,), (), ()), cfg, at(3)), cfg)
    lines = notice.body.split("\n")
    assert lines[0] == "WEB-1 rb-0000000000 – Logo rb-ffffffffff"
    assert lines[-1] == notice.marker
    assert find_marker(notice.body) == notice.marker


def test_english_texts() -> None:
    # Friday 27 March 15:00 CET + 2 business days → Tuesday 31 March 15:00 CEST.
    tickets = [ticket("1", at(27, 14)), ticket("2", at(30, 14)),
               ticket("3", at(30, 15), labels=["out-of-scope"])]
    changes = [move("1", at(28), "To Do", "Done")]
    cfg = config(quote={"rounds_included": 1, "round_price": 300}, **PARIS)
    found = ledger(tickets, changes, now=at(30, 16),  # written before the due moments
                   quote={"rounds_included": 1, "round_price": 300}, **PARIS)
    ack, extra, scope = (n.body for n in notices_for(found, cfg))
    assert "revision round 1 of 1 in quote Q-1 (the last one included)" in ack
    assert "by Tuesday 31 March 2026 at 15:00 (CEST)" in ack
    assert "round 2, beyond the 1 rounds included in quote Q-1" in extra
    assert "billed at the round price of €300" in extra
    assert "not covered by quote Q-1" in scope and "new quote" in scope


def test_french_texts_and_hourly_billing() -> None:
    tickets = [ticket("1", at(27, 14)), ticket("2", at(30, 14), OSCAR),
               ticket("3", at(30, 15), labels=["out-of-scope"])]
    changes = [move("1", at(28), "To Do", "Done")]
    settings = {"language": "fr", "quote": {"rounds_included": 1, "hourly_rate": 72.5,
                                            "reference": ""}, **PARIS}
    found = ledger(tickets, changes, now=at(30, 16), **settings)
    ack, extra, undesignated, scope = (n.body for n in notices_for(found, config(**settings)))
    assert "l'aller-retour 1 sur 1 prévus dans le devis (c'est le dernier prévu)" in ack
    assert "d'ici le mardi 31 mars 2026 à 15h00 (CEST)" in ack
    assert "au-delà des 1 prévus dans le devis" in extra
    assert "au taux horaire de 72,50 €" in extra
    assert "interlocuteur désigné" in undesignated
    assert "n'est pas couverte par le devis" in scope and "nouveau devis" in scope


def test_client_overrides_with_placeholders() -> None:
    texts = {"ack": "Round {round}/{rounds_included} for {ticket}, {rounds_left} left.",
             "out_of_scope": "Hors devis {reference}."}
    cfg = config(comments={"texts": texts}, quote={"rounds_included": 3})
    found = ledger([ticket("1", at(2)), ticket("2", at(3), labels=["out-of-scope"])],
                   quote={"rounds_included": 3})
    ack, scope = notices_for(found, cfg)
    assert ack.body == f"Round 1/3 for WEB-1, 2 left.\n\n{ack.marker}"
    assert scope.body == f"Hors devis Q-1.\n\n{scope.marker}"
    assert validate_texts(cfg) == []


def test_bad_overrides_are_reported_and_fall_back_to_the_default() -> None:
    texts = {"ack": "Round {round} due {deadline}", "extra": "Round {round",
             "out_of_scope": "{title:d}", "not_designated": "{round.real}", "thanks": "hi"}
    cfg = config(comments={"texts": texts}, quote={"rounds_included": 0})
    problems = validate_texts(cfg)
    assert len(problems) == 5
    joined = "\n".join(problems)
    assert "[comments.texts] ack: unknown placeholder {deadline}" in joined
    assert "[comments.texts] extra: not a valid template" in joined
    assert "[comments.texts] out_of_scope: cannot be filled in" in joined
    assert "[comments.texts] not_designated: unknown placeholder {round.real}" in joined
    assert "[comments.texts] thanks: unknown notice kind" in joined
    found = ledger([ticket("1", at(2), OSCAR), ticket("2", at(3), labels=["out-of-scope"])],
                   quote={"rounds_included": 0})
    bodies = [n.body for n in notices_for(found, cfg)]
    assert bodies[0].startswith("Thank you, we have received this request. It falls in revision")
    assert bodies[1].startswith("Thank you for this request. As it does not come from")
    assert bodies[2].startswith("Thank you for this request. It is not covered by quote Q-1")


def test_due_moment_is_formatted_in_the_client_zone() -> None:
    moment = datetime(2026, 10, 27, 17, 0, tzinfo=UTC)
    assert format_moment(moment, ZoneInfo("Europe/Paris"), "fr") == (
        "mardi 27 octobre 2026 à 18h00 (CET)")
    assert format_moment(moment, ZoneInfo("America/New_York"), "en") == (
        "Tuesday 27 October 2026 at 13:00 (EDT)")


def test_an_ack_written_after_its_due_moment_promises_no_past_date() -> None:
    tickets = [ticket("1", at(27, 14)), ticket("2", at(30, 14), OSCAR)]
    for language, late, dated in (("en", "It is being handled.", "We will handle it by "),
                                  ("fr", "Elle est en cours de traitement.", "d'ici le")):
        settings = {"language": language, "quote": {"rounds_included": 1}, **PARIS}
        cfg = config(**settings)
        before = [n.body for n in notices_for(ledger(tickets, now=at(30, 16), **settings), cfg)]
        after = [n.body for n in notices_for(ledger(tickets, now=at(31, 15), **settings), cfg)]
        # ack of 1 due Tue 31 March 15:00 CEST (13:00 UTC): past at 15:00 UTC
        assert dated in before[0] and late not in before[0]
        assert late in after[0] and dated not in after[0] and "2026" not in after[0]
        # 2 (round 1 too: nothing was delivered) is due 1 April: not yet
        assert dated in after[1]


def test_a_client_text_is_used_late_only_when_it_writes_no_due_date() -> None:
    tickets = [ticket("1", at(2))]
    with_due = config(comments={"texts": {"ack": "Round {round}, done by {due}."}})
    without = config(comments={"texts": {"ack": "Round {round}, thanks!"}})
    late = ledger(tickets, now=at(20))
    (notice,) = notices_for(late, with_due)
    assert notice.body.startswith("Thank you, we have received this request.")
    assert "It is being handled." in notice.body
    (notice,) = notices_for(late, without)
    assert notice.body == f"Round 1, thanks!\n\n{notice.marker}"
    (notice,) = notices_for(ledger(tickets, now=at(2, 10)), with_due)
    assert notice.body.startswith("Round 1, done by Tuesday 3 March 2026 at 18:00")
