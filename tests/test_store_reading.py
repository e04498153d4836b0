"""Reading ledgers without the writing machinery (``bridge/store/reading.py``): a SQLite store
read with ``sqlite3`` gives exactly what the full store gives, and anything unusual goes
through the full store."""

from __future__ import annotations

import os
import sqlite3
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from bridge.billing.invoices import to_row
from bridge.engine.invoicing import Invoice, Line
from bridge.store import Store
from bridge.store.invoices import add_invoice, void_invoice
from bridge.store.models import OutboxRow
from bridge.store.reading import LedgerReads, StoreLedgerReads, open_for_reading
from bridge.store.sqlite_reads import SqliteReads, store_file
from connectors.base import Comment, Person, StatusChange, Ticket, TicketBundle, TimeEntry
from tests.migrations import at_revision

T0 = datetime(2026, 3, 2, 9, 30, 15, 123456, tzinfo=UTC)
ANA = Person("acc-ana", "Ana <b>Client</b> ✓", "ana@client.example")
ME = Person("acc-me", "Me", None)


def bundle(tid: str, **extra: object) -> TicketBundle:
    ticket = Ticket(
        remote_id=tid, key=f"WEB-{tid}", url=f"https://t.example/WEB-{tid}",
        title=f"Ticket {tid} — «urgent» \x1b[31m", status="In Review",
        labels=("bug", "été"), created_at=T0, updated_at=T0 + timedelta(hours=5),
        requester=ANA, **extra,  # type: ignore[arg-type]
    )
    return TicketBundle(
        ticket=ticket,
        changes=(
            StatusChange(tid, T0 + timedelta(hours=1), ME, "To Do", "In Progress",
                         remote_id=f"h{tid}"),
            StatusChange(tid, T0 + timedelta(hours=2), ANA, "In Progress", "In Review"),
        ),
        comments=(Comment(f"c{tid}", tid, T0 + timedelta(minutes=3), ANA, "please ✓"),),
        time_entries=(
            TimeEntry(f"w{tid}", tid, T0 + timedelta(hours=2), ME, 5400),
            TimeEntry(f"t{tid}", tid, T0 + timedelta(hours=3), None, 600,
                      day=date(2026, 3, 1)),
        ),
    )


def notice(client: str, key: str, state: str, comment_id: str | None = None) -> OutboxRow:
    return OutboxRow(client=client, key=key, ticket_id="1", kind="received", marker=key,
                     body=f"text of {key}", state=state, remote_comment_id=comment_id)


def fill(store: Store) -> None:
    """Every kind of row ``status`` reads, with the values that are easy to get wrong."""
    store.save_bundles("acme", [
        bundle("2"), bundle("1", priority="High", custom_fields=(("Priority", "P1"),)),
        bundle("3"),
    ])
    store.mark_deleted("acme", ["3"])
    store.save_bundles("other", [bundle("9")])
    store.add_notices([notice("acme", "k1", "posted", "c-posted"), notice("acme", "k2", "held"),
                       notice("acme", "k3", "held"), notice("acme", "k4", "pending"),
                       notice("other", "k5", "held")])
    failed = store.start_run("acme")
    store.finish_run(failed.id, "failed", error="boom")
    ok = store.start_run("acme")
    store.finish_run(ok.id, "ok", counts={"tickets": 3})
    store.start_run("acme")  # still running
    line = Line("WEB-1", 12050, 0, 5400, 1)
    for number, through in (("2026-001", date(2026, 3, 2)), ("2026-002", date(2026, 3, 3))):
        add_invoice(store, to_row(Invoice(number, "acme", through, T0, (line,), "EUR")))
    void_invoice(store, "2026-001", "wrong rate", at=T0 + timedelta(days=2))


def everything(reads: LedgerReads, client: str) -> dict[str, object]:
    return {
        "records": reads.load_records(client),
        "records without comments": reads.load_records(client, comments=False),
        "notices": sorted(reads.notice_states(client)),
        "invoices": reads.invoices(client),
        "last run": reads.last_run(client),
        "last good run": reads.last_run(client, outcome="ok"),
        "last failed run": reads.last_run(client, outcome="failed"),
        "held": reads.held_counts([client, "nobody"]),
    }


