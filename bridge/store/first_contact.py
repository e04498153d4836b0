"""Store queries for first contact and review (see docs/rounds.md, "First contact").

When the client's first completed sync ended (the default ``[comments] since``), how many
notices wait for review, and the outbox as a person reads it: each notice with its ticket's
key, title and link. :class:`~bridge.store.front.Store` inherits these methods.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select, update
from sqlmodel import Session, col

from bridge.store.models import OutboxRow, SyncStateRow, TicketRow, table_of, utc_now


@dataclass(frozen=True, slots=True)
class NoticeLine:
    """One outbox notice with the ticket it is for (``ticket``/``title``/``url`` are None when
    the ticket is not in the store)."""

    id: int
    state: str
    kind: str
    ticket: str | None
    title: str | None
    url: str | None
    queued_at: datetime
    posted_at: datetime | None
    edited_at: datetime | None
    body: str
    marker: str
    error: str | None


class FirstContactQueries:
    if TYPE_CHECKING:
        def session(self) -> AbstractContextManager[Session]: ...

    def first_synced_at(self, client: str) -> datetime | None:
        """When the client's first completed sync ended, or None before one completed."""
        with self.session() as s:
            state = s.get(SyncStateRow, client)
            return state.first_synced_at if state else None

    def record_first_sync(self, client: str, at: datetime) -> datetime:
        """Record ``at`` as the end of the client's first completed sync, unless one is
        recorded already; returns the recorded moment."""
        with self.session() as s:
            state = s.get(SyncStateRow, client) or SyncStateRow(client=client)
            if state.first_synced_at is None:
                state.first_synced_at = at
                s.add(state)
            return state.first_synced_at

    def held_counts(self, clients: Iterable[str] | None = None) -> dict[str, int]:
        """How many notices wait for review (``held``), by client (only those with some)."""
        table = table_of(OutboxRow)
        query = (select(table.c.client, func.count()).where(table.c.state == "held")
                 .group_by(table.c.client))
        if clients is not None:
            query = query.where(table.c.client.in_(list(clients)))
        with self.session() as s:
            return {client: int(count) for client, count in s.execute(query)}

    def rewrite_notice(self, notice_id: int, body: str,
                       states: Sequence[str]) -> OutboxRow | None:
        """Set a notice's text (and ``edited_at``) if it is still in one of ``states``, in one
        statement (a sync posting it meanwhile wins); returns the row, or None."""
        table = table_of(OutboxRow)
        with self.session() as s:
            done = s.execute(update(table)
                             .where(table.c.id == notice_id, table.c.state.in_(list(states)))
                             .values(body=body, edited_at=utc_now()))
            if not getattr(done, "rowcount", 0):
                return None
            return s.get(OutboxRow, notice_id)

    def notice_lines(self, client: str, states: Sequence[str] = (),
                     ids: Sequence[int] = ()) -> list[NoticeLine]:
        """The client's notices (in ``states`` / with ``ids`` when given), oldest first, each
        with its ticket's key, title and link."""
        outbox, tickets = table_of(OutboxRow), table_of(TicketRow)
        query = (
            select(outbox, tickets.c.key.label("ticket_key"), tickets.c.title.label("title"),
                   tickets.c.url.label("url"))
            .outerjoin(tickets, (tickets.c.client == outbox.c.client)
                       & (tickets.c.remote_id == outbox.c.ticket_id))
            .where(outbox.c.client == client)
            .order_by(col(OutboxRow.id))
        )
        if states:
            query = query.where(outbox.c.state.in_(states))
        if ids:
            query = query.where(outbox.c.id.in_(list(ids)))
        with self.session() as s:
            return list(_lines(s.execute(query)))


def _lines(rows: Iterable[Any]) -> Iterator[NoticeLine]:
    for r in rows:
        yield NoticeLine(
            id=r.id, state=r.state, kind=r.kind, ticket=r.ticket_key, title=r.title,
            url=r.url or None, queued_at=r.created_at, posted_at=r.posted_at,
            edited_at=r.edited_at, body=r.body, marker=r.marker, error=r.error,
        )

