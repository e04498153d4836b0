"""Opening a database: engine, SQLite file safety (mode 0600, WAL), migrations, and the
per-client sync lock (one sync of a client at a time).

The lock: SQLite, an exclusive ``flock`` on a lock file beside the database; PostgreSQL, a
session-level advisory lock held on a connection of its own. Both are released by the operating
system or the server when the holder dies, so a sync killed with SIGKILL never blocks the next one.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import re
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from connectors.errors import LockTimeout, StoreError

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
    if _at_head(engine):
        return  # the usual case: no need to import Alembic (~0.15 s of a command's start)
    from alembic import command
    from alembic.config import Config
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))

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


_REVISION = re.compile(
    r"""^(down_revision|revision)\s*(?::[^=\n]*)?=\s*(?:["']([^"']+)["']|None)""", re.M)


def head_revision() -> str | None:
    """The newest migration's revision id, read from the version files' ``revision`` and
    ``down_revision`` lines; ``None`` unless there is exactly one head (Alembic then decides)."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        found = dict((key, value) for key, value in _REVISION.findall(path.read_text("utf-8")))
        if not found.get("revision"):
            return None
        revisions.add(found["revision"])
        if found.get("down_revision"):
            parents.add(found["down_revision"])
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


def _at_head(engine: Engine) -> bool:
    """Whether the database's ``alembic_version`` is the newest migration already."""
    head = head_revision()
    if head is None:
        return False
    try:
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT version_num FROM alembic_version")).all()
    except SQLAlchemyError:
        return False  # a new database (no table yet), or one Alembic must look at
    return [row[0] for row in rows] == [head]


POLL = 0.1  # seconds between two tries to take a held lock


def _lock_key(client: str) -> int:
    """A signed 64-bit advisory lock key for ``client``."""
    digest = hashlib.sha256(f"revbridge:{client}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def _lock_path(engine: Engine, client: str) -> Path:
    database = sqlite_file(engine.url.database)
    if database is not None:
        return Path(f"{database}.{client}.lock")
    tag = hashlib.sha256(str(engine.url).encode()).hexdigest()[:12]
    return Path(tempfile.gettempdir()) / f"revbridge-{tag}.{client}.lock"


@contextmanager
def client_lock(engine: Engine, client: str, timeout: float = 0.0) -> Iterator[None]:
    """Hold ``client``'s sync lock for the block; wait up to ``timeout`` s, then LockTimeout."""
    deadline = time.monotonic() + timeout
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            key = _lock_key(client)
            while not conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar():
                conn.rollback()
                _wait_or_give_up(client, deadline)
            conn.commit()
            try:
                yield
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
                conn.commit()
        return
    path = _lock_path(engine, client)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                _wait_or_give_up(client, deadline)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _wait_or_give_up(client: str, deadline: float) -> None:
    if time.monotonic() >= deadline:
        raise LockTimeout(
            f"{client}: another sync of this client is running; try again when it has finished"
        )
    time.sleep(min(POLL, max(0.0, deadline - time.monotonic())))
