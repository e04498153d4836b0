"""The secret scan of the reliability suite.

Every fake's token is registered in ``worlds.SECRETS``. After each test its log records (all
phases, setup, call and teardown, and all levels, DEBUG included: urllib3 logs every URL, and
Trello's token travels in the query) and
its standard output and error and every file it wrote (client files, CLI outputs, SQLite
databases, row by row) and every PostgreSQL schema it made (row by row, before it is
dropped) are searched for every token; at the end of the session, so are the
folders several tests share (``worlds.SHARED_FOLDERS``: module-wide stores).
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.pg_schema import PG_ENV
from tests.reliability import secret_scan, worlds
from tests.reliability.worlds import SECRETS, SHARED_FOLDERS


@pytest.fixture(params=["sqlite", pytest.param("pg", marks=pytest.mark.postgres)])
def store_backend(request: pytest.FixtureRequest) -> Iterator[str]:
    """Worlds of the test open their store on SQLite, then on PostgreSQL (skipped without
    ``$REVBRIDGE_TEST_PG``): ``pytestmark = pytest.mark.usefixtures("store_backend")``."""
    if request.param == "pg" and not os.environ.get(PG_ENV):
        pytest.skip(f"{PG_ENV} is not set")
    worlds.BACKEND = request.param
    yield request.param
    worlds.BACKEND = "sqlite"


@pytest.fixture
def pg_url() -> Iterator[str]:
    """The top-level ``pg_url`` (a schema of the test's own), searched for secrets before it
    is dropped like every schema of the reliability suite."""
    if not os.environ.get(worlds.PG_ENV):
        pytest.skip(f"{worlds.PG_ENV} is not set")
    with worlds.pg_schema_url() as url:
        yield url


@pytest.fixture(autouse=True)
def _no_secret_in_logs_output_or_files(caplog: pytest.LogCaptureFixture,
                                       capfd: pytest.CaptureFixture[str],
                                       tmp_path: Path) -> Iterator[None]:
    caplog.set_level(logging.DEBUG)
    yield
    out, err = capfd.readouterr()
    sys.stdout.write(out)  # still shown with the test's report
    sys.stderr.write(err)
    # ``caplog.records`` is this (teardown) phase's only; the test body logged in "call"
    records = [*caplog.get_records("setup"), *caplog.get_records("call"), *caplog.records]
    leaks = secret_scan.in_records(SECRETS, records)
    leaks += secret_scan.in_text(SECRETS, "stdout", out) + secret_scan.in_text(SECRETS, "stderr",
                                                                               err)
    leaks += secret_scan.in_files(SECRETS, tmp_path)
    leaks += worlds.DATABASE_LEAKS  # PostgreSQL schemas of the test, searched before dropped
    worlds.DATABASE_LEAKS.clear()
    assert not leaks, "\n".join(leaks)


@pytest.fixture(autouse=True, scope="session")
def _no_secret_in_any_file() -> Iterator[None]:
    yield
    leaks = [leak for folder in SHARED_FOLDERS for leak in secret_scan.in_files(SECRETS, folder)]
    assert not leaks, "\n".join(leaks)
