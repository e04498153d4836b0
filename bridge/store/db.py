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
import logging
import os
import sqlite3
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from bridge.store.revisions import MIGRATIONS, head_revision
from connectors.errors import ConfigError, LockTimeout, StoreError

log = logging.getLogger(__name__)
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
        path = path.expanduser()
        if not path.exists():
            _create_database_file(path)
        _check_existing_file(path)
        if not os.access(path, os.W_OK) or not path.stat().st_mode & 0o200:
            # a store we may only read (a backup, another user's, one its owner made
            # read-only): status and reports read it, and a sync says it cannot write
            return create_engine(f"sqlite:///file:{path.resolve()}?mode=ro&uri=true",
                                 connect_args={"timeout": 30})
    engine = create_engine(parsed, connect_args={"timeout": 30})
    event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def sqlite_file(database: str | None) -> Path | None:
    """The file a SQLite URL's database names, or None (in memory, or a ``file:`` URI)."""
    if database and database != ":memory:" and not database.startswith("file:"):
        return Path(database)
    return None


def _create_database_file(path: Path) -> None:
    """Make a new SQLite database at ``path``, readable by its owner only, in one step: it is
    made beside it and linked into place, so a file at ``path`` is never an empty one of ours
    (an empty file there is a lost database, see :func:`_check_existing_file`)."""
    draft = path.with_name(f".{path.name}.{os.getpid()}.new")
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.close(os.open(draft, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
        connection = sqlite3.connect(draft)
        try:
            connection.execute("PRAGMA journal_mode=WAL")  # writes the header: 4 KiB
        finally:
            connection.close()
        with suppress(FileExistsError):  # another process made it first: as good as ours
            os.link(draft, path)
    except (OSError, sqlite3.Error) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else str(exc)
        raise StoreError(f"cannot create the database file {path}: {reason}; check that its "
                         "folder exists and is writable, or choose another with --db") from None
    finally:
        for leftover in (draft, Path(f"{draft}-wal"), Path(f"{draft}-shm")):
            leftover.unlink(missing_ok=True)


def _check_existing_file(path: Path) -> None:
    """An existing database file: never empty, readable by its owner only."""
    try:
        info = path.stat()
    except OSError as exc:
        raise StoreError(f"cannot read the database file {path}: {exc.strerror}") from None
    if info.st_size == 0:
        raise StoreError(
            f"the database file {path} is empty (0 bytes): it held a database that was lost "
            "(a truncated copy, a full disk). Restore it from a backup; to really start "
            "afresh, delete the file (every stored record and posted-notice trace goes)")
    if info.st_mode & 0o077 and info.st_uid == os.getuid():
        try:
            os.chmod(path, 0o600)
        except OSError:
            log.warning("the database file %s can be read by others (mode %o) and could not "
                        "be made private: chmod 600 it", path, info.st_mode & 0o777)
        else:
            log.warning("the database file %s could be read by others (mode %o): made private "
                        "to its owner (600)", path, info.st_mode & 0o777)
    elif info.st_mode & 0o077:
        log.warning("the database file %s can be read by others (mode %o) and belongs to "
                    "another user: have its owner chmod 600 it", path, info.st_mode & 0o777)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest migration (a no-op when it is there already); a store
    opened read-only is only checked to be there already."""
    if read_only(engine) is None and _at_head(engine):
        return  # the usual case: no need to import Alembic (~0.15 s of a command's start)
    from alembic import command
    from alembic.config import Config
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if read_only(engine):
        _check_read_only_schema(engine, config)
        return

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


def read_only(engine: Engine) -> str | None:
    """The file of a SQLite store opened read-only (see :func:`create`), else None."""
    database = engine.url.database or ""
    if engine.dialect.name == "sqlite" and engine.url.query.get("mode") == "ro":
        return database.removeprefix("file:")
    return None


def read_only_message(path: str) -> str:
    """What a write to the read-only SQLite store ``path`` fails with: the file and the fix."""
    return (f"the database file {path} is read-only, so nothing can be saved in it: make it "
            f"writable (chmod u+w {path}) and run again")


def _check_read_only_schema(engine: Engine, config: Any) -> None:
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    path = read_only(engine)
    try:
        with engine.connect() as connection:
            current = MigrationContext.configure(connection).get_current_heads()
    except SQLAlchemyError as exc:
        raise StoreError(f"cannot read the database file {path} (read-only): "
                         f"{type(exc).__name__}: {exc.args[0]}") from None
    if set(current) != set(ScriptDirectory.from_config(config).get_heads()):
        raise StoreError(f"the database file {path} is read-only and needs an upgrade this "
                         "version must write: make it writable (chmod u+w) and run again")
    log.info("the database file %s is read-only: reading only", path)


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
                _advisory_unlock(conn, key, client)
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


def _advisory_unlock(conn: Any, key: int, client: str) -> None:
    """Release the advisory lock; on a lost connection there is nothing to release (the
    server drops a dead session's locks), and the error that lost it is already on its way."""
    try:
        conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
        conn.commit()
    except SQLAlchemyError as exc:
        log.debug("%s: the lock's connection is gone (%s); the server released the lock",
                  client, type(exc).__name__)
        with suppress(SQLAlchemyError):
            conn.invalidate()


def _wait_or_give_up(client: str, deadline: float) -> None:
    if time.monotonic() >= deadline:
        raise LockTimeout(
            f"{client}: another sync of this client is running; try again when it has finished"
        )
    time.sleep(min(POLL, max(0.0, deadline - time.monotonic())))
