"""Request budgets shared by every process of one PostgreSQL store (several daemons, a manual
sync beside a daemon): one token bucket row per credential in ``rate_budgets``, taken with
``SELECT ... FOR UPDATE`` so the processes take turns, timed by the database's clock so two
machines' clocks need not agree. On SQLite the process-local limiter is enough (one machine,
and a daemon is the one process syncing). See docs/agency.md.

A budget of ``limit`` requests per ``window`` becomes a bucket of ``limit // 10`` requests
refilled at ``(limit - limit // 10) / window`` per second: at most ``limit`` requests in any
window, whatever the processes do.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from connectors.budgets import LIMITERS, Budget, Limiter
from connectors.errors import StoreError

_NOW = "extract(epoch from clock_timestamp())::float8"
_CREATE = text(
    "INSERT INTO rate_budgets (credential, tokens, refilled_at, held_until) "
    f"VALUES (:key, :burst, {_NOW}, 0) ON CONFLICT (credential) DO NOTHING")
_TAKE = text(
    f"SELECT tokens, refilled_at, held_until, {_NOW} FROM rate_budgets "
    "WHERE credential = :key FOR UPDATE")
_SAVE = text("UPDATE rate_budgets SET tokens = :tokens, refilled_at = :now "
             "WHERE credential = :key")
_HOLD = text(f"UPDATE rate_budgets SET held_until = GREATEST(held_until, {_NOW} + :seconds) "
             "WHERE credential = :key RETURNING held_until")


@contextmanager
def _transaction(engine: Engine) -> Iterator[Connection]:
    """A transaction on the store; a database failure is a StoreError (one line, the sync
    fails cleanly), never a traceback from inside a tracker request."""
    try:
        with engine.begin() as conn:
            yield conn
    except SQLAlchemyError as exc:
        cause = getattr(exc, "orig", None) or exc
        raise StoreError(f"cannot keep the request budget in the database: "
                         f"{type(cause).__name__}: {str(cause).splitlines()[0]}") from None


class StoreBucket:
    """A credential's token bucket in the store (a :class:`connectors.budgets.Limiter`)."""

    def __init__(self, engine: Engine, key: str, budget: Budget) -> None:
        limit, window = budget
        self.engine, self.key = engine, key
        self.burst = max(1, limit // 10)
        self.rate = max(limit - self.burst, 1) / window  # tokens per second
        with _transaction(self.engine) as conn:
            conn.execute(_CREATE, {"key": key, "burst": self.burst})

    def _try(self, waited_until: float) -> float:
        """Take a token now (0.0) or say how long to wait before trying again."""
        with _transaction(self.engine) as conn:
            row = conn.execute(_TAKE, {"key": self.key}).one()
            tokens, refilled, held, now = (float(value) for value in row)
            if held > now and held > waited_until:
                return float(held - now)
            tokens = min(float(self.burst), tokens + (now - refilled) * self.rate)
            wait = 0.0 if tokens >= 1 else (1 - tokens) / self.rate
            if not wait:
                tokens -= 1
            conn.execute(_SAVE, {"key": self.key, "tokens": tokens, "now": now})
            return wait

    def acquire(self, sleep: Callable[[float], None] = time.sleep,
                waited_until: float = 0.0) -> None:
        """Wait for the credential's hold and for a token in its bucket, then take it."""
        while (wait := self._try(waited_until)) > 0:
            sleep(wait)

    def hold(self, seconds: float) -> float:
        """No request on this credential, from any process, for ``seconds``."""
        with _transaction(self.engine) as conn:
            return float(conn.execute(_HOLD, {"key": self.key, "seconds": max(seconds, 0.0)})
                         .scalar_one())


def share_budgets(engine: Engine) -> bool:
    """Make this process's connectors keep their budgets in ``engine``'s PostgreSQL database.

    Returns False (and changes nothing) on another database.
    """
    if engine.dialect.name != "postgresql":
        return False

    def bucket(key: str, budget: Budget) -> Limiter:
        return StoreBucket(engine, key, budget)

    LIMITERS.share_with(bucket)
    return True


def stop_sharing_budgets() -> None:
    """Back to budgets kept in this process (the store they were shared through is closing)."""
    LIMITERS.share_with(None)