@pytest.fixture
def filled(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    with Store.open(url) as store:
        fill(store)
    return url


def test_sqlite3_reads_what_the_store_reads(filled: str) -> None:
    light = SqliteReads.open(filled)
    assert light is not None
    with Store.open(filled) as store:
        full = StoreLedgerReads(store)
        for client in ("acme", "other", "never-synced"):
            assert everything(light, client) == everything(full, client), client
    light.close()


def test_the_values_come_back_as_the_models_give_them(filled: str) -> None:
    light = SqliteReads.open(filled)
    assert light is not None
    records = light.load_records("acme")
    first = records.tickets[0]
    assert (first.priority, first.custom_fields, first.labels) == ("High", (("Priority", "P1"),),
                                                                    ("bug", "été"))
    assert [t.deleted for t in records.tickets] == [False, False, True]
    assert {type(t.deleted) for t in records.tickets} == {bool}  # not 0 and 1
    assert first.created_at == T0 and first.created_at.tzinfo is UTC
    no_author = [e for e in records.time_entries if e.by is None]
    assert [(e.day, e.seconds) for e in no_author] == [(date(2026, 3, 1), 600)] * 3
    invoices = light.invoices("acme")
    assert [(i.number, i.void, i.total_cents) for i in invoices] == [
        ("2026-001", True, 12050), ("2026-002", False, 12050)]
    running = light.last_run("acme")
    assert running is not None and (running.outcome, running.finished_at) == ("running", None)
    assert light.held_counts(["acme", "other"]) == {"acme": 2, "other": 1}
    light.close()


def test_open_for_reading_takes_the_light_way_for_a_plain_sqlite_file(filled: str) -> None:
    with open_for_reading(filled) as reads:
        assert isinstance(reads, SqliteReads)
        assert reads.where() == filled


def test_a_read_only_store_is_read_the_light_way(filled: str) -> None:
    path = Path(filled.removeprefix("sqlite:///"))
    os.chmod(path, 0o400)
    try:
        with open_for_reading(filled) as reads:
            assert isinstance(reads, SqliteReads)
            assert reads.held_counts(["acme"]) == {"acme": 2}
    finally:
        os.chmod(path, 0o600)


@pytest.mark.parametrize("url", [
    "sqlite://", "sqlite:///:memory:", "sqlite:///file:x.db?mode=ro&uri=true",
    "sqlite:///a%20b.db", "postgresql+psycopg://postgres@127.0.0.1/test",
])
def test_urls_the_full_store_must_open(url: str) -> None:
    assert store_file(url) is None


def test_a_relative_or_home_path_is_the_file_it_names() -> None:
    assert store_file("sqlite:///rb.db") == Path("rb.db")
    assert store_file("sqlite:////var/rb.db") == Path("/var/rb.db")
    assert store_file("sqlite:///~/rb.db") == Path("~/rb.db").expanduser()


def test_a_missing_store_is_created_by_the_full_store(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'new.db'}"
    assert SqliteReads.open(url) is None
    with open_for_reading(url) as reads:
        assert isinstance(reads, StoreLedgerReads)
        assert reads.last_run("acme") is None
    assert SqliteReads.open(url) is not None  # created and migrated by the full store


def test_a_store_others_can_read_goes_through_the_full_store(filled: str,
                                                            caplog: pytest.LogCaptureFixture
                                                            ) -> None:
    path = Path(filled.removeprefix("sqlite:///"))
    os.chmod(path, 0o644)
    assert SqliteReads.open(filled) is None
    with open_for_reading(filled) as reads:
        assert isinstance(reads, StoreLedgerReads)
    assert path.stat().st_mode & 0o777 == 0o600  # the full store made it private
    assert "made private" in caplog.text


def test_an_empty_file_is_left_to_the_full_store_to_refuse(tmp_path: Path) -> None:
    path = tmp_path / "lost.db"
    path.touch(mode=0o600)
    assert SqliteReads.open(f"sqlite:///{path}") is None


def test_a_store_behind_the_newest_migration_is_migrated_first(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    with at_revision(url, "0007"):
        pass
    assert SqliteReads.open(url) is None
    with open_for_reading(url) as reads:
        assert isinstance(reads, StoreLedgerReads)
    assert SqliteReads.open(url) is not None


def test_a_file_that_is_no_database_is_left_to_the_full_store(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_text("not a database")
    path.chmod(0o600)
    assert SqliteReads.open(f"sqlite:///{path}") is None


def test_the_light_reader_never_writes(filled: str) -> None:
    light = SqliteReads.open(filled)
    assert light is not None
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        light.connection.execute("DELETE FROM tickets")
    light.close()


@pytest.mark.postgres
def test_postgresql_is_read_through_the_full_store(pg_url: str) -> None:
    with Store.open(pg_url) as store:
        fill(store)
    with open_for_reading(pg_url) as reads:
        assert isinstance(reads, StoreLedgerReads)
        assert reads.held_counts(["acme"]) == {"acme": 2}
        assert [i.number for i in reads.invoices("acme")] == ["2026-001", "2026-002"]
