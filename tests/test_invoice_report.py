"""Invoices and who bills whom in the report (pure): listed by period, credits and corrections
labelled, the parties escaped like any other text."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from bridge.clientfile.schema import ClientDetails
from bridge.clientfile.settings import Freelancer
from bridge.engine.invoicing import Invoice, Line, summarize
from bridge.engine.ledger import Ledger
from bridge.present.report import Period, build_report, render
from tests.ledger_builders import at, ledger, move, spent, ticket
from tests.report_parsers import md_facts, md_tables, parse_html

ISSUED = datetime(2026, 4, 1, tzinfo=UTC)


def _ledger() -> Ledger:
    """Rounds 1-3 in March at 80/h, one included: rounds 2 and 3 extra, 1 h each."""
    tickets = [ticket(str(n), at(day)) for n, day in ((1, 2), (2, 4), (3, 16))]
    moves = [move(str(n), at(day, 15), "To Do", "In Review") for n, day in ((1, 2), (2, 4),
                                                                          (3, 16))]
    entries = [spent(str(n), at(day, 12), 3600) for n, day in ((1, 2), (2, 4), (3, 16))]
    return ledger(tickets, moves, entries, quote={"rounds_included": 1, "hourly_rate": 80})


def _invoices() -> list[Invoice]:
    first = Invoice("F-1", "acme", date(2026, 3, 10), ISSUED,
                    (Line("round:2", 12000, 0, 5400, 0),), "EUR")
    second = Invoice("F-2", "acme", date(2026, 3, 31), ISSUED,
                     (Line("round:2", -4000, 12000, 3600, 0), Line("round:3", 8000, 0, 3600, 0)),
                     "EUR")
    void = Invoice("F-0", "acme", date(2026, 3, 5), ISSUED, (Line("round:2", 8000, 0, 3600, 0),),
                   "EUR", voided_at=ISSUED, void_reason="typo")
    return [void, first, second]


def test_a_period_lists_the_invoices_whose_last_day_is_in_it() -> None:
    found = _ledger()
    billing = summarize(found, _invoices())
    assert (billing.invoiced_cents, billing.through, billing.due_cents) == (
        16000, date(2026, 3, 31), 0)
    zone = ZoneInfo("UTC")
    first_half = build_report(found, "en", Period(date(2026, 3, 1), date(2026, 3, 15), zone),
                              billing=billing)
    assert [i.number for i in first_half.invoices] == ["F-1"]  # never the void one
    text = render(build_report(found, "en", Period(date(2026, 3, 16), date(2026, 3, 31), zone),
                               billing=billing), "md")
    facts = md_facts(text)
    assert facts["Invoiced"] == "€160.00 (through 31 Mar 2026)"
    assert facts["Due (not invoiced yet)"] == "€0.00"
    (lines,) = [t for t in md_tables(text) if t.heading.startswith("Invoice F-2")]
    assert [[c.text for c in row] for row in lines.rows] == [
        ["Extra round 2", "1.00 h at €80.00/h, correction (billed before: €120.00), credit",
         "-€40.00"],
        ["Extra round 3", "1.00 h at €80.00/h", "€80.00"],
        ["Total", "", "€40.00"],
    ]


def test_who_bills_whom_is_shown_and_escaped() -> None:
    me = Freelancer(name="Mia <b>Studio</b>", address=["12 rue des Lilas"], vat_id="FR1")
    them = ClientDetails(legal_name="ACME | SAS", address=["1 place Bellecour"])
    report = build_report(_ledger(), "fr", freelancer=me, client_details=them)
    page = parse_html(render(report, "html"))
    facts = page.facts("parties")
    assert facts == {"Émetteur": "Mia <b>Studio</b>, 12 rue des Lilas", "N° TVA": "FR1",
                     "Facturé à": "ACME | SAS, 1 place Bellecour"}
    assert md_facts(render(report, "md"))["Facturé à"] == "ACME | SAS, 1 place Bellecour"
