"""Priority and waiting on the client in every read-out: status --json, the status tables,
explain, the Markdown, CSV and HTML reports (tracker strings escaped everywhere)."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from zoneinfo import ZoneInfo

from rich.console import Console

from bridge.engine.ledger import Ledger
from bridge.present import l10n
from bridge.present.ledger_view import explain, ledger_to_json, render_status
from bridge.present.report import build_report, render
from connectors.base import StatusMap, TrackerSettings
from tests.ledger_builders import CLAIRE, at, ledger, move, ticket
from tests.report_parsers import md_tables, number, parse_html

WAITING = "Waiting for client"
TRACKER = TrackerSettings(type="test", token="env:TOKEN", statuses=StatusMap(
    open=("To Do",), in_progress=("In Progress",), delivered=("In Review",), done=("Done",),
    waiting=(WAITING,)))
NASTY_PRIORITY = "[bold]=1+1|*x*</td><b>\x1b]0;owned\x07"


def sample(now_day: int = 20) -> Ledger:
    """WEB-1 (High, 1d): waited 9 h (Mon 12:00 to Tue 12:00) and was delivered Tue 17:00, on
    time. WEB-2 (two priority labels): late on Wednesday, then waited 1 h. WEB-3 (a nasty
    priority) waits since Thursday 10:00. WEB-4 has no priority."""
    tickets = [replace(ticket("1", at(2)), priority="High"),
               ticket("2", at(2), labels=["minor", "urgent"]),
               replace(ticket("3", at(5)), priority=NASTY_PRIORITY),
               ticket("4", at(16))]
    changes = [move("1", at(2, 12), "To Do", WAITING),
               move("1", at(3, 12), WAITING, "In Progress", CLAIRE),
               move("1", at(3, 17), "In Progress", "In Review"),
               move("2", at(4, 10), "To Do", WAITING),
               move("2", at(4, 11), WAITING, "In Review", CLAIRE),
               move("3", at(5, 10), "To Do", WAITING)]
    return ledger(tickets, changes, now=at(now_day), tracker=TRACKER,
                  sla={"priorities": {"High": "1d", "urgent": "4h", "minor": "3d"},
                       "priority_labels": ["urgent", "minor"]})


def test_status_json_requests_gain_priority_and_waiting_hours() -> None:
    requests = {r["ticket"]: r for r in ledger_to_json(sample(), None)["requests"]}
    assert (requests["WEB-1"]["priority"], requests["WEB-1"]["waiting_hours"]) == ("High", 9.0)
    assert requests["WEB-1"]["due_at"] == "2026-03-03T18:00:00Z"  # Mon 18:00 + 9 h
    assert requests["WEB-1"]["late"] is False
    assert (requests["WEB-2"]["priority"], requests["WEB-2"]["waiting_hours"]) == ("urgent", 1.0)
    assert requests["WEB-2"]["late"] is True
    assert requests["WEB-3"]["priority"] == NASTY_PRIORITY  # JSON carries the text as it is
    assert requests["WEB-3"]["late"] is False
    assert (requests["WEB-4"]["priority"], requests["WEB-4"]["waiting_hours"]) == (None, 0.0)


def render_text(renderable: object) -> str:
    console = Console(record=True, width=200, color_system=None)
    console.print(renderable)
    return console.export_text()


def test_the_status_shows_what_waits_on_the_client_and_the_priorities() -> None:
    text = render_text(render_status(sample()))
    assert "Waiting on the client (SLA clock stopped)" in text
    waiting_line = next(line for line in text.splitlines() if "WEB-3" in line)
    assert "[bold]=1+1|*x*</td><b>" in waiting_line  # shown as written, never as markup
    assert "\x1b" not in text and "owned" not in text
    assert "2026-03-05 10:00" in waiting_line and "98.00 h" in waiting_line
    late_line = next(line for line in text.splitlines() if "WEB-2" in line)
    assert "urgent" in late_line and "1.00 h" in late_line


def test_explain_says_the_priority_its_handling_time_and_how_waiting_moved_the_due_date() -> None:
    text = explain(sample(), "WEB-1")
    assert ("priority High: handled within 1 business day ([sla.priorities], else "
            "handle_within)") in text
    assert ("due moved by 9.00 h: waited for the client from 2 Mar 2026 12:00 to "
            "3 Mar 2026 12:00") in text
    assert "due: 2026-03-03 18:00 (on time)" in text


def test_explain_says_which_of_two_priority_labels_won_and_a_wait_once_late() -> None:
    text = explain(sample(), "WEB-2")
    assert ("priority urgent: handled within 4 business hours ([sla.priorities], else "
            "handle_within) (labels urgent, minor are all priorities: the shortest handling "
            "time wins)") in text
    assert ("waited for the client from 4 Mar 2026 10:00 to 4 Mar 2026 11:00 (1.00 h), once "
            "already due: the due date stays") in text


def test_explain_of_a_request_without_priority_still_waiting_is_terminal_safe() -> None:
    assert ("no priority: handled within 2 business days ([sla] handle_within)"
            in explain(sample(), "WEB-4"))
    text = explain(sample(), "WEB-3")
    assert "from 5 Mar 2026 10:00 (still waiting)" in text
    assert "\x1b" not in text and "\x07" not in text


def test_the_waiting_and_priority_sentences_read_in_french() -> None:
    request = next(r for r in sample().requests if r.ticket == "WEB-1")
    zone = ZoneInfo("Europe/Paris")
    assert l10n.waiting_line(request.waits, request.waiting_hours, request.paused_hours, zone,
                             "fr") == ("échéance repoussée de 9,00 h : en attente du client "
                                       "du 02/03/2026 13:00 au 03/03/2026 13:00")
    assert l10n.priority_line("Haute", "1d", (), "fr") == (
        "priorité Haute : traitée sous 1 jour ouvré ([sla.priorities], sinon handle_within)")
    assert l10n.business_time("4h", "fr") == "4 heures ouvrées"
    assert l10n.business_time("2d", "en") == "2 business days"


def test_reports_gain_priority_and_waiting_columns_with_escaped_priorities() -> None:
    found = sample()
    report = build_report(found, "en")
    rows = {r["ticket"]: r for r in csv.DictReader(io.StringIO(render(report, "csv")))}
    assert (rows["WEB-1"]["priority"], float(rows["WEB-1"]["waiting_hours"])) == ("High", 9.0)
    assert rows["WEB-3"]["priority"].startswith("[bold]=1+1")
    excel = render(report, "csv", excel=True).removeprefix("\ufeff")
    excel_rows = {r["ticket"]: r for r in csv.DictReader(io.StringIO(excel), delimiter=";")}
    assert excel_rows["WEB-1"]["waiting_hours"] == "9,0"
    tables = {t.heading: t for t in md_tables(render(report, "md"))}
    w = l10n.words("en")
    first = tables[w["round"].format(number=1)]
    assert w["col.priority"] in first.headers and w["col.waiting"] in first.headers
    cells = {row[0].text: row for number_ in (1, 2)
             for row in tables[w["round"].format(number=number_)].rows}
    at_priority = first.headers.index(w["col.priority"])
    at_waiting = first.headers.index(w["col.waiting"])
    assert cells["WEB-1"][at_priority].text == "High"
    assert number(cells["WEB-1"][at_waiting].text, "en") == 9.0
    assert cells["WEB-3"][at_priority].text.startswith("[bold]=1+1|*x*</td><b>")
    page = parse_html(render(build_report(found, "fr"), "html"))
    assert page.open_elements == []  # the priority's markup broke nothing
    html_rows = {row[0].text: row for name in ("round-1", "round-2")
                 for row in page.table(name).body}
    assert html_rows["WEB-3"][at_priority].text.startswith("[bold]=1+1|*x*</td><b>")
    assert number(html_rows["WEB-1"][at_waiting].text, "fr") == 9.0
    late = page.table("late-table")
    assert [row[0].text for row in late.body] == ["WEB-2", "WEB-4"]
    late_headers = [cell.text for cell in late.head[0]]
    web2 = late.body[0]
    assert web2[late_headers.index(l10n.words("fr")["col.priority"])].text == "urgent"
    assert number(web2[late_headers.index(l10n.words("fr")["col.waiting"])].text, "fr") == 1.0
