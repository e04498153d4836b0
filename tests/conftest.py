"""Shared fixtures.

* every test runs with its own config and data dirs (``XDG_*``), never the user's;
* ``toy_tracker`` registers the test-only ``toy`` connector (tests/toy_connector.py) through
  an entry point, as any installed package would;
* ``pg_url``: a PostgreSQL URL with a fresh schema of its own (skips without
  ``REVBRIDGE_TEST_PG``); ``store``: a migrated :class:`Store` on SQLite and on PostgreSQL;
* ``memory_keyring`` / ``no_keyring``: a working in-memory keyring, or none at all.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from keyring.backends import fail

import connectors
from bridge.store import Store
from tests.memory_keyring import MemoryKeyring
from tests.pg_schema import PG_ENV, pg_schema_url


@pytest.fixture(autouse=True)
def _fresh_budgets() -> Iterator[None]:
    """Every test starts with no credential budget from an earlier one (the registry is the
    process's; an in-process `sync` on PostgreSQL shares it through a store a test drops)."""
    from connectors.budgets import LIMITERS

    yield
    LIMITERS.share_with(None)
    LIMITERS.clear()


@pytest.fixture(autouse=True)
def _isolated_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.delenv("REVBRIDGE_CONFIG_DIR", raising=False)
    monkeypatch.delenv("REVBRIDGE_DB", raising=False)


@pytest.fixture
def toy_tracker(tmp_path: Path) -> Iterator[str]:
    """Register the ``toy`` connector the way any package does, through a
    ``revbridge.connectors`` entry point (a distribution's metadata on ``sys.path``);
    returns its name."""
    site = tmp_path / "toy-site"
    dist_info = site / "revbridge_toy-0.dist-info"
    dist_info.mkdir(parents=True)
    (dist_info / "METADATA").write_text("Metadata-Version: 2.1\nName: revbridge-toy\nVersion: 0\n")
    (dist_info / "entry_points.txt").write_text(
        "[revbridge.connectors]\ntoy = tests.toy_connector:ToyConnector\n"
    )
    sys.path.insert(0, str(site))
    connectors.rescan()
    yield "toy"
    sys.path.remove(str(site))
    connectors.rescan()


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A PostgreSQL URL whose ``search_path`` is a schema made for this test, dropped after."""
    if not os.environ.get(PG_ENV):
        pytest.skip(f"{PG_ENV} is not set")
    with pg_schema_url() as url:
        yield url


@pytest.fixture(params=["sqlite", pytest.param("pg", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.db'}"
    return str(request.getfixturevalue("pg_url"))


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    opened = Store.open(store_url)
    yield opened
    opened.close()


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture
def no_keyring() -> Iterator[None]:
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    yield
    keyring.set_keyring(previous)
