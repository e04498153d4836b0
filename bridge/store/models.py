"""The store's tables (docs/architecture.md §3). Every row is scoped by ``client``.

Tracker records are keyed by ``(client, remote_id)``; a ticket's history rows point to it by
its remote id (``ticket_id``). Times are stored as UTC and read back timezone-aware, on
SQLite too. The schema itself is created by the Alembic migrations in ``bridge/migrations``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, cast

from sqlalchemy import JSON, Column, DateTime, Index, Table, UniqueConstraint
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out; stored as naive UTC on every backend."""

    impl = DateTime(timezone=False)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; times must be timezone-aware")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


def utc_now() -> datetime:
    return datetime.now(UTC)


def table_of(model: type[SQLModel]) -> Table:
    """A model's Core table, for statements on many rows at once."""
    return cast(Table, model.__table__)  # type: ignore[attr-defined]


def utc_column(nullable: bool = False, now: bool = False) -> Any:
    column: Column[datetime] = Column(UTCDateTime(), nullable=nullable)
    if now:
        return Field(default_factory=utc_now, sa_column=column)
    return Field(default=None, sa_column=column) if nullable else Field(sa_column=column)


class TicketRow(SQLModel, table=True):
    __tablename__ = "tickets"

    client: str = Field(primary_key=True)
    remote_id: str = Field(primary_key=True)
    key: str
    url: str
    title: str
    status: str
    labels: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    created_at: datetime = utc_column()
    updated_at: datetime = utc_column()
    requester_id: str
    requester_name: str
    requester_email: str | None = None
    deleted: bool = False
    #: the tracker's own priority (``Ticket.priority``), ``None`` where it has none
    priority: str | None = None
    #: ``Ticket.custom_fields`` as ``[[field name, option name], ...]``
    custom_fields: list[list[str]] = Field(default_factory=list,
                                           sa_column=Column(JSON, nullable=False))


class TicketHistoryRow(SQLModel):
    """Columns shared by a ticket's history rows: who did it, when, on which ticket."""

    client: str = Field(primary_key=True)
    remote_id: str = Field(primary_key=True)
    ticket_id: str
    at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    by_id: str
    by_name: str
    by_email: str | None = None


class StatusChangeRow(TicketHistoryRow, table=True):
    """``remote_id`` is the tracker's history item id, or ``ticket_id@at@to_status``."""

    __tablename__ = "status_changes"
    __table_args__ = (Index("ix_status_changes_ticket", "client", "ticket_id"),)

    #: the id as the connector gave it ("" when derived)
    source_id: str = ""
    from_status: str | None = None
    to_status: str


class CommentRow(TicketHistoryRow, table=True):
    __tablename__ = "comments"
    __table_args__ = (Index("ix_comments_ticket", "client", "ticket_id"),)

    body: str


class TimeEntryRow(TicketHistoryRow, table=True):
    """``by_*`` are null for an entry with no author (a task's total time); ``day`` is the
    date the tracker says the work was done, when it keeps one apart from ``at``."""

    __tablename__ = "time_entries"
    __table_args__ = (Index("ix_time_entries_ticket", "client", "ticket_id"),)

    by_id: str | None = None  # type: ignore[assignment]
    by_name: str | None = None  # type: ignore[assignment]
    seconds: int
    day: date | None = None


class SyncStateRow(SQLModel, table=True):
    __tablename__ = "sync_state"

    client: str = Field(primary_key=True)
    cursor: str | None = None
    #: syncs started so far (the deletion check runs every ``reconcile_every`` of them)
    runs: int = 0
    #: when the client's first completed sync ended: the default ``[comments] since``
    first_synced_at: datetime | None = utc_column(nullable=True)


class OutboxRow(SQLModel, table=True):
    __tablename__ = "outbox"
    __table_args__ = (
        UniqueConstraint("key", name="uq_outbox_key"),
        Index("ix_outbox_client_state", "client", "state"),
    )

    id: int | None = Field(default=None, primary_key=True)
    client: str
    key: str
    ticket_id: str
    kind: str
    marker: str
    body: str
    #: one of OUTBOX_STATES
    state: str = "pending"
    remote_comment_id: str | None = None
    created_at: datetime = utc_column(now=True)
    posted_at: datetime | None = utc_column(nullable=True)
    #: when a POST of it timed out unanswered: the tracker may still carry it out
    in_flight_at: datetime | None = utc_column(nullable=True)
    error: str | None = None
    #: when the freelancer last rewrote the text (``outbox edit``); never rewritten after that
    edited_at: datetime | None = utc_column(nullable=True)


class RunRow(SQLModel, table=True):
    __tablename__ = "runs"
    __table_args__ = (Index("ix_runs_client_started", "client", "started_at"),)

    id: int | None = Field(default=None, primary_key=True)
    client: str
    started_at: datetime = utc_column(now=True)
    finished_at: datetime | None = utc_column(nullable=True)
    #: running | ok | failed
    outcome: str = "running"
    counts: dict[str, int] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    requests_made: int = 0
    error: str | None = None


class DaemonStateRow(SQLModel, table=True):
    """What a running daemon plans for a client (for ``revbridge clients``); one row per client.

    With several daemons on one store the last one to write wins; a daemon deletes its rows
    when it stops.
    """

    __tablename__ = "daemon_state"

    client: str = Field(primary_key=True)
    #: ``host:pid`` of the daemon that wrote the row
    daemon: str
    next_run_at: datetime | None = utc_column(nullable=True)
    #: failed syncs in a row; the client backs off until ``retry_at``
    failures: int = 0
    retry_at: datetime | None = utc_column(nullable=True)
    #: why the client is paused (credentials refused or missing), else ``None``
    paused: str | None = None
    updated_at: datetime = utc_column(now=True)


#: held: waits for `outbox approve` (review mode); sending: a post was started (a crash may
#: have left it on the tracker, so it is looked for before posting again); skipped: for a
#: request made before ``[comments] since``, never posted unless approved by id
OUTBOX_STATES = ("pending", "sending", "posted", "discarded", "held", "skipped")


class InvoiceRow(SQLModel, table=True):
    """One invoice: what was billed for a client up to ``through``; never edited nor deleted
    (``void_reason`` set marks it void, and the next invoice bills its keys again).

    ``lines`` is a list of ``{key, cents, billed_before, seconds, rounds}``; money is in cents.
    """

    __tablename__ = "invoices"
    __table_args__ = (
        UniqueConstraint("number", name="uq_invoices_number"),
        Index("ix_invoices_client", "client"),
    )

    id: int | None = Field(default=None, primary_key=True)
    number: str
    client: str
    #: the last day billed (client time zone), as YYYY-MM-DD
    through: str
    issued_at: datetime = utc_column(now=True)
    lines: list[dict[str, Any]] = Field(default_factory=list,
                                        sa_column=Column(JSON, nullable=False))
    total_cents: int
    currency: str
    voided_at: datetime | None = utc_column(nullable=True)
    void_reason: str | None = None


class RateBudgetRow(SQLModel, table=True):
    """A credential's request budget shared by the processes of one PostgreSQL store: a token
    bucket (see bridge/store/budgets.py). ``credential`` names the tracker, base URL, kind
    and the credential's sha256, never the credential."""

    __tablename__ = "rate_budgets"

    credential: str = Field(primary_key=True)
    tokens: float
    refilled_at: float  # epoch seconds on the database's clock
    held_until: float
