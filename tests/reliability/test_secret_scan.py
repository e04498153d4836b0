"""The secret scan finds a secret wherever it is (else a green scan would mean nothing)."""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

from tests.reliability import secret_scan

SECRET = "rbsecret-planted-0123456789abcdef"


def test_the_scan_finds_a_secret_in_a_log_record_an_output_and_a_database(
        tmp_path: Path) -> None:
    record = logging.LogRecord("x", logging.DEBUG, __file__, 1, "GET /1/boards?token=%s",
                               (SECRET,), None)
    assert secret_scan.in_records([SECRET], [record])
    assert secret_scan.in_text([SECRET], "stdout", f"error: {SECRET}")
    planted = tmp_path / "planted"
    planted.mkdir()
    db = sqlite3.connect(planted / "store.db")
    db.execute("CREATE TABLE runs (error TEXT)")
    db.execute("INSERT INTO runs VALUES (?)", (f"HTTP 401 for token {SECRET}",))
    db.commit()
    db.close()
    found = secret_scan.in_files([SECRET], planted)
    assert any("(rows)" in line for line in found) and any("store.db:" in line for line in found)
    assert secret_scan.in_files(["not-there-at-all"], planted) == []
