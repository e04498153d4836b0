"""``revbridge report`` end to end: a synced story on a fake tracker, then each format, checked
against ``status --json``; the HTML opened in headless Chromium when it is installed."""

from __future__ import annotations

import csv
import io
import os
import shutil
import struct
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import connectors
from bridge.present.l10n import words
from tests.e2e import World, story_world
from tests.report_parsers import md_facts, md_tables, number, parse_html

CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture(scope="module")
def synced(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[World, Any]]:
    with story_world(connectors.names()[0], tmp_path_factory.mktemp("report")) as world:
        world.cli("sync", "demo")
        yield world, world.status()


def test_markdown_to_stdout_in_the_client_language(synced: tuple[World, Any]) -> None:
    world, status = synced
    text = world.cli("report", "demo").stdout
    w = words("en")
    facts = md_facts(text)
    assert facts[w["reference"]] == "DEV-2026-014"
    assert number(facts[w["hours_spent"]], "en") == round(status["hours_spent"], 2)
    assert number(facts[w["overage.amount"]], "en") == status["overage"]["amount"]
    tables = {t.heading: t for t in md_tables(text)}
    for found in status["rounds"]:
        table = tables[w["round"].format(number=found["number"])]
        assert [row[0].text for row in table.rows[:-1]] == found["requests"]
        assert number(table.rows[-1][-1].text, "en") == round(found["hours"], 2)
    scope = [r["ticket"] for r in status["requests"] if r["status"] == "out_of_scope"]
    assert [row[0].text for row in tables[w["out_of_scope"]].rows] == scope


def test_csv_file_in_french_matches_the_status(synced: tuple[World, Any],
                                                tmp_path: Path) -> None:
    world, status = synced
    target = tmp_path / "demo.csv"
    world.cli("report", "demo", "-o", str(target), "--language", "fr")  # format from the name
    rows = list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8"))))
    expected = [r for r in status["requests"] if r["status"] != "excluded"]
    assert [(r["ticket"], r["status"], r["round"]) for r in rows] == [
        (r["ticket"], r["status"], "" if r["round"] is None else str(r["round"]))
        for r in expected]
    assert [float(r["hours"]) for r in rows] == [r["hours"] for r in expected]


def test_bad_options_exit_2(synced: tuple[World, Any]) -> None:
    world, _ = synced
    for args in (("--format", "docx"), ("--language", "de"),
                 ("--from", "2026-03-10", "--to", "2026-03-01"), ("--from", "10/03/2026")):
        proc = world.cli("report", "demo", *args, check=False)
        assert proc.returncode == 2, (args, proc.stdout, proc.stderr)
        assert "Traceback" not in proc.stderr


def test_a_period_with_no_round_still_shows_the_ledger_totals(synced: tuple[World, Any]) -> None:
    world, status = synced
    text = world.cli("report", "demo", "--from", "2001-01-01", "--to", "2001-01-31").stdout
    w = words("en")
    facts = md_facts(text)
    assert int(facts[w["sub.rounds"]]) == 0 and number(facts[w["sub.hours"]], "en") == 0
    assert number(facts[w["hours_spent"]], "en") == round(status["hours_spent"], 2)
    assert w["no_rounds"] in text


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed")
def test_html_opens_in_headless_chromium(synced: tuple[World, Any], tmp_path: Path) -> None:
    world, status = synced
    page_path = tmp_path / "demo.html"
    world.cli("report", "demo", "--format", "html", "-o", str(page_path))
    page = parse_html(page_path.read_text(encoding="utf-8"))
    assert page.open_elements == []
    assert number(page.facts("overage")[words("en")["overage.amount"]], "en") == (
        status["overage"]["amount"])
    shot = tmp_path / "demo.png"
    proc = subprocess.run(
        [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
         "--no-first-run", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", f"--user-data-dir={tmp_path / 'profile'}", f"--screenshot={shot}",
         "--window-size=1200,1600", page_path.as_uri()],
        capture_output=True, text=True, timeout=120, check=False)
    assert shot.exists(), proc.stderr[-2000:]
    assert png_size(shot) == (1200, 1600)
    # a blank page compresses to a few kilobytes; text, tables and the chart do not
    assert shot.stat().st_size > 30_000
    keep = os.environ.get("REVBRIDGE_KEEP_SCREENSHOT")
    if keep:
        shutil.copy(shot, keep)
