"""Opening a database: engine, SQLite file safety (mode 0600, WAL), migrations, and the
per-client sync lock (one sync of a client at a time).

The lock: SQLite, an exclusive ``flock`` on a lock file beside the database; PostgreSQL, a
session-level advisory lock held on a connection of its own. Both are released by the operating
system or the server when the holder dies, so a sync killed with SIGKILL never blocks the next one.
"""

from __future__ import annotations

import fcntl
import hashlib
import importlib.util
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from connectors.errors import ConfigError, LockTimeout, StoreError

MIGRATIONS = Path(__file__).with_name("migrations")
#: the lock taken while migrating (not a valid client slug, so never a client's sync lock)
MIGRATION_LOCK = ".schema"
MIGRATION_WAIT = 120.0  # seconds


WORKING_URLS = (
    "revbridge works with sqlite:///PATH (a file; sqlite:////abs/path for an absolute path) and "
    "postgresql+psycopg://USER@HOST/DATABASE (pip install 'revbridge[postgres]')"
)


def check_url(url: str) -> URL:
    """``url`` parsed, or a :class:`ConfigError` (a usage error: exit 2) saying which URLs work."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        if "://" not in url:
            guess = Path(url).expanduser().absolute()
            raise ConfigError([
                f"database URL {url!r} is a path, not a URL: did you mean sqlite:///{guess}?"
            ]) from None
        raise ConfigError([f"database URL {url!r} is not a URL: {WORKING_URLS}"]) from None
    shown = parsed.render_as_string(hide_password=True)
    backend, _, driver = parsed.drivername.partition("+")
    if backend == "sqlite" and driver in ("", "pysqlite"):
        return parsed
    if backend in ("postgres", "postgresql"):
        if backend == "postgres" or _driver_of(parsed) != "psycopg":
            fixed = parsed.set(drivername="postgresql+psycopg").render_as_string(
                hide_password=True)
            raise ConfigError([f"database URL {shown}: revbridge talks to PostgreSQL through "
                               f"psycopg 3: use {fixed} (pip install 'revbridge[postgres]')"])
        if importlib.util.find_spec("psycopg") is None:
            raise ConfigError([f"database URL {shown}: the PostgreSQL driver is not installed: "
                               "pip install 'revbridge[postgres]'"])
        return parsed
    raise ConfigError([f"database URL {shown}: {parsed.drivername} is not supported; "
                       f"{WORKING_URLS}"])


def _driver_of(url: URL) -> str:
    """The driver SQLAlchemy would use for ``url`` (its default when the URL names none)."""
    try:
        return url.get_driver_name()
    except Exception:  # NoSuchModuleError, or the driver's own import error
        return ""


def create(url: str) -> Engine:
    """An engine for ``url``; a SQLite file is created 0600 first and runs in WAL mode."""
    parsed = check_url(url)
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
def client_lock(engine: Engine, client: str, timeout: float = 0.0,
                on_wait: Callable[[], None] | None = None) -> Iterator[None]:
    """Hold ``client``'s sync lock for the block; wait up to ``timeout`` s, then LockTimeout.
    ``on_wait`` is called once when the lock is held by another process and there is time to
    wait for it (so a person can be told why nothing happens)."""
    deadline = time.monotonic() + timeout
    told = on_wait is None or timeout <= 0

    def wait() -> None:
        nonlocal told
        if not told and on_wait is not None:
            told = True
            on_wait()
        _wait_or_give_up(client, deadline)

    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            key = _lock_key(client)
            while not conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar():
                conn.rollback()
                wait()
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
                wait()
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
