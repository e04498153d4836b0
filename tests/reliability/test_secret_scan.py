"""The secret scan finds a secret wherever it is (else a green scan would mean nothing)."""

from __future__ import annotations

import logging
import os
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.reliability import secret_scan, worlds

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


@pytest.mark.postgres
def test_the_scan_finds_a_secret_in_a_postgresql_store_before_its_schema_is_dropped() -> None:
    if not os.environ.get(worlds.PG_ENV):
        pytest.skip(f"{worlds.PG_ENV} is not set")
    worlds.SECRETS.add(SECRET)
    try:
        with worlds.pg_schema_url() as url:
            engine = create_engine(url)
            with engine.begin() as conn:
                conn.execute(text("CREATE TABLE runs (id integer, error text)"))
                conn.execute(text("INSERT INTO runs VALUES (1, :e)"),
                             {"e": f"HTTP 401 for token {SECRET}"})
            engine.dispose()
        found = list(worlds.DATABASE_LEAKS)
    finally:
        worlds.SECRETS.discard(SECRET)
        worlds.DATABASE_LEAKS.clear()  # planted on purpose: not a leak of this test
    assert [line for line in found if ".runs (rows)" in line], found
