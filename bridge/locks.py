"""The per-client sync lock (DESIGN §3, §7): one sync of a client at a time.

SQLite: an exclusive ``flock`` on a lock file beside the database. PostgreSQL: a session-level
advisory lock held on a connection of its own. Both are released by the operating system or
the server when the holder dies, so a sync killed with SIGKILL never blocks the next one.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, text

from bridge.db import sqlite_file
from bridge.errors import LockTimeout

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
