"""A migrated SQLite store read with the standard library's ``sqlite3`` (see ``reading.py`` for
when, and why not SQLAlchemy).

The values come back as SQLAlchemy wrote them, turned into what the models give: times are
``YYYY-MM-DD HH:MM:SS.ffffff`` in UTC (``UTCDateTime`` makes them aware), days
``YYYY-MM-DD``, JSON columns text, booleans 0 or 1. Every query here is one the front
(``front.py``, ``first_contact.py``, ``invoices.py``) runs too, in the same order.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from bridge.engine.invoicing import Invoice
from bridge.store.reading import invoice_from_row
from bridge.store.records import ClientRecords, NoticeState, RunLine
from bridge.store.revisions import head_revision
from bridge.store.rows import to_change, to_comment, to_entry, to_ticket

PREFIXES = ("sqlite:///", "sqlite+pysqlite:///")


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


#: how a column's stored value becomes the model's, by column name (the same in every table)
CONVERT: dict[str, Callable[[Any], Any]] = {
    **dict.fromkeys(("created_at", "updated_at", "at", "started_at", "finished_at",
                     "issued_at", "voided_at", "posted_at", "in_flight_at", "edited_at"), _utc),
    **dict.fromkeys(("labels", "custom_fields", "counts", "lines"), json.loads),
    "deleted": bool,
    "day": date.fromisoformat,
}


def _row(cursor: sqlite3.Cursor, values: tuple[Any, ...]) -> SimpleNamespace:
    names = [column[0] for column in cursor.description]
    return SimpleNamespace(**{
        name: value if value is None or name not in CONVERT else CONVERT[name](value)
        for name, value in zip(names, values, strict=True)
    })


def store_file(url: str) -> Path | None:
    """The file of a plain ``sqlite:///PATH`` URL; None for anything :class:`Store` must open
    itself (another backend, a URI or query string, a database in memory)."""
    for prefix in PREFIXES:
        if url.startswith(prefix):
            rest = url[len(prefix):]
            if rest and rest != ":memory:" and not rest.startswith("file:") \
                    and not any(c in rest for c in "?#%"):
                return Path(rest).expanduser()
    return None


class SqliteReads:
    """:class:`bridge.store.reading.LedgerReads` on a SQLite file, read-only."""

    def __init__(self, connection: sqlite3.Connection, url: str) -> None:
        self.connection = connection
        self.url = url

    @classmethod
    def open(cls, url: str) -> SqliteReads | None:
        """The store at ``url`` opened read-only, or None when :class:`Store` must open it
        (not a plain SQLite file, missing or empty, readable by others, not at the newest
        migration, or unreadable: the front then says what is wrong and how to fix it)."""
        path = store_file(url)
        if path is None:
            return None
        try:
            info = path.stat()
        except OSError:
            return None
        if not info.st_size or info.st_mode & 0o077:
            return None
        try:
            connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True,
                                         timeout=30, isolation_level=None)
        except sqlite3.Error:
            return None
        try:
            connection.execute("PRAGMA busy_timeout=30000")
            versions = [row[0] for row in connection.execute(
                "SELECT version_num FROM alembic_version")]
        except sqlite3.Error:
            versions = []
        head = head_revision()
        if head is None or versions != [head]:
            connection.close()
            return None
        connection.row_factory = _row
        return cls(connection, url)

    def close(self) -> None:
        self.connection.close()

    @contextmanager
    def _snapshot(self) -> Iterator[sqlite3.Connection]:
        """One read transaction: what a sync writes meanwhile is seen entirely or not at all."""
        self.connection.execute("BEGIN")
        try:
            yield self.connection
        finally:
            self.connection.execute("COMMIT")

    def _rows(self, sql: str, *params: Any) -> list[Any]:
        with self._snapshot() as connection:
            return connection.execute(sql, params).fetchall()

    def load_records(self, client: str, *, comments: bool = True) -> ClientRecords:
        def rows(table: str, order: str) -> list[Any]:
            return c.execute(f"SELECT * FROM {table} WHERE client = ? ORDER BY {order}",
                             (client,)).fetchall()

        by_ticket = "ticket_id, at, remote_id"
        with self._snapshot() as c:
            tickets = rows("tickets", "remote_id")
            changes = rows("status_changes", by_ticket)
            comment_rows = rows("comments", by_ticket) if comments else []
            entries = rows("time_entries", by_ticket)
        return ClientRecords(
            tickets=tuple(map(to_ticket, tickets)),
            changes=tuple(map(to_change, changes)),
            comments=tuple(map(to_comment, comment_rows)),
            time_entries=tuple(map(to_entry, entries)),
        )

    def notice_states(self, client: str) -> list[NoticeState]:
        return [NoticeState(r.key, r.state, r.remote_comment_id) for r in self._rows(
            "SELECT key, state, remote_comment_id FROM outbox WHERE client = ?", client)]

    def invoices(self, client: str) -> list[Invoice]:
        return [invoice_from_row(row) for row in self._rows(
            "SELECT * FROM invoices WHERE client = ? ORDER BY id", client)]

    def last_run(self, client: str, outcome: str | None = None) -> RunLine | None:
        query = "SELECT started_at, finished_at, outcome FROM runs WHERE client = ?"
        params: tuple[str, ...] = (client,)
        if outcome is not None:
            query, params = query + " AND outcome = ?", (client, outcome)
        found = self._rows(query + " ORDER BY started_at DESC, id DESC LIMIT 1", *params)
        return RunLine(found[0].started_at, found[0].finished_at, found[0].outcome) \
            if found else None

    def held_counts(self, clients: Iterable[str]) -> dict[str, int]:
        wanted = list(clients)
        marks = ", ".join("?" * len(wanted))
        return {r.client: int(r.held) for r in self._rows(
            f"SELECT client, count(*) AS held FROM outbox WHERE state = 'held' AND client IN "
            f"({marks}) GROUP BY client", *wanted)}

    def where(self) -> str:
        return self.url  # a SQLite URL holds no password
