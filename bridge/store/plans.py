"""The ``daemon_state`` table, reached as ``Store.plans``: what each running daemon plans for
a client (next run, backoff, pause), which ``revbridge clients`` reads from any process.

With several daemons on one store the last one to write a client's row wins; a daemon deletes
its rows when it stops.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, NamedTuple

from sqlalchemy import delete, select
from sqlmodel import col

from bridge.clientfile.secrets import REDACTOR
from bridge.store.models import DaemonStateRow, table_of, utc_now
from connectors.errors import StoreError

if TYPE_CHECKING:
    from bridge.store.front import Store


class DaemonPlan(NamedTuple):
    """A client's plan as one daemon sees it."""

    daemon: str  # ``host:pid`` of the daemon
    next_run_at: datetime | None
    failures: int = 0
    retry_at: datetime | None = None
    paused: str | None = None  # why: credentials refused or missing


class DaemonPlans:
    """The ``daemon_state`` rows of one store."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def save(self, client: str, plan: DaemonPlan) -> None:
        """Write ``client``'s row (insert or replace)."""
        values = {**plan._asdict(), "updated_at": utc_now(),
                  "paused": REDACTOR.redact(plan.paused) if plan.paused else None}
        for attempt in (1, 2):  # two daemons inserting the same new row: the loser updates
            try:
                with self._store.session() as s:
                    row = s.get(DaemonStateRow, client) or DaemonStateRow(client=client,
                                                                           daemon=plan.daemon)
                    for name, value in values.items():
                        setattr(row, name, value)
                    s.add(row)
                return
            except StoreError:
                if attempt == 2:
                    raise

    def forget(self, daemon: str, client: str | None = None) -> None:
        """Delete the rows ``daemon`` wrote (only ``client``'s when given)."""
        table = table_of(DaemonStateRow)
        query = delete(table).where(table.c.daemon == daemon)
        if client is not None:
            query = query.where(table.c.client == client)
        with self._store.session() as s:
            s.execute(query)

    def all(self) -> dict[str, DaemonStateRow]:
        """Every client's row, by client."""
        with self._store.session() as s:
            rows = s.execute(select(DaemonStateRow).order_by(col(DaemonStateRow.client)))
            return {row.client: row for row in rows.scalars()}
