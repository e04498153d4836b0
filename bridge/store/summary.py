"""Every client's figures the dashboard's overview needs, each read in one query for all
clients (not one query per client): the latest run, the outbox counted by state, the invoices."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import func, select
from sqlmodel import col

from bridge.store import Store
from bridge.store.models import InvoiceRow, OutboxRow, RunRow


def latest_runs(store: Store) -> dict[str, RunRow]:
    """Each client's most recent run (finished or not), by client."""
    newest = (select(col(RunRow.client), func.max(col(RunRow.id)).label("id"))
              .group_by(col(RunRow.client)).subquery())
    query = select(RunRow).join(newest, col(RunRow.id) == newest.c.id)
    with store.session() as s:
        return {run.client: run for run in s.execute(query).scalars()}


def last_ok_runs(store: Store) -> dict[str, RunRow]:
    """Each client's most recent successful run, by client."""
    newest = (select(col(RunRow.client), func.max(col(RunRow.id)).label("id"))
              .where(col(RunRow.outcome) == "ok")
              .group_by(col(RunRow.client)).subquery())
    query = select(RunRow).join(newest, col(RunRow.id) == newest.c.id)
    with store.session() as s:
        return {run.client: run for run in s.execute(query).scalars()}


def outbox_counts(store: Store) -> dict[str, dict[str, int]]:
    """How many notices each client has in each state: ``{client: {state: count}}``."""
    query = (select(col(OutboxRow.client), col(OutboxRow.state), func.count())
             .group_by(col(OutboxRow.client), col(OutboxRow.state)))
    counts: dict[str, dict[str, int]] = defaultdict(dict)
    with store.session() as s:
        for client, state, count in s.execute(query):
            counts[client][state] = int(count)
    return dict(counts)


def invoice_stamps(store: Store) -> dict[str, tuple[int, int, int]]:
    """Each client's invoices as ``(count, void ones, newest id)``: any issue or void changes
    it (what the dashboard's due figure depends on)."""
    query = (select(col(InvoiceRow.client), func.count(), func.count(col(InvoiceRow.voided_at)),
                    func.max(col(InvoiceRow.id)))
             .group_by(col(InvoiceRow.client)))
    with store.session() as s:
        return {client: (int(count), int(void), int(newest or 0))
                for client, count, void, newest in s.execute(query)}
