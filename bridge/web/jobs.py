""""Sync now" from the dashboard: the same :func:`~bridge.sync.run.sync_client` as ``revbridge
sync``, under the same per-client lock, run in a background thread so the page answers at once.

A second request while this process syncs the client is told so (:data:`ALREADY`); when another
process (the daemon, a ``revbridge sync``) holds the client's lock, the sync gives up at once
and the page says so (``locked``) instead of waiting.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from bridge.clientfile.schema import ClientConfig
from bridge.clientfile.secrets import REDACTOR
from bridge.store import Store
from bridge.sync.run import RunSummary, SyncOptions, sync_client
from connectors.errors import LockTimeout, RevbridgeError

log = logging.getLogger(__name__)

Started = Literal["started", "already"]
STARTED: Started = "started"
ALREADY: Started = "already"


@dataclass
class Job:
    """One "sync now" of one client: running until ``finished_at`` is set."""

    client: str
    started_at: datetime
    finished_at: datetime | None = None
    #: ok | failed | locked (another process held the lock)
    outcome: str | None = None
    error: str | None = None

    @property
    def running(self) -> bool:
        return self.finished_at is None


Syncer = Callable[[ClientConfig, Store, SyncOptions], RunSummary]


class SyncJobs:
    """The dashboard's syncs, at most one per client at a time."""

    def __init__(self, store: Store, syncer: Syncer = sync_client) -> None:
        self.store = store
        self._syncer = syncer
        self._jobs: dict[str, Job] = {}
        self._threads: dict[str, threading.Thread] = {}
        self._mutex = threading.Lock()
        #: set when the server stops: a running sync ends after its committed page or post
        self._stop = threading.Event()

    def start(self, config: ClientConfig) -> Started:
        """Start a sync of ``config``'s client, unless one started here is still running."""
        with self._mutex:
            current = self._jobs.get(config.client)
            if current is not None and current.running:
                return ALREADY
            job = Job(config.client, datetime.now(UTC))
            self._jobs[config.client] = job
            thread = threading.Thread(target=self._run, args=(job, config),
                                      name=f"revbridge-web-sync-{config.client}", daemon=True)
            self._threads[config.client] = thread
        thread.start()
        return STARTED

    def job(self, client: str) -> Job | None:
        """The latest sync started here for ``client`` (running or not)."""
        with self._mutex:
            return self._jobs.get(client)

    def wait(self, client: str, timeout: float | None = None) -> None:
        """Wait for the client's running sync, if any, to end (tests, shutdown)."""
        with self._mutex:
            thread = self._threads.get(client)
        if thread is not None:
            thread.join(timeout)

    def stop_all(self, timeout: float) -> list[str]:
        """Ask every running sync to stop (the server is stopping: each ends after its
        committed page or post, recorded as interrupted) and wait up to ``timeout`` seconds in
        all; returns the clients whose sync was still running."""
        self._stop.set()
        deadline = time.monotonic() + timeout
        with self._mutex:
            threads = dict(self._threads)
        for thread in threads.values():
            thread.join(max(0.0, deadline - time.monotonic()))
        return [client for client, thread in threads.items() if thread.is_alive()]

    def _run(self, job: Job, config: ClientConfig) -> None:
        outcome, error = "failed", None
        try:
            options = SyncOptions(lock_timeout=0.0, stop=self._stop,
                                  stop_reason="the dashboard was stopped")
            summary = self._syncer(config, self.store, options)
            outcome, error = summary.outcome, summary.error
        except LockTimeout:
            outcome = "locked"
        except RevbridgeError as exc:
            error = f"{type(exc).__name__}: {exc}"
        except Exception as exc:  # a bug must not kill the thread silently
            log.exception("%s: sync from the dashboard crashed", config.client)
            error = f"{type(exc).__name__}: {exc}"
        with self._mutex:
            job.outcome, job.error = outcome, REDACTOR.redact(error) if error else None
            job.finished_at = datetime.now(UTC)
