"""Fairness between trackers: one slow or hanging tracker never takes every worker.

The daemon's worker pool is shared by all clients. A tracker that hangs (each request waiting
out its timeout) would otherwise hold one worker per client it serves until every worker waits
on it, and clients of healthy trackers would miss their schedule. So at most
:func:`share_of` the workers sync clients of one tracker endpoint (its base URL) at a time; a
client whose endpoint is at its share skips that run and comes back at its next scheduled time.
Several daemons on one store: a client synced well (or being synced) less than half a period
ago, by another daemon or by hand, is skipped, so the daemons split the clients
(:func:`fair_gap`).
See docs/agency.md.
"""

from __future__ import annotations

import threading
from collections import Counter
from datetime import UTC, datetime

from bridge.clientfile.schema import ClientConfig
from bridge.store import Store
from connectors.errors import StoreError


def endpoint_of(config: ClientConfig) -> str:
    """The tracker endpoint a client's requests go to: its type and base URL."""
    settings = config.tracker
    base = getattr(settings, "api_url", None) or getattr(settings, "url", None) or ""
    return f"{settings.type} {str(base).rstrip('/')}"


def fair_gap(period: float) -> float:
    """A client synced well this long ago (by any process) is not synced again yet: half its
    period, so daemons sharing a store split the clients instead of each syncing them all."""
    return period / 2


def synced_lately(store: Store, client: str, period: float) -> float | None:
    """Seconds since the client's last good sync began, or the one running now (in another
    process: the daemon never runs a client twice at once), when under :func:`fair_gap`.

    A running one counts: two daemons fire a client at nearly the same time (their schedules
    start from its last sync in the store), and the later one, waiting for the lock, would
    sync the client again as soon as the first one is done.
    """
    try:
        began = store.last_began(client, ("ok", "running"))
    except StoreError:
        return None  # the sync will meet the store's trouble and report it
    if began is None:
        return None
    age = (datetime.now(UTC) - began).total_seconds()  # the store's times are aware UTC
    return age if age < fair_gap(period) else None


def share_of(workers: int) -> int:
    """The most workers one endpoint may hold: half of them (at least one)."""
    return max(1, workers // 2)


class EndpointGate:
    """Counts the syncs running per endpoint; refuses one beyond the endpoint's share."""

    def __init__(self, workers: int) -> None:
        self.share = share_of(workers)
        self._running: Counter[str] = Counter()
        self._lock = threading.Lock()

    def enter(self, endpoint: str) -> bool:
        """Take a place for a sync on ``endpoint``; False when its share is in use."""
        with self._lock:
            if self._running[endpoint] >= self.share:
                return False
            self._running[endpoint] += 1
            return True

    def leave(self, endpoint: str) -> None:
        with self._lock:
            self._running[endpoint] -= 1
            if self._running[endpoint] <= 0:
                del self._running[endpoint]

    def busy(self, endpoint: str) -> int:
        with self._lock:
            return self._running[endpoint]
