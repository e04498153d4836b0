"""Store queries for runs: one row per sync (``runs``) and the client's sync state.

:class:`~bridge.store.front.Store` inherits these methods.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from typing import TYPE_CHECKING, NamedTuple, cast

from sqlalchemy import desc, func, select, true, update
from sqlmodel import Session, col

from bridge.clientfile.secrets import REDACTOR
from bridge.store.models import RunRow, SyncStateRow, table_of, utc_now
from connectors.errors import StoreError


class StartedRun(NamedTuple):
    """A run :meth:`RunQueries.start_run` recorded: its row id and its number for the client,
    with the client's sync state as the run found it."""

    id: int
    number: int
    #: the cursor the last page stored (None: nothing pulled yet)
    cursor: str | None = None
    #: when the client's first completed sync ended (None: none has completed)
    first_synced_at: datetime | None = None


class RunQueries:
    if TYPE_CHECKING:
        def session(self) -> AbstractContextManager[Session]: ...
        def _tx(self, session: Session | None) -> AbstractContextManager[Session]: ...

    def start_run(self, client: str, *, session: Session | None = None) -> StartedRun:
        """Record the start of a sync and count it in ``sync_state.runs``; returns the run's
        id and its number (the count, this run included), with the client's cursor and first
        completed sync as they stand.

        Called under the client's sync lock, so a run of this client still ``running`` belongs
        to a process that died (SIGKILL, power loss): it is closed as failed first.
        """
        with self._tx(session) as s:
            runs = table_of(RunRow)
            s.execute(update(runs)
                      .where(runs.c.client == client, runs.c.outcome == "running")
                      .values(outcome="failed", finished_at=utc_now(),
                              error="Interrupted: the process ended before the run finished"))
            state = s.get(SyncStateRow, client) or SyncStateRow(client=client)
            state.runs += 1
            run = RunRow(client=client)
            s.add_all([state, run])
            s.flush()
            assert run.id is not None
            return StartedRun(run.id, state.runs, state.cursor, state.first_synced_at)

    def finish_run(
        self,
        run_id: int,
        outcome: str,
        *,
        counts: dict[str, int] | None = None,
        requests_made: int = 0,
        error: str | None = None,
    ) -> RunRow:
        with self.session() as s:
            run = s.get(RunRow, run_id)
            if run is None:
                raise StoreError(f"no run {run_id}")
            run.finished_at, run.outcome = utc_now(), outcome
            run.error = REDACTOR.redact(error) if error else error
            run.counts, run.requests_made = dict(counts or {}), requests_made
            s.add(run)
            return run

    def last_run(self, client: str, outcome: str | None = None) -> RunRow | None:
        """The client's most recent run (with that ``outcome`` when given), finished or not."""
        query = (
            select(RunRow)
            .where(col(RunRow.client) == client)
            .where(col(RunRow.outcome) == outcome if outcome is not None else true())
            .order_by(desc(col(RunRow.started_at)), desc(col(RunRow.id)))
            .limit(1)
        )
        with self.session() as s:
            return s.execute(query).scalars().first()

    def last_began(self, client: str, outcomes: Sequence[str]) -> datetime | None:
        """When the client's most recent run with one of ``outcomes`` began (aware UTC, as
        every stored time), or None (one query, no row read: what the daemon asks before
        every sync)."""
        runs = table_of(RunRow)
        query = select(func.max(runs.c.started_at)).where(
            runs.c.client == client, runs.c.outcome.in_(list(outcomes)))
        with self.session() as s:
            return cast("datetime | None", s.execute(query).scalar())



__all__ = ["RunQueries", "StartedRun"]
