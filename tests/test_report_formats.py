"""Reports in Markdown, CSV and HTML: parsed back, their numbers checked against the ledger."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import replace
from datetime import date
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bridge.engine.ledger import Ledger
from bridge.present.l10n import words
from bridge.present.report import Period, build_report, render
from bridge.present.report.csv_export import COLUMNS
from tests.ledger_builders import CLAIRE, OSCAR, at, ledger, move, spent, ticket
from tests.report_parsers import md_facts, md_tables, number, parse_html

NASTY = ('</td></tr></table><script>alert(1)</script> | *bold* _it_ [x](javascript:alert(1)) '
         '\\| `code` "q" & <b>&amp;</b>\n# heading\n| --- |')
EVIL_URL = "javascript:alert(document.cookie)"
ODD_URL = "https://acme.example/browse/WEB-2?q=a b)c|d<e>"


def flat(text: str) -> str:
    """A title as one line: what Markdown and CSV show."""
    return re.sub(r"[\r\n\t\f\v\x1c-\x1f\x85\u2028\u2029]+", " ", text).strip()


def sample() -> Ledger:
    """Three rounds (one included), an out-of-scope request, an excluded one, a late one.

    Round 1: WEB-1 (2 Mar, delivered 3 Mar) with 1.5 h. Round 2: WEB-2 (Oscar, 5 Mar) with
    0.5 h and WEB-1 reopened, delivered 12 Mar. Round 3: WEB-4 (16 Mar), 2 h, never delivered.
    WEB-3 is out of scope (1 h), WEB-5 internal (excluded).
    """
    tickets = [
        replace(ticket("1", at(2)), title=NASTY),
        replace(ticket("2", at(5), OSCAR), url=ODD_URL, title="=HYPERLINK(\"http://x\")"),
        replace(ticket("3", at(6), labels=["out-of-scope"]), url=EVIL_URL),
        ticket("4", at(16)),
        ticket("5", at(7), labels=["internal"]),
    ]
    changes = [move("1", at(3), "To Do", "In Review"),
               move("1", at(5, 10), "In Review", "To Do", CLAIRE),
               move("1", at(12), "To Do", "Done"), move("2", at(12), "To Do", "Done")]
    entries = [spent("1", at(2, 12), 5400), spent("2", at(5, 12), 1800),
               spent("3", at(6, 12), 3600), spent("4", at(17, 12), 7200),
               spent("5", at(7, 12), 900)]
    return ledger(tickets, changes, entries, now=at(20), timezone="Europe/Paris",
                  quote={"rounds_included": 1, "round_price": 1250, "hours_included": 1,
                         "hourly_rate": 95.5})


@pytest.fixture(scope="module")
def book() -> Ledger:
    found = sample()
    # the scenario the tests rely on
    assert [len(r.requests) for r in found.rounds] == [1, 2, 1]
    assert found.overage.amount > 1000 and found.late_requests
    return found


def listed(found: Ledger) -> list:  # type: ignore[type-arg]
    return [r for r in found.requests if r.status != "excluded"]


@pytest.mark.parametrize("language", ["en", "fr"])
def test_markdown_tables_and_facts_hold_the_ledgers_numbers(book: Ledger, language: str) -> None:
    text = render(build_report(book, language), "md")  # type: ignore[arg-type]
    w = words(language)  # type: ignore[arg-type]
    facts = md_facts(text)
    assert re.findall(r"\d+", facts[w["rounds_used"]]) == [str(book.rounds_used),
                                                          str(book.rounds_included)]
    assert int(facts[w["extra_rounds"]]) == book.extra_rounds == 2
    assert number(facts[w["hours_spent"]], language) == round(book.hours_spent, 2)
    assert number(facts[w["overage.amount"]], language) == book.overage.amount
    assert number(facts[w["round_price"]], language) == 1250
    tables = {t.heading: t for t in md_tables(text)}
    overview = tables[w["rounds"]]
    assert [int(row[0].text) for row in overview.rows] == [r.number for r in book.rounds]
    assert [number(row[4].text, language) for row in overview.rows] == [
        round(r.hours, 2) for r in book.rounds]
    for found in book.rounds:
        table = tables[w["round"].format(number=found.number)]
        *rows, total = table.rows
        assert [row[0].text for row in rows] == [r.ticket for r in found.requests]
        assert [row[1].text for row in rows] == [flat(r.title)
                                                 for r in found.requests]
        assert [number(row[-1].text, language) for row in rows] == [
            round(r.hours, 2) for r in found.requests]
        assert number(total[-1].text, language) == round(found.hours, 2)
    scope = tables[w["out_of_scope"]]
    assert [row[0].text for row in scope.rows] == ["WEB-3"]
    assert scope.rows[0][0].href is None  # a javascript: address is never a link
    late = tables[w["late"]]
    assert [row[0].text for row in late.rows] == [r.ticket for r in book.late_requests]
    assert "WEB-5" not in text  # excluded (internal) tickets are not in a client's report


def test_markdown_link_addresses_cannot_end_early(book: Ledger) -> None:
    text = render(build_report(book, "en"), "md")
    (link,) = {c.href for t in md_tables(text) for row in t.rows for c in row
               if c.text == "WEB-2" and c.href}
    assert link == "https://acme.example/browse/WEB-2?q=a%20b%29c%7Cd%3Ce%3E"


def test_csv_has_one_row_per_request_with_the_ledgers_figures(book: Ledger) -> None:
    text = render(build_report(book, "fr"), "csv")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert tuple(rows[0]) == COLUMNS
    expected = listed(book)
    assert [(r["ticket"], r["kind"], r["status"]) for r in rows] == [
        (r.ticket, r.kind, r.status) for r in expected]
    for row, request in zip(rows, expected, strict=True):
        assert float(row["hours"]) == request.hours
        assert int(row["seconds"]) == request.seconds
        assert row["round"] == ("" if request.round is None else str(request.round))
        assert row["late"] == {None: "", True: "true", False: "false"}[request.late]
    counted = [r for r in rows if r["status"] == "counted"]
    assert sum(int(r["seconds"]) for r in counted) == book.seconds_spent
    assert {r["round_extra"] for r in counted if r["round"] in ("2", "3")} == {"true"}
    # a title never becomes a formula, and keeps its text on one line
    assert rows[1]["title"] == "'=HYPERLINK(\"http://x\")"
    assert rows[0]["title"] == flat(NASTY)
    assert rows[0]["requested_at"] == "2026-03-02T10:00:00+01:00"  # Europe/Paris


@pytest.mark.parametrize("language", ["en", "fr"])
def test_html_tables_hold_the_ledgers_numbers(book: Ledger, language: str) -> None:
    page = parse_html(render(build_report(book, language), "html"))  # type: ignore[arg-type]
    w = words(language)  # type: ignore[arg-type]
    assert page.open_elements == []  # every element closed: the titles broke nothing
    usage, overage = page.facts("usage"), page.facts("overage")
    assert re.findall(r"\d+", usage[w["rounds_used"]]) == ["3", "1"]
    assert number(usage[w["hours_spent"]], language) == round(book.hours_spent, 2)
    assert number(overage[w["overage.amount"]], language) == book.overage.amount
    assert number(overage[w["overage.hours"]], language) == round(book.overage.hours, 2)
    for found in book.rounds:
        table = page.table(f"round-{found.number}")
        assert [row[0].text for row in table.body] == [r.ticket for r in found.requests]
        assert [row[1].text for row in table.body] == [r.title for r in found.requests]
        assert [number(row[-1].text, language) for row in table.body] == [
            round(r.hours, 2) for r in found.requests]
        assert number(table.foot[0][-1].text, language) == round(found.hours, 2)
    assert [row[0].text for row in page.table("late-table").body] == [
        r.ticket for r in book.late_requests]
    assert [row[0].text for row in page.table("out_of_scope-table").body] == ["WEB-3"]


def test_html_is_self_contained_and_links_only_to_http(book: Ledger) -> None:
    text = render(build_report(book, "en"), "html")
    page = parse_html(text)
    assert not page.elements("script") and not page.elements("link")
    assert not page.elements("img") and not page.elements("iframe")
    assert all("src" not in attrs for _, attrs in page.tags)
    hrefs = [a["href"] for a in page.elements("a")]
    assert hrefs and all(h and h.startswith("https://") for h in hrefs)
    assert "WEB-3" not in str(hrefs) and EVIL_URL not in text
    (csp,) = [m for m in page.elements("meta") if m.get("http-equiv")]
    assert "default-src 'none'" in (csp["content"] or "")
    assert text.count("<svg") == 1


def test_chart_ends_on_the_ledgers_totals_against_the_limits(book: Ledger) -> None:
    page = parse_html(render(build_report(book, "en"), "html"))
    panels = {a["class"].split()[1]: a for a in page.elements("g")  # type: ignore[union-attr]
              if (a.get("class") or "").startswith("panel")}
    series = {a["class"].split()[1]: a for a in page.elements("polyline")}  # type: ignore[union-attr]
    limits = {a["class"].split()[1]: a for a in page.elements("line")  # type: ignore[union-attr]
              if (a.get("class") or "").startswith("limit")}
    finals = {"rounds": book.rounds_used, "hours": book.hours_spent}
    included = {"rounds": book.rounds_included, "hours": book.quote.hours_included}
    for name in ("rounds", "hours"):
        zero = float(panels[name]["data-zero"] or 0)
        points = [tuple(map(float, p.split(","))) for p in (series[name]["points"] or "").split()]
        xs, heights = [x for x, _ in points], [zero - y for _, y in points]
        assert xs == sorted(xs) and heights == sorted(heights)  # cumulative, in time order
        limit_height = zero - float(limits[name]["y1"] or 0)
        assert float(series[name]["data-final"] or 0) == pytest.approx(finals[name])
        # drawn to scale: the last height over the limit's height is total over included
        assert heights[-1] / limit_height == pytest.approx(finals[name] / included[name],
                                                           rel=1e-3)
    marks = [a for a in page.elements("circle") if "round-mark" in (a.get("class") or "")]
    assert [("extra" in (a["class"] or "")) for a in marks] == [r.extra for r in book.rounds]


def test_a_period_lists_its_rounds_and_keeps_the_ledgers_totals(book: Ledger) -> None:
    paris = ZoneInfo("Europe/Paris")
    # 4–10 March: round 2 opened on the 5th; WEB-3 (out of scope) was asked on the 6th
    report = build_report(book, "en", Period(date(2026, 3, 4), date(2026, 3, 10), paris))
    assert [r.number for r in report.rounds] == [2]
    assert report.subtotals is not None and report.subtotals.seconds == book.rounds[1].seconds
    text = render(report, "md")
    facts, w = md_facts(text), words("en")
    assert number(facts[w["hours_spent"]], "en") == round(book.hours_spent, 2)  # ledger total
    assert number(facts[w["overage.amount"]], "en") == book.overage.amount
    assert number(facts[w["sub.hours"]], "en") == round(book.rounds[1].hours, 2)
    assert int(facts[w["sub.rounds"]]) == 1 and int(facts[w["sub.extra"]]) == 1
    assert "whole quote" in text
    headings = {t.heading for t in md_tables(text)}
    assert w["round"].format(number=2) in headings
    assert w["round"].format(number=1) not in headings
    rows = list(csv.DictReader(io.StringIO(render(report, "csv"))))
    assert [(r["ticket"], r["round"]) for r in rows] == [("WEB-2", "2"), ("WEB-1", "2"),
                                                         ("WEB-3", "")]


def test_consecutive_periods_split_the_rounds_without_overlap(book: Ledger) -> None:
    paris = ZoneInfo("Europe/Paris")
    # days are inclusive: up to 3 March, 4–14 March, from 15 March
    reports = [
        build_report(book, "en", Period(None, date(2026, 3, 3), paris)),
        build_report(book, "en", Period(date(2026, 3, 4), date(2026, 3, 14), paris)),
        build_report(book, "en", Period(date(2026, 3, 15), None, paris)),
    ]
    numbers = [r.number for rep in reports for r in rep.rounds]
    assert numbers == [r.number for r in book.rounds]
    assert sum(rep.subtotals.seconds for rep in reports if rep.subtotals) == book.seconds_spent
    requests = [r for rep in reports for r in rep.requests]
    assert sorted(requests, key=lambda r: r.at) == sorted(listed(book), key=lambda r: r.at)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(title=st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1,
                     max_size=60).filter(lambda t: bool(flat(t)) and "\x00" not in t))
def test_no_title_breaks_any_format(title: str) -> None:
    found = ledger([replace(ticket("1", at(2)), title=title)], now=at(20))
    flat_title = flat(title)
    report = build_report(found, "en")
    (table,) = [t for t in md_tables(render(report, "md")) if t.heading == "Round 1"]
    first, _total = table.rows
    assert [c.text for c in first[:2]] == ["WEB-1", flat_title]
    page = parse_html(render(report, "html"))
    assert page.open_elements == []
    html_title = page.table("round-1").body[0][1].text
    assert html_title == title
    rows = list(csv.DictReader(io.StringIO(render(report, "csv"))))
    guarded = "'" + flat_title if flat_title[0] in "=+-@" else flat_title
    assert len(rows) == 1 and rows[0]["title"] == guarded
