"""A client page's extras: the PDF statement when WeasyPrint is installed (and how to get it
when not), and the notices a first sync recorded as skipped, listed read-only."""

from __future__ import annotations

import io
import re
import sys
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from tests.web_world import XSS_TITLE, web_world

LOCAL = "http://127.0.0.1"


def pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


def test_the_pdf_statement_downloads_and_reads_back(tmp_path: Path) -> None:
    pytest.importorskip("weasyprint", reason="the pdf extra is not installed")
    with web_world(tmp_path) as ww, TestClient(ww.app(), base_url=LOCAL) as http:
        page = http.get("/clients/demo?lang=en").text
        assert 'href="/clients/demo/report.pdf?lang=en"' in page
        assert "revbridge[pdf]" not in page
        pdf = http.get("/clients/demo/report.pdf?lang=en")
        assert pdf.status_code == 200, pdf.text[:300]
        assert pdf.headers["content-type"] == "application/pdf"
        assert 'filename="demo-report.pdf"' in pdf.headers["content-disposition"]
        assert pdf.content.startswith(b"%PDF-")
        text = pdf_text(pdf.content)
        assert ww.config.name in text
        assert "Round 1" in text
        assert "Due (not invoiced yet) €240.00" in text  # the statement revbridge report writes


def test_without_weasyprint_the_page_says_how_to_get_pdf(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "weasyprint", None)  # as when it is not installed
    with web_world(tmp_path) as ww, TestClient(ww.app(), base_url=LOCAL) as http:
        page = http.get("/clients/demo?lang=en").text
        assert "report.pdf" not in page and "report.html" in page
        assert "pip install 'revbridge[pdf]'" in page.replace("&#39;", "'")
        french = http.get("/clients/demo?lang=fr").text
        assert "Installez-le avec pip install" in french
        refused = http.get("/clients/demo/report.pdf")
        assert refused.status_code == 409 and "libpango" in refused.text


def test_notices_the_first_sync_skipped_are_listed_read_only(tmp_path: Path) -> None:
    # every request made before [comments] since: the first sync posts and holds nothing
    with web_world(tmp_path, since="2099-01-01T00:00:00") as ww, \
            TestClient(ww.app(), base_url=LOCAL) as http:
        skipped = ww.store.outbox("demo", ("skipped",))
        assert skipped and not ww.store.outbox("demo", ("held", "pending"))
        page = http.get("/clients/demo?lang=en").text
        assert (f"{len(skipped)} notice(s) never posted: the first sync recorded them as "
                "skipped") in page
        assert 'href="/clients/demo/outbox#skipped-notices"' in page
        outbox = http.get("/clients/demo/outbox?lang=en").text
        assert "No notice is waiting for review." in outbox
        section = outbox[outbox.index('<section id="skipped-notices">'):]
        assert f"({len(skipped)})" in section and "revbridge outbox approve demo --id N" in section
        assert all(f'id="notice-{row.id}"' in section for row in skipped)
        assert "<form" not in section and "<textarea" not in section  # read-only
        assert XSS_TITLE not in outbox and "&lt;script&gt;" in section  # titles escaped
        french = http.get("/clients/demo/outbox?lang=fr").text
        assert re.search(r"Non publiés : mis de côté par la première synchro", french)
        assert [row.state for row in ww.store.outbox("demo", ("skipped",))] == \
            ["skipped"] * len(skipped)


def test_statements_name_the_freelancer_of_the_settings_file(tmp_path: Path) -> None:
    settings = tmp_path / "revbridge.toml"
    settings.write_text('[freelancer]\nname = "Mia Lefèvre Studio"\ncompany_id = "123 456"\n',
                        encoding="utf-8")
    with web_world(tmp_path) as ww, \
            TestClient(ww.app(settings=settings), base_url=LOCAL) as http:
        statement = http.get("/clients/demo/report.html?lang=en")
        assert statement.status_code == 200
        assert "Mia Lefèvre Studio" in statement.text and "123 456" in statement.text
        assert "Due (not invoiced yet)" in statement.text
        settings.write_text("[freelancer]\nname = 3\n")  # a problem: said, not a crash
        refused = http.get("/clients/demo/report.md")
        assert refused.status_code == 409 and str(settings) in refused.text
