"""The ``daemon_state`` table: what a running daemon plans for each client.

A daemon writes a client's row after each run and whenever its plan changes (scheduled,
backing off, paused); ``revbridge clients`` reads it from any process. Rows are advisory: a
failure to write one is logged and never stops a sync.
"""

from __future__ import annotations

import logging
import os
import socket
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlmodel import col

from bridge.clientfile.secrets import REDACTOR
from bridge.store import Store
from bridge.store.models import DaemonStateRow, utc_now
from connectors.errors import StoreError

log = logging.getLogger(__name__)


def daemon_id() -> str:
    """``host:pid`` of this process."""
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass(frozen=True)
class Plan:
    """A client's plan as one daemon sees it."""

    next_run_at: datetime | None
    failures: int = 0
    retry_at: datetime | None = None
    paused: str | None = None


def publish(store: Store, client: str, plan: Plan, daemon: str) -> None:
    """Write ``client``'s row (insert or replace); logs and carries on when it cannot."""
    values = {
        "daemon": daemon,
        "next_run_at": plan.next_run_at,
        "failures": plan.failures,
        "retry_at": plan.retry_at,
        "paused": REDACTOR.redact(plan.paused) if plan.paused else None,
        "updated_at": utc_now(),
    }
    error: StoreError | None = None
    for _attempt in range(2):  # two daemons inserting the same new row: the loser updates
        try:
            with store.session() as s:
                row = s.get(DaemonStateRow, client) or DaemonStateRow(client=client, daemon=daemon)
                for name, value in values.items():
                    setattr(row, name, value)
                s.add(row)
            return
        except StoreError as exc:
            error = exc
    log.warning("%s: could not record the daemon's plan: %s", client, error,
                extra={"client": client})


def forget(store: Store, daemon: str, client: str | None = None) -> None:
    """Delete the rows ``daemon`` wrote (only ``client``'s when given)."""
    table = DaemonStateRow.__table__  # type: ignore[attr-defined]
    query = delete(table).where(table.c.daemon == daemon)
    if client is not None:
        query = query.where(table.c.client == client)
    try:
        with store.session() as s:
            s.execute(query)
    except StoreError as exc:
        log.warning("could not clear the daemon's plans: %s", exc)


def plans(store: Store) -> dict[str, DaemonStateRow]:
    """Every client's row, by client."""
    with store.session() as s:
        rows = s.execute(select(DaemonStateRow).order_by(col(DaemonStateRow.client)))
        return {row.client: row for row in rows.scalars()}
