"""Opening a database: engine, SQLite file safety (mode 0600, WAL) and migrations."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from bridge.errors import LockTimeout, StoreError

MIGRATIONS = Path(__file__).with_name("migrations")
#: the lock taken while migrating (not a valid client slug, so never a client's sync lock)
MIGRATION_LOCK = ".schema"
MIGRATION_WAIT = 120.0  # seconds


def create(url: str) -> Engine:
    """An engine for ``url``; a SQLite file is created 0600 first and runs in WAL mode."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise StoreError(f"not a database URL: {exc}") from None
    if parsed.get_backend_name() != "sqlite":
        connect_args: dict[str, Any] = {}
        if parsed.get_driver_name() == "psycopg":
            # psycopg prepares a statement run 5 times; PostgreSQL then plans the long
            # `remote_id IN (...)` deletes generically, as sequential scans (minutes per sync)
            connect_args["prepare_threshold"] = None
        return create_engine(parsed, pool_pre_ping=True, connect_args=connect_args)
    path = sqlite_file(parsed.database)
    if path is not None:
        _create_private_file(path)
    engine = create_engine(parsed, connect_args={"timeout": 30})
    event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def sqlite_file(database: str | None) -> Path | None:
    """The file a SQLite URL's database names, or None (in memory, or a ``file:`` URI)."""
    if database and database != ":memory:" and not database.startswith("file:"):
        return Path(database)
    return None


def _create_private_file(path: Path) -> None:
    """Create the database file readable by its owner only, before SQLite opens it."""
    path = path.expanduser()
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
    except OSError as exc:
        raise StoreError(f"cannot create the database file {path}: {exc.strerror}") from None
    os.close(fd)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest migration (a no-op when it is there already)."""
    from alembic import command
    from alembic.config import Config
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    from bridge.locks import client_lock

    try:
        # two processes opening a fresh database at once (a cron sync and a manual one, two
        # daemons on one PostgreSQL) would both create the tables: one migrates at a time
        with client_lock(engine, MIGRATION_LOCK, timeout=MIGRATION_WAIT), \
                engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
    except LockTimeout:
        raise StoreError(
            f"cannot migrate the database: another revbridge process has been migrating it "
            f"for {MIGRATION_WAIT:.0f} s"
        ) from None
    except SQLAlchemyError as exc:
        raise StoreError(
            f"cannot migrate the database: {type(exc).__name__}: {exc.args[0]}"
        ) from None
