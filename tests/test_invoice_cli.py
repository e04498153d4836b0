"""``revbridge invoice`` and the statement end to end: a synced story on a fake tracker, an
invoice, ``status --json``, the PDF read back as text (and its first page drawn), the Excel CSV,
and the refusals (exit 2)."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import tomli_w

import connectors
from bridge.present.report.csv_export import COLUMNS
from tests.e2e import World, story_world

FREELANCER = {"name": "Mia Lefèvre Studio", "address": ["12 rue des Lilas", "75011 Paris"],
              "email": "mia@studio.example", "company_id": "123 456 789 00012",
              "vat_id": "FR12345678901"}


def _today() -> str:
    return f"{datetime.now(ZoneInfo('Europe/Paris')):%Y-%m-%d}"


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    details = {"legal_name": "Atelier Demo SAS", "address": ["1 place Bellecour", "69002 Lyon"]}
    with story_world(connectors.names()[0], tmp_path, client_details=details) as found:
        found.cli("sync", "demo")
        settings = tmp_path / "revbridge.toml"
        settings.write_bytes(tomli_w.dumps({"freelancer": FREELANCER}).encode())
        found.settings = settings  # type: ignore[attr-defined]
        yield found


def _settings_env(world: World) -> dict[str, str]:
    return {"REVBRIDGE_SETTINGS": str(world.settings)}  # type: ignore[attr-defined]


def test_invoice_freezes_the_overage_and_status_shows_invoiced_and_due(world: World) -> None:
    before = world.status()
    assert before["invoiced"] == {"amount": 0.0, "through": None}
    assert before["due"] == before["overage"]["amount"] > 0
    dry = json.loads(world.cli("invoice", "demo", "--through", _today(), "--dry-run",
                               "--json").stdout)
    assert dry["dry_run"] and json.loads(world.cli("invoice", "list", "demo", "--json")
                                         .stdout) == []
    made = json.loads(world.cli("invoice", "demo", "--through", _today(), "--json").stdout)
    assert made["number"] == f"{_today()[:4]}-001"
    extra = [r["number"] for r in before["rounds"] if r["extra"]]
    assert [line["key"] for line in made["lines"]] == [f"round:{n}" for n in extra]
    assert made["total"] == before["overage"]["amount"]
    after = world.status()
    assert after["invoiced"] == {"amount": made["total"], "through": _today()}
    assert after["due"] == 0
    again = world.cli("invoice", "demo", "--through", _today())
    assert "Nothing to invoice" in again.stdout
    terminal = world.cli("status", "demo").stdout
    assert "Invoiced" in terminal and "Due (not invoiced yet)" in terminal
    world.cli("invoice", "void", made["number"], "--reason", "wrong address")
    shown = json.loads(world.cli("invoice", "show", made["number"], "--json").stdout)
    assert shown["void"] and shown["void_reason"] == "wrong address"
    refused = world.cli("invoice", "demo", "--through", _today(), "--number", made["number"],
                        check=False)
    assert refused.returncode == 2 and "already used" in refused.stderr
    odd = world.cli("invoice", "demo", "--through", _today(), "--number", "[red]x y", check=False)
    assert odd.returncode == 2 and "an invoice number is" in odd.stderr
    assert world.status()["due"] == made["total"]  # the void invoice is due again


def _raise_hours_used(world: World, hours_included: float) -> None:
    path = world.config_dir / "demo.toml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("hours_included = 6", f"hours_included = {hours_included}"),
                    encoding="utf-8")


def test_the_pdf_statement_names_who_bills_whom_the_invoice_and_every_round(
        world: World, tmp_path: Path) -> None:
    from pypdf import PdfReader

    world.cli("invoice", "demo", "--through", _today(), "--number", "F-2026-17")
    _raise_hours_used(world, 4)  # 4.5 h in the included rounds: half an hour is now due
    status = world.status()
    assert status["due"] == 40.0
    target = tmp_path / "statement.pdf"
    world.cli("report", "demo", "-o", str(target), env=_settings_env(world))
    reader = PdfReader(target)
    text = " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)
    assert reader.pages[0].mediabox.width == pytest.approx(595.28, abs=0.5)  # A4
    for expected in (FREELANCER["name"], FREELANCER["company_id"], "Atelier Demo SAS",
                     "F-2026-17", "Due (not invoiced yet) €40.00"):
        assert expected in text, expected
    for found in status["rounds"]:
        assert f"Round {found['number']}" in text
    assert f"1 / {len(reader.pages)}" in text  # page numbers
    assert "Rounds and hours used over time" in text
    assert not any(page.images for page in reader.pages)  # the chart is drawn as vectors
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm is None:
        pytest.skip("poppler-utils is not installed: the first page is not drawn")
    subprocess.run([pdftoppm, "-r", "60", "-f", "1", "-l", "1", "-png", str(target),
                    str(tmp_path / "page")], check=True, timeout=60)
    page = tmp_path / "page-1.png"
    assert page.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert page.stat().st_size > 20_000  # a blank page compresses to a few kilobytes


def test_pdf_without_the_extra_says_how_to_install_it(world: World, tmp_path: Path) -> None:
    # as when WeasyPrint is not installed: importing it fails
    code = ("import sys; sys.modules['weasyprint'] = None; sys.argv[0] = 'revbridge'; "
            "from bridge.cli import main; main()")
    target = tmp_path / "statement.pdf"
    proc = subprocess.run([sys.executable, "-c", code, "report", "demo", "-o", str(target)],
                          env=world.env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2, proc.stderr
    assert "pip install 'revbridge[pdf]'" in proc.stderr and "libpango" in proc.stderr
    assert "Traceback" not in proc.stderr and not target.exists()


REFUSED = [
    (("-o", "{tmp}/x.docx"), ".docx is no report format"),
    (("-o", "{tmp}/statement"), "no extension is no report format"),
    (("--format", "csv", "-o", "{tmp}/x.pdf"), "make them agree"),
    (("-o", "{tmp}/missing/x.pdf"), "does not exist"),
    (("--excel", "-o", "{tmp}/x.md"), "--excel is for CSV"),
]


def test_output_names_that_do_not_fit_exit_2(world: World, tmp_path: Path) -> None:
    for args, message in REFUSED:
        proc = world.cli("report", "demo", *(a.format(tmp=tmp_path) for a in args),
                         check=False)
        assert proc.returncode == 2, (args, proc.stdout)
        assert message in proc.stderr and "Traceback" not in proc.stderr
        assert len(proc.stderr.strip().splitlines()) == 1
    assert not any(p.is_file() and p.name.startswith(("x.", "statement"))
                   for p in tmp_path.iterdir())


def _rows(text: str, delimiter: str) -> list[dict[str, Any]]:
    return list(csv.DictReader(io.StringIO(text), delimiter=delimiter))


def test_excel_csv_has_the_same_columns_with_semicolons_and_decimal_commas(
        world: World, tmp_path: Path) -> None:
    machine = world.cli("report", "demo", "--format", "csv").stdout
    world.cli("report", "demo", "--excel", "-o", str(tmp_path / "x.csv"))
    data = (tmp_path / "x.csv").read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    excel = _rows(data.decode("utf-8-sig"), ";")
    assert list(excel[0]) == list(COLUMNS)
    plain = _rows(machine, ",")
    assert [r["ticket"] for r in excel] == [r["ticket"] for r in plain]
    assert [r["hours"] for r in excel] == [r["hours"].replace(".", ",") for r in plain]
    assert any("," in r["hours"] for r in excel)
    settings = Path(world.settings)  # type: ignore[attr-defined]
    settings.write_bytes(tomli_w.dumps({"report": {"csv": "excel-fr"}}).encode())
    by_setting = world.cli("report", "demo", "-f", "csv", env=_settings_env(world)).stdout
    assert by_setting.startswith("\ufeff") and ";" in by_setting.splitlines()[0]


def test_config_check_validates_the_settings_file(world: World) -> None:
    settings = Path(world.settings)  # type: ignore[attr-defined]
    assert f"OK  {settings}" in world.cli("config", "check", env=_settings_env(world)).stdout
    settings.write_text('[freelancer]\nname = "Mia"\nsiret = "1"\n[report]\ncsv = "excel"\n',
                        encoding="utf-8")
    proc = world.cli("config", "check", env=_settings_env(world), check=False)
    assert proc.returncode == 2
    assert f"{settings}: [freelancer] siret: unknown key" in proc.stdout
    assert f"{settings}: [report] csv:" in proc.stdout
    report = world.cli("report", "demo", env=_settings_env(world), check=False)
    assert report.returncode == 2 and "[freelancer] siret" in report.stderr
