"""The store: tracker records, cursors, the outbox, runs and daemons' plans, every row by client
(docs/architecture.md §3).

``Store.open(url)`` opens any SQLAlchemy URL (default: the SQLite file in the user data dir)
and applies the migrations. Each method runs in its own transaction, or in the caller's when
given ``session=`` (notices go to the outbox in the same transaction as the data behind them)::

    with store.session() as session:
        store.save_bundles("acme", page.bundles, session=session)
        store.set_cursor("acme", page.next_cursor, session=session)
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from typing import Any, TypeVar, cast

from sqlalchemy import Engine, delete, insert, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, SQLModel, col

from bridge.clientfile.paths import db_url
from bridge.clientfile.secrets import REDACTOR
from bridge.store import db
from bridge.store.db import client_lock
from bridge.store.first_contact import FirstContactQueries, NoticeLine
from bridge.store.models import (
    CommentRow,
    OutboxRow,
    RunRow,
    StatusChangeRow,
    SyncStateRow,
    TicketRow,
    TimeEntryRow,
    table_of,
)
from bridge.store.plans import DaemonPlans
from bridge.store.records import ClientRecords, NoticeState
from bridge.store.rows import (
    change_id,
    change_row,
    comment_row,
    entry_row,
    ticket_row,
    to_change,
    to_comment,
    to_entry,
    to_ticket,
    unique,
)
from bridge.store.runs import RunQueries, StartedRun
from connectors.base import Comment, StatusChange, Ticket, TicketBundle
from connectors.errors import StoreError

log = logging.getLogger(__name__)
CHUNK = 500  # ids per IN (...) list: well under every backend's parameter limit
T = TypeVar("T")


class Store(FirstContactQueries, RunQueries):
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        #: the ``daemon_state`` table: what running daemons plan for each client
        self.plans = DaemonPlans(self)

    @classmethod
    def open(cls, url: str | None = None) -> Store:
        """Open (creating and migrating when needed) the database at ``url``.

        ``None``: ``$REVBRIDGE_DB``, else the SQLite file in the user data dir.
        """
        engine = db.create(db_url(url))
        log.debug("opening the store %s", engine.url.render_as_string(hide_password=True))
        db.migrate(engine)
        return cls(engine)

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @contextmanager
    def session(self) -> Iterator[Session]:
        """One transaction: committed when the block ends, rolled back when it raises."""
        with Session(self.engine, expire_on_commit=False) as session:
            try:
                yield session
                session.commit()
            except SQLAlchemyError as exc:
                session.rollback()
                cause = getattr(exc, "orig", None) or exc
                path = db.read_only(self.engine)
                if path is not None or "readonly database" in str(cause):
                    raise StoreError(db.read_only_message(path or str(self.engine.url.database))
                                     ) from exc
                raise StoreError(f"database error: {type(cause).__name__}: {cause}") from exc
            except BaseException:
                session.rollback()
                raise

    @contextmanager
    def _tx(self, session: Session | None) -> Iterator[Session]:
        if session is not None:
            yield session
        else:
            with self.session() as own:
                yield own

    # tracker records ---------------------------------------------------------------------
    def save_bundles(
        self, client: str, bundles: Iterable[TicketBundle], *, session: Session | None = None
    ) -> None:
        """Upsert each bundle's ticket and replace its changes, comments and time entries."""
        latest = {b.ticket.remote_id: b for b in bundles}  # a ticket twice: the last one wins
        if not latest:
            return
        ticket_ids = list(latest)
        latest_bundles = list(latest.values())
        children: list[tuple[type[SQLModel], list[dict[str, Any]]]] = [
            (
                StatusChangeRow,
                unique([change_row(client, c) for b in latest_bundles for c in b.changes]),
            ),
            (
                CommentRow,
                unique([comment_row(client, c) for b in latest_bundles for c in b.comments]),
            ),
            (
                TimeEntryRow,
                unique([entry_row(client, e) for b in latest_bundles for e in b.time_entries]),
            ),
        ]
        with self._tx(session) as s:
            _delete_in(s, TicketRow, client, "remote_id", ticket_ids)
            s.execute(
                insert(table_of(TicketRow)), [ticket_row(client, b.ticket) for b in latest_bundles]
            )
            for model, rows in children:
                _delete_in(s, model, client, "ticket_id", ticket_ids)
                # a record that moved to another ticket keeps its id: drop its old row too
                _delete_in(s, model, client, "remote_id", [r["remote_id"] for r in rows])
                if rows:
                    s.execute(insert(table_of(model)), rows)

    def live_ticket_ids(self, client: str) -> set[str]:
        """Remote ids of the client's stored tickets not marked deleted."""
        table = table_of(TicketRow)
        query = select(table.c.remote_id).where(table.c.client == client,
                                                table.c.deleted.is_(False))
        with self.session() as s:
            return set(s.execute(query).scalars())

    def mark_deleted(
        self, client: str, ids: Iterable[str], *, session: Session | None = None
    ) -> int:
        """Flag the given tickets deleted; returns how many were live."""
        count = 0
        with self._tx(session) as s:
            for chunk in _chunks(list(ids)):
                result = s.execute(
                    update(table_of(TicketRow))
                    .where(
                        table_of(TicketRow).c.client == client,
                        table_of(TicketRow).c.remote_id.in_(chunk),
                        table_of(TicketRow).c.deleted.is_(False),
                    )
                    .values(deleted=True)
                )
                count += cast(int, getattr(result, "rowcount", 0))
        return count

    def load_records(self, client: str, *, comments: bool = True,
                     session: Session | None = None) -> ClientRecords:
        """Every record of ``client``, in a stable order (ticket, time, id).

        ``comments=False`` leaves the comments out (``()``): the ledger reads none.
        """
        with self._tx(session) as s:
            tickets = _rows(s, TicketRow, client, "remote_id")
            changes = _rows(s, StatusChangeRow, client, "ticket_id", "at", "remote_id")
            comment_rows = (_rows(s, CommentRow, client, "ticket_id", "at", "remote_id")
                            if comments else [])
            entries = _rows(s, TimeEntryRow, client, "ticket_id", "at", "remote_id")
        return ClientRecords(
            tickets=tuple(map(to_ticket, tickets)),
            changes=tuple(map(to_change, changes)),
            comments=tuple(map(to_comment, comment_rows)),
            time_entries=tuple(map(to_entry, entries)),
        )

    def comments(self, client: str, ticket_ids: Iterable[str]) -> tuple[Comment, ...]:
        """The stored comments of the given tickets, in the order of :meth:`load_records`."""
        table = table_of(CommentRow)
        found: list[Any] = []
        with self.session() as s:
            for chunk in _chunks(sorted(set(ticket_ids))):
                found.extend(s.execute(select(table).where(table.c.client == client,
                                                           table.c.ticket_id.in_(chunk))))
        found.sort(key=lambda r: (r.ticket_id, r.at, r.remote_id))
        return tuple(map(to_comment, found))

    def ticket_histories(
        self, client: str, ticket_ids: Iterable[str], *, session: Session | None = None
    ) -> tuple[tuple[Ticket, ...], tuple[StatusChange, ...]]:
        """The stored tickets among ``ticket_ids`` and their status changes: what their
        requests are made of (read before a page replaces them, a sync tells what it added)."""
        ids = sorted(set(ticket_ids))
        found: list[list[Any]] = [[], []]
        with self._tx(session) as s:
            for rows, model, column in ((found[0], TicketRow, "remote_id"),
                                        (found[1], StatusChangeRow, "ticket_id")):
                table = table_of(model)
                for chunk in _chunks(ids):
                    rows.extend(s.execute(select(table).where(table.c.client == client,
                                                              table.c[column].in_(chunk))))
        return tuple(map(to_ticket, found[0])), tuple(map(to_change, found[1]))

    # sync state ----------------------------------------------------------------------------
    def get_cursor(self, client: str) -> str | None:
        with self.session() as s:
            state = s.get(SyncStateRow, client)
            return state.cursor if state else None

    def set_cursor(
        self, client: str, cursor: str | None, *, session: Session | None = None
    ) -> None:
        with self._tx(session) as s:
            state = s.get(SyncStateRow, client) or SyncStateRow(client=client)
            state.cursor = cursor
            s.add(state)

    # outbox --------------------------------------------------------------------------------
    def add_notices(
        self, rows: Iterable[OutboxRow], *, session: Session | None = None
    ) -> list[OutboxRow]:
        """Queue notices; a key already in the outbox is skipped. Returns the rows added."""
        fresh = {row.key: row for row in rows}
        with self._tx(session) as s:
            for chunk in _chunks(list(fresh)):
                for key in s.execute(
                    select(table_of(OutboxRow).c.key).where(table_of(OutboxRow).c.key.in_(chunk))
                ).scalars():
                    fresh.pop(key)
            s.add_all(fresh.values())
            s.flush()
        return list(fresh.values())

    def notice_states(self, client: str, *,
                      session: Session | None = None) -> list[NoticeState]:
        """Key, state and remote comment id of each of the client's notices (no body read)."""
        table = table_of(OutboxRow)
        query = select(table.c.key, table.c.state, table.c.remote_comment_id).where(
            table.c.client == client)
        with self._tx(session) as s:
            return [NoticeState(*row) for row in s.execute(query)]

    def outbox(self, client: str, states: Sequence[str] = ()) -> list[OutboxRow]:
        """The client's notices (only those in ``states`` when given), oldest first."""
        query = select(OutboxRow).where(col(OutboxRow.client) == client)
        if states:
            query = query.where(col(OutboxRow.state).in_(states))
        with self.session() as s:
            return list(s.execute(query.order_by(col(OutboxRow.id))).scalars())

    def update_notice(
        self, notice_id: int, *, session: Session | None = None, **values: Any
    ) -> OutboxRow:
        """Set fields of one notice (state, remote_comment_id, posted_at, error)."""
        allowed = {"state", "remote_comment_id", "posted_at", "error", "body", "in_flight_at",
                   "edited_at"}
        if not values.keys() <= allowed:
            raise ValueError(f"cannot update {sorted(values.keys() - allowed)} of a notice")
        with self._tx(session) as s:
            row = s.get(OutboxRow, notice_id)
            if row is None:
                raise StoreError(f"no notice {notice_id} in the outbox")
            if values.get("error"):
                values["error"] = REDACTOR.redact(values["error"])
            for name, value in values.items():
                setattr(row, name, value)
            s.add(row)
            return row

    # the per-client sync lock -------------------------------------------------------------

    def lock(self, client: str, *, timeout: float = 0.0,
             on_wait: Callable[[], None] | None = None) -> AbstractContextManager[None]:
        """Hold ``client``'s sync lock for the block (see :mod:`bridge.store.db`)."""
        return client_lock(self.engine, client, timeout, on_wait)



def _chunks(items: list[T]) -> Iterator[list[T]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def _delete_in(
    s: Session, model: type[SQLModel], client: str, column: str, values: list[str]
) -> None:
    table = table_of(model)
    for chunk in _chunks(values):
        s.execute(delete(table).where(table.c.client == client, table.c[column].in_(chunk)))


def _rows(s: Session, model: type[SQLModel], client: str, *order: str) -> list[Any]:
    table = table_of(model)
    query = select(table).where(table.c.client == client).order_by(*(table.c[o] for o in order))
    return list(s.execute(query))


__all__ = [
    "ClientRecords", "NoticeLine", "NoticeState", "OutboxRow", "RunRow", "StartedRun", "Store",
    "change_id",
]
