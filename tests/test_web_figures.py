"""The dashboard's overview figures: money due (the billing summary), "late" as the clock
moves, figures saved between runs and used only while what they are made of is unchanged, and
a first view that does not wait for the background worker. On SQLite and PostgreSQL."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import tomli_w
from sqlalchemy import text
from starlette.testclient import TestClient

from bridge.billing.invoices import issue, summary
from bridge.store.derive import ledger_for
from bridge.store.invoices import void_invoice
from bridge.web import ledgers
from bridge.web.board import Board, ClientFile, ClientLine
from bridge.web.figures import Figures
from tests.web_world import WebWorld, web_world

LOCAL = "http://127.0.0.1"


@pytest.fixture
def ww(tmp_path: Path, store_url: str) -> Iterator[WebWorld]:
    with web_world(tmp_path, store_url=store_url) as found:
        yield found


def cell(page: str, slug: str, name: str) -> str:
    """The text of the overview's ``name`` cell in ``slug``'s row."""
    row = re.search(rf'data-client="{slug}">(.*?)</tr>', page, re.S)
    assert row, f"no row for {slug}"
    found = re.search(rf'<td class="num {name}[^"]*">(.*?)</td>', row.group(1), re.S)
    assert found, f"no {name} cell in {slug}'s row"
    return found.group(1).strip()


def fact(page: str, name: str) -> str:
    found = re.search(rf'<td id="fact-{name}"[^>]*>(.*?)</td>', page, re.S)
    assert found, f"no {name} fact"
    return found.group(1).strip()


def test_due_is_the_overage_not_invoiced_yet_and_follows_invoices(ww: WebWorld) -> None:
    with TestClient(ww.app(), base_url=LOCAL) as http:
        page = http.get("/?lang=en").text
        assert cell(page, "demo", "overage") == "€240.00"
        assert cell(page, "demo", "due") == "€240.00"  # nothing invoiced yet
        assert "Due (not invoiced yet)" in page
        french = http.get("/?lang=fr").text
        assert "Reste à facturer" in french
        assert re.fullmatch(r"240,00\s€", cell(french, "demo", "due"))
        client = http.get("/clients/demo?lang=en").text
        assert fact(client, "invoiced") == "nothing yet" and fact(client, "due") == "€240.00"

        today = datetime.now(UTC).astimezone(ww.config.zone).date()
        invoice = issue(ww.store, ww.config, today, number="T-1")
        assert invoice is not None and invoice.total_cents == 24000
        page = http.get("/?lang=en").text
        assert cell(page, "demo", "overage") == "€240.00"  # still beyond the quote...
        assert cell(page, "demo", "due") == "€0.00"  # ...but billed: nothing due
        client = http.get("/clients/demo?lang=en").text
        assert fact(client, "invoiced") == "€240.00" and fact(client, "due") == "€0.00"

        void_invoice(ww.store, "T-1", "sent to the wrong address")
        assert cell(http.get("/?lang=en").text, "demo", "due") == "€240.00"


def line_with(slug: str, figures: Figures) -> ClientLine:
    return ClientLine(ClientFile(Path(f"{slug}.toml"), slug, None, ()), figures, False, {},
                      None, None, None)


def test_money_due_comes_before_money_already_invoiced_in_the_order(ww: WebWorld) -> None:
    ledger = ledger_for(ww.store, ww.config)
    found = Figures.of(ledger, summary(ww.store, ledger))
    assert found.due_cents == 24000 and found.overage_amount == 240.0
    due = Figures(**{**found.as_json(), "pending_due": ()})
    invoiced = Figures(**{**due.as_json(), "pending_due": (), "due_cents": 0,
                          "invoiced_cents": 24000})
    lines = [line_with("aaa-invoiced", invoiced), line_with("zzz-due", due)]
    lines.sort(key=lambda line: tuple(-v for v in line.attention()))
    assert [line.slug for line in lines] == ["zzz-due", "aaa-invoiced"]


def test_late_counts_as_the_engine_does_at_any_moment(ww: WebWorld) -> None:
    now = datetime.now(UTC)
    ledger = ledger_for(ww.store, ww.config, now)
    figures = Figures.of(ledger, summary(ww.store, ledger))
    moments = sorted({r.due_at for r in ledger.requests if r.due_at is not None})
    assert moments, "the story has no request with a due moment"
    for moment in [moments[0] - timedelta(days=1), *moments, moments[-1] + timedelta(days=30)]:
        at = moment + timedelta(seconds=1)
        expected = len(ledger_for(ww.store, ww.config, at).late_requests)
        assert figures.late(at) == expected, at


def test_saved_figures_are_used_only_while_what_they_are_made_of_is_unchanged(
        ww: WebWorld, tmp_path: Path) -> None:
    saved = tmp_path / "figures.json"
    with TestClient(ww.app(figures_file=saved), base_url=LOCAL) as http:
        assert cell(http.get("/?lang=en").text, "demo", "due") == "€240.00"
    assert saved.stat().st_mode & 0o077 == 0  # the owner's only
    data = json.loads(saved.read_text())
    data["clients"]["demo"][1]["due_cents"] = 12345  # not what the store would give
    saved.write_text(json.dumps(data))

    with TestClient(ww.app(figures_file=saved), base_url=LOCAL) as http:  # a restart
        assert cell(http.get("/?lang=en").text, "demo", "due") == "€123.45"  # read back
        ww.world.fake.create_ticket("One more change", ww.world.story.client)
        assert ww.sync().outcome == "ok"  # a sync: derived again from the store
        assert cell(http.get("/?lang=en").text, "demo", "due") == "€240.00"

    data = json.loads(saved.read_text())
    data["clients"]["demo"][1]["due_cents"] = 12345
    saved.write_text(json.dumps(data))
    client_file = ww.world.config_dir / "demo.toml"
    client_file.write_text(client_file.read_text().replace('name = "', 'name = "Renamed '))
    with TestClient(ww.app(figures_file=saved), base_url=LOCAL) as http:  # file changed
        assert cell(http.get("/?lang=en").text, "demo", "due") == "€240.00"

    saved.write_text("{not json")  # a damaged cache is only a cache
    with TestClient(ww.app(figures_file=saved), base_url=LOCAL) as http:
        assert cell(http.get("/?lang=en").text, "demo", "due") == "€240.00"


def test_a_view_does_not_wait_for_the_background_worker(
        ww: WebWorld, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ledgers, "WORKER_YIELD", 120.0)  # it yields to requests until idle
    table = {"client": "calm", "name": "Aaron Calm", "tracker": {
        "type": "jira", "url": "http://127.0.0.1:9", "project": "CALM", "email": "a@b.example",
        "token": "env:NOTHING"}, "quote": {"rounds_included": 2, "hourly_rate": 50}}
    (ww.world.config_dir / "calm.toml").write_bytes(tomli_w.dumps(table).encode())
    app = ww.app()
    board: Board = app.state.dashboard.board
    with TestClient(app, base_url=LOCAL) as http:
        with board.figures.serving():  # as if a request were being answered meanwhile
            board.warm()  # start-up: one client derived at once, the others to the worker
            assert board.figures.busy
            page = http.get("/?lang=en").text
            assert 'class="client pending" data-client="calm"' in page
            assert "computing the figures" in page
            assert '<meta http-equiv="refresh"' in page  # it shows them when they are ready
        board.figures.wait(60)
        page = http.get("/?lang=en").text
        assert ' pending"' not in page and '<meta http-equiv="refresh"' not in page
        assert cell(page, "demo", "due") == "€240.00" and cell(page, "calm", "due") == "€0.00"


def test_figures_the_worker_cannot_derive_are_an_error_in_the_row_not_a_spinner(
        ww: WebWorld, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ledgers, "WORKER_YIELD", 120.0)
    app = ww.app()
    board: Board = app.state.dashboard.board
    with ww.store.engine.begin() as db:  # records the ledger needs, gone (the rest still read)
        db.execute(text("DROP TABLE time_entries"))
    with TestClient(app, base_url=LOCAL) as http:
        with board.figures.serving():
            board.overview(budget=0.0)  # every client to the worker, which waits for quiet
        board.figures.wait(60)
        page = http.get("/?lang=en").text
        assert page.count('data-client="demo"') == 1
        row = page[page.index('data-client="demo"'):]
        row = row[:row.index("</tr>")]
        assert "the figures could not be derived" in row and "time_entries" in row
        assert ' pending"' not in page and '<meta http-equiv="refresh"' not in page
