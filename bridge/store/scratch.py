"""A throwaway copy of one client's rows, for ``sync --dry-run``.

A dry run must leave the store exactly as it found it, yet show what a real sync would post:
it runs the real sync against an in-memory SQLite store holding a copy of the client's rows
(every table with a ``client`` column: records, cursor, outbox, runs). Nothing is written back.
The copy is read in one transaction, under the client's sync lock held by the caller.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, insert, inspect, select
from sqlalchemy.pool import StaticPool
from sqlmodel import SQLModel

from bridge.store import db
from bridge.store.front import Store


@contextmanager
def scratch_copy(store: Store, client: str) -> Iterator[Store]:
    """A migrated in-memory store holding a copy of ``client``'s rows from ``store``."""
    engine = create_engine("sqlite://", poolclass=StaticPool,
                           connect_args={"check_same_thread": False})
    try:
        db.migrate(engine)
        copy = Store(engine)
        present = set(inspect(engine).get_table_names())
        with store.session() as source, copy.session() as target:
            for table in SQLModel.metadata.sorted_tables:
                if table.name not in present or "client" not in table.c:
                    continue
                rows = [dict(row._mapping) for row in
                        source.execute(select(table).where(table.c.client == client))]
                if rows:
                    target.execute(insert(table), rows)
        yield copy
    finally:
        engine.dispose()
