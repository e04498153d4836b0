"""A store held at an older migration, for the tests that check what a migration keeps."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection


@contextmanager
def at_revision(store_url: str, revision: str, *, down: bool = False) -> Iterator[Connection]:
    """A connection (in a transaction) to ``store_url`` upgraded to ``revision`` — or
    downgraded to it with ``down`` — committed and closed on leaving."""
    from alembic import command
    from alembic.config import Config

    from bridge.store.db import MIGRATIONS, create

    engine = create(store_url)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            (command.downgrade if down else command.upgrade)(config, revision)
            yield connection
    finally:
        engine.dispose()
