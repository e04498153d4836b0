"""The store on SQLite and (with REVBRIDGE_TEST_PG) PostgreSQL."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import textwrap
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from bridge.store import ClientRecords, NoticeState, Store
from bridge.store.derive import OutboxIndex
from bridge.store.models import OutboxRow, TicketRow
from bridge.store.rows import change_id
from connectors.base import Comment, Person, StatusChange, Ticket, TicketBundle, TimeEntry
from connectors.errors import ConfigError, LockTimeout, StoreError
from tests.migrations import at_revision
from tests.store_reads import bridge_comment_ids, run_count

T0 = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
PARIS = timezone(timedelta(hours=1))
ANA = Person("acc-ana", "Ana Client", "ana@client.example")
ME = Person("acc-me", "Me", None)


def bundle(tid: str, *, labels: tuple[str, ...] = ("bug",), comments: int = 2) -> TicketBundle:
    ticket = Ticket(
        remote_id=tid,
        key=f"WEB-{tid}",
        url=f"https://t.example/WEB-{tid}",
        title=f"Ticket {tid}",
        status="In Review",
        labels=labels,
        created_at=T0,
        updated_at=T0 + timedelta(hours=5),
        requester=ANA,
    )
    return TicketBundle(
        ticket=ticket,
        changes=(
            StatusChange(
                tid, T0 + timedelta(hours=1), ME, "To Do", "In Progress", remote_id=f"h{tid}"
            ),
            # no tracker id: the store derives one; a non-UTC time reads back as the same instant
            StatusChange(
                tid, datetime(2026, 3, 2, 13, 0, tzinfo=PARIS), ME, "In Progress", "In Review"
            ),
        ),
        comments=tuple(
            Comment(f"c{tid}-{n}", tid, T0 + timedelta(minutes=n), ANA, f"please fix {n} ✓")
            for n in range(comments)
        ),
        time_entries=(TimeEntry(f"w{tid}", tid, T0 + timedelta(hours=2), ME, 5400),),
    )


def as_utc(records: ClientRecords) -> list[object]:
    return [*records.tickets, *records.changes, *records.comments, *records.time_entries]


def test_round_trip_gives_back_the_records_in_utc(store: Store) -> None:
    bundles = [bundle("2"), bundle("1")]
    store.save_bundles("acme", bundles)
    got = store.load_records("acme")
    assert got.tickets == (bundles[1].ticket, bundles[0].ticket)  # ordered by remote id
    assert set(got.changes) == {c for b in bundles for c in b.changes}
    assert set(got.comments) == {c for b in bundles for c in b.comments}
    assert set(got.time_entries) == {e for b in bundles for e in b.time_entries}
    for record in as_utc(got):
        for name in ("at", "created_at", "updated_at"):
            value = getattr(record, name, None)
            if value is not None:
                assert value.tzinfo is UTC
    derived = [c for c in got.changes if c.remote_id == ""]
    assert [c.at for c in derived] == [datetime(2026, 3, 2, 12, 0, tzinfo=UTC)] * 2
    assert change_id(derived[0]).endswith("@2026-03-02T12:00:00+00:00@In Review")


def test_records_without_comments_for_the_ledger(store: Store) -> None:
    store.save_bundles("acme", [bundle("1"), bundle("2")])
    everything = store.load_records("acme")
    assert everything.comments
    lean = store.load_records("acme", comments=False)
    assert lean == ClientRecords(everything.tickets, everything.changes, (),
                                 everything.time_entries)


def test_time_entries_keep_their_day_and_may_have_no_author(store: Store) -> None:
    entries = (
        # logged a day late for 2 March; a task's total time, with no author
        TimeEntry("a1", "1", T0 + timedelta(days=1), ME, 600, date(2026, 3, 2)),
        TimeEntry("1:actual", "1", T0 + timedelta(hours=5), None, 7200),
    )
    store.save_bundles("acme", [TicketBundle(bundle("1").ticket, time_entries=entries)])
    assert store.load_records("acme").time_entries == entries[::-1]  # by ticket, time, id
    newer = TimeEntry("1:actual", "1", T0 + timedelta(hours=9), None, 9000)
    store.save_bundles("acme", [TicketBundle(bundle("1").ticket, time_entries=(newer,))])
    assert store.load_records("acme").time_entries == (newer,)  # the new total replaces it


def test_saving_a_bundle_replaces_the_ticket_history(store: Store) -> None:
    store.save_bundles("acme", [bundle("1", comments=3), bundle("2")])
    newer = bundle("1", labels=("bug", "round-2"), comments=1)
    store.save_bundles("acme", [newer])
    got = store.load_records("acme")
    assert [t.labels for t in got.tickets] == [("bug", "round-2"), ("bug",)]
    assert [c.remote_id for c in got.comments] == ["c1-0", "c2-0", "c2-1"]
    assert len(got.changes) == 4 and len(got.time_entries) == 2


def test_a_record_that_moved_ticket_keeps_one_row(store: Store) -> None:
    store.save_bundles("acme", [bundle("1")])
    moved = Comment("c1-0", "2", T0, ANA, "moved with its ticket")
    store.save_bundles("acme", [TicketBundle(bundle("2").ticket, comments=(moved, moved))])
    comments = store.load_records("acme").comments
    assert [(c.remote_id, c.ticket_id) for c in comments] == [("c1-1", "1"), ("c1-0", "2")]


def test_comments_of_some_tickets(store: Store) -> None:
    store.save_bundles("acme", [bundle("1", comments=3), bundle("2"), bundle("3")])
    store.save_bundles("beta", [bundle("1")])
    every = store.load_records("acme").comments
    assert store.comments("acme", ["3", "1", "9"]) == tuple(
        c for c in every if c.ticket_id in {"1", "3"})
    assert store.comments("acme", []) == ()


def test_rows_are_scoped_by_client(store: Store) -> None:
    store.save_bundles("acme", [bundle("1")])
    store.save_bundles("beta", [bundle("1", comments=0)])
    store.save_bundles("beta", [])
    assert len(store.load_records("acme").comments) == 2
    assert store.load_records("beta").comments == ()
    assert store.mark_deleted("beta", ["1"]) == 1
    assert store.load_records("acme").tickets[0].deleted is False
    assert store.load_records("nobody") == ClientRecords((), (), (), ())


def test_mark_deleted_and_back(store: Store) -> None:
    store.save_bundles("acme", [bundle("1"), bundle("2")])
    assert store.mark_deleted("acme", ["2", "404"]) == 1
    assert store.mark_deleted("acme", ["2"]) == 0
    assert [t.deleted for t in store.load_records("acme").tickets] == [False, True]
    assert store.live_ticket_ids("acme") == {"1"} and store.live_ticket_ids("beta") == set()
    store.save_bundles("acme", [bundle("2")])  # seen again on the tracker: live again
    assert [t.deleted for t in store.load_records("acme").tickets] == [False, False]


def test_one_transaction_for_records_and_cursor(store: Store) -> None:
    with pytest.raises(RuntimeError), store.session() as session:
        store.save_bundles("acme", [bundle("1")], session=session)
        store.set_cursor("acme", "2026-03-02T14:00:00Z", session=session)
        raise RuntimeError("the page failed halfway")
    assert store.load_records("acme").tickets == ()
    assert store.get_cursor("acme") is None
    with store.session() as session:
        store.save_bundles("acme", [bundle("1")], session=session)
        store.set_cursor("acme", "cursor-1", session=session)
    store.set_cursor("acme", "cursor-2")
    assert (len(store.load_records("acme").tickets), store.get_cursor("acme")) == (1, "cursor-2")


def test_database_errors_become_store_errors(store: Store) -> None:
    row = dict(
        client="acme",
        remote_id="1",
        key="K",
        url="u",
        title="t",
        status="s",
        labels=[],
        created_at=T0,
        updated_at=T0,
        requester_id="a",
        requester_name="A",
    )
    with pytest.raises(StoreError, match="database error"), store.session() as session:
        session.add(TicketRow(**row))  # type: ignore[arg-type]
        session.flush()
        session.add(TicketRow(**row))  # type: ignore[arg-type]
    with pytest.raises(StoreError), store.session() as session:
        naive = dict(row, created_at=datetime(2026, 1, 1))
        session.add(TicketRow(**naive))  # type: ignore[arg-type]


def test_runs_are_counted_and_recorded(store: Store) -> None:
    assert store.last_run("acme") is None and run_count(store, "acme") == 0
    first = store.start_run("acme")
    store.finish_run(first.id or 0, "ok", counts={"tickets": 3}, requests_made=7)
    second = store.start_run("acme")
    assert run_count(store, "acme") == 2 and run_count(store, "beta") == 0
    assert (first.number, second.number) == (1, 2)
    last = store.last_run("acme")
    assert last is not None and last.id == second.id and last.outcome == "running"
    done = store.finish_run(second.id or 0, "failed", error="tracker answered 500")
    assert done.finished_at is not None and done.finished_at.tzinfo is UTC
    last = store.last_run("acme")
    assert last is not None
    assert (last.outcome, last.error, last.counts) == ("failed", "tracker answered 500", {})
    with pytest.raises(StoreError, match="no run 999"):
        store.finish_run(999, "ok")


def test_a_run_left_running_by_a_dead_process_is_closed_by_the_next(store: Store) -> None:
    killed = store.start_run("acme")  # the process died: never finished
    other = store.start_run("beta")
    store.start_run("acme")
    runs = {r.id: r for r in (store.last_run("acme", outcome="failed"),) if r is not None}
    assert list(runs) == [killed.id]
    assert runs[killed.id].error is not None and "Interrupted" in runs[killed.id].error
    assert runs[killed.id].finished_at is not None
    beta = store.last_run("beta")
    assert beta is not None and beta.id == other.id and beta.outcome == "running"


def test_last_began_is_the_latest_start_among_the_outcomes_asked_in_utc(store: Store) -> None:
    assert store.last_began("acme", ("ok", "running")) is None
    ok = store.start_run("acme")
    store.finish_run(ok.id, "ok")
    failed = store.start_run("acme")
    store.finish_run(failed.id, "failed")
    good = store.last_run("acme", outcome="ok")
    assert good is not None
    began = store.last_began("acme", ("ok", "running"))
    assert began == good.started_at and began.tzinfo is UTC  # the later failed run is not one
    running = store.start_run("acme")
    last = store.last_run("acme")
    assert last is not None and last.id == running.id
    assert store.last_began("acme", ("ok", "running")) == last.started_at
    assert store.last_began("beta", ("ok", "running")) is None


def notice(key: str, kind: str = "ack") -> OutboxRow:
    return OutboxRow(
        client="acme",
        key=key,
        ticket_id="1",
        kind=kind,
        marker=f"rb-{key[-3:]}",
        body=f"text {key}",
    )


def test_outbox_keys_are_unique_and_states_change(store: Store) -> None:
    added = store.add_notices([notice("acme/1/a/ack"), notice("acme/1/a/extra", "extra")])
    assert [n.key for n in added] == ["acme/1/a/ack", "acme/1/a/extra"]
    again = store.add_notices([notice("acme/1/a/ack"), notice("acme/2/b/ack")])
    assert [n.key for n in again] == ["acme/2/b/ack"]
    pending = store.outbox("acme", ["pending"])
    assert [n.key for n in pending] == ["acme/1/a/ack", "acme/1/a/extra", "acme/2/b/ack"]
    assert all(n.created_at.tzinfo is UTC for n in pending)
    posted_at = datetime.now(UTC)
    store.update_notice(
        pending[0].id or 0, state="posted", remote_comment_id="10042", posted_at=posted_at
    )
    store.update_notice(pending[1].id or 0, state="held")
    assert [n.key for n in store.outbox("acme", ["pending"])] == ["acme/2/b/ack"]
    posted = store.outbox("acme", ["posted"])[0]
    assert (posted.remote_comment_id, posted.posted_at) == ("10042", posted_at)
    assert len(store.outbox("acme")) == 3 and store.outbox("beta") == []
    with pytest.raises(ValueError, match="cannot update"):
        store.update_notice(pending[0].id or 0, key="other")


def test_notice_states_and_the_outbox_index_leave_the_bodies_out(store: Store) -> None:
    store.add_notices([notice("acme/1/a/ack"), notice("acme/1/a/extra", "extra"),
                       notice("acme/2/b/ack"), notice("acme/3/c/ack")])
    pending = store.outbox("acme", ["pending"])
    store.update_notice(pending[0].id or 0, state="posted", remote_comment_id="10042")
    store.update_notice(pending[1].id or 0, state="discarded")
    store.update_notice(pending[2].id or 0, state="posted")  # no id (an old row): none read
    states = sorted(store.notice_states("acme"))
    assert states == [NoticeState("acme/1/a/ack", "posted", "10042"),
                      NoticeState("acme/1/a/extra", "discarded", None),
                      NoticeState("acme/2/b/ack", "posted", None),
                      NoticeState("acme/3/c/ack", "pending", None)]
    assert store.notice_states("beta") == []
    index = OutboxIndex.read(store, "acme")
    assert index.keys == {s.key for s in states} and index.posted_ids == {"10042"}
    assert bridge_comment_ids(store, "acme") == {"10042"}


def test_migrations_are_applied_on_open(store_url: str) -> None:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from bridge.store.db import MIGRATIONS

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    (head,) = ScriptDirectory.from_config(config).get_heads()  # one line of migrations
    assert head >= "0005"  # 0004 time entries with a day, 0005 invoices
    for _ in range(2):  # opening again is a no-op
        store = Store.open(store_url)
        with store.engine.connect() as conn:
            assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == head
            tables = set(inspect(conn).get_table_names())
        store.close()
    assert {
        "tickets",
        "status_changes",
        "comments",
        "time_entries",
        "sync_state",
        "outbox",
        "runs",
        "daemon_state",
        "rate_budgets",
        "invoices",
    } <= tables


def test_the_migrations_build_the_schema_the_models_describe(store: Store) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlmodel import SQLModel

    with store.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": False})
        assert compare_metadata(context, SQLModel.metadata) == []


def test_default_sqlite_file_is_private_and_in_wal_mode(tmp_path: Path) -> None:
    store = Store.open()
    path = tmp_path / "xdg-data" / "revbridge" / "revbridge.db"
    store.save_bundles("acme", [bundle("1")])
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    for extra in ("-wal", "-shm"):
        if Path(f"{path}{extra}").exists():
            assert stat.S_IMODE(os.stat(f"{path}{extra}").st_mode) == 0o600
    with store.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
    store.close()


def test_db_url_comes_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "elsewhere" / "team.db"
    monkeypatch.setenv("REVBRIDGE_DB", f"sqlite:///{path}")
    Store.open().close()
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    with pytest.raises(ConfigError, match="is a path, not a URL: did you mean sqlite:///"):
        Store.open("no such thing")


def test_one_sync_lock_per_client_across_stores(store_url: str) -> None:
    first, second = Store.open(store_url), Store.open(store_url)
    try:
        with first.lock("acme"):
            held = pytest.raises(LockTimeout, match="acme: another sync of this client is running")
            with held, second.lock("acme", timeout=0.3):
                pass
            with second.lock("beta"):  # another client is not blocked
                pass
        with second.lock("acme"):  # released
            pass
    finally:
        first.close()
        second.close()


def test_a_killed_holder_releases_the_lock(store_url: str) -> None:
    """A sync killed with SIGKILL never blocks the next one (flock / advisory lock)."""
    holder = textwrap.dedent(f"""
        import sys, time
        from bridge.store import Store
        store = Store.open({store_url!r})
        with store.lock("acme"):
            print("held", flush=True)
            time.sleep(60)
    """)
    root = Path(__file__).resolve().parents[1]
    env = {**os.environ, "PYTHONPATH": str(root)}
    proc = subprocess.Popen([sys.executable, "-c", holder], stdout=subprocess.PIPE, env=env)
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == b"held"
        store = Store.open(store_url)
        with pytest.raises(LockTimeout), store.lock("acme", timeout=0.2):
            pass
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        with store.lock("acme", timeout=5):
            pass
        store.close()
    finally:
        proc.kill()


def test_ticket_histories_give_the_stored_tickets_and_their_moves_only(store: Store) -> None:
    store.save_bundles("acme", [bundle("1"), bundle("2"), bundle("3")])
    store.save_bundles("beta", [bundle("1")])
    tickets, changes = store.ticket_histories("acme", ["3", "1", "404", "1"])
    assert sorted(t.remote_id for t in tickets) == ["1", "3"]
    expected = [c for b in (bundle("1"), bundle("3")) for c in b.changes]
    assert sorted(changes, key=change_id) == sorted(expected, key=change_id)
    assert store.ticket_histories("acme", []) == ((), ())


def test_migration_0004_keeps_stored_time_entries(store_url: str) -> None:
    with at_revision(store_url, "0003") as connection:
        connection.execute(text(
            "INSERT INTO time_entries (client, remote_id, ticket_id, at, by_id, by_name, "
            "by_email, seconds) VALUES ('acme', 'w1', '1', :at, 'acc-me', 'Me', NULL, 5400)"),
            {"at": datetime(2026, 3, 2, 11, 30)})
    store = Store.open(store_url)  # migrates to the head
    try:
        assert store.load_records("acme").time_entries == (
            TimeEntry("w1", "1", datetime(2026, 3, 2, 11, 30, tzinfo=UTC), ME, 5400),)
    finally:
        store.close()
