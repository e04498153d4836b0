"""A PostgreSQL schema of its own for one test or world, on ``$REVBRIDGE_TEST_PG``."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url

PG_ENV = "REVBRIDGE_TEST_PG"


@contextmanager
def pg_schema_url(prefix: str = "rb_test", *,
                  before_drop: Callable[[Engine, str], None] | None = None) -> Iterator[str]:
    """A PostgreSQL URL whose ``search_path`` is a new schema, dropped after (once
    ``before_drop(engine, schema)`` has looked at it)."""
    base = os.environ[PG_ENV]
    schema = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        if before_drop is not None:
            before_drop(admin, schema)
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
