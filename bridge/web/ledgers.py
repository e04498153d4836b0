"""What the dashboard keeps of what it derived: each client's ledger (:class:`LedgerCache`, for
its client page) and each client's overview figures (:class:`FiguresCache`, in memory and in a
file, derived by one background worker when a view cannot wait for them).

A ledger is derived again only when something it depends on changed: the client's latest run
(every sync records one, failed or not), its posted notices (their comment ids are left out of
the time entries), its client file; a ledger older than ``max_age`` (the clock makes requests
late) is derived again in the background.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Hashable, Iterator
from dataclasses import dataclass, field

from bridge.billing.invoices import summary
from bridge.clientfile.schema import ClientConfig
from bridge.engine.ledger import Ledger
from bridge.store import Store
from bridge.store.derive import ledger_for
from bridge.store.models import RunRow
from bridge.web.figures import Figures, FiguresFile

log = logging.getLogger(__name__)

#: seconds a derived ledger is shown before it is derived again, even with nothing new stored
LEDGER_MAX_AGE = 60.0
#: seconds the background worker waits for the requests being answered before its next client
WORKER_YIELD = 1.0


@dataclass
class _Cached:
    config: ClientConfig
    stamp: Hashable
    ledger: Ledger
    made: float


@dataclass
class LedgerCache:
    """Ledgers derived from the store, kept while nothing they depend on changed.

    A ledger whose records did not change but that is older than ``max_age`` is still shown
    once more while a background thread derives it again (the clock only moves "late").
    """

    store: Store
    max_age: float = LEDGER_MAX_AGE
    _cached: dict[str, _Cached] = field(default_factory=dict)
    _refreshing: set[str] = field(default_factory=set)
    _mutex: threading.Lock = field(default_factory=threading.Lock)

    def get(self, config: ClientConfig, stamp: Hashable) -> Ledger:
        """``config``'s ledger; derived again at once when ``stamp`` (what the store holds for
        the client, see :func:`store_stamp`) or the config changed."""
        with self._mutex:
            hit = self._cached.get(config.client)
            fresh = hit is not None and hit.stamp == stamp and hit.config == config
            stale = fresh and hit is not None and time.monotonic() - hit.made >= self.max_age
            if stale and config.client not in self._refreshing:
                self._refreshing.add(config.client)
                threading.Thread(target=self._derive, args=(config, stamp), daemon=True,
                                 name=f"revbridge-web-ledger-{config.client}").start()
        if fresh and hit is not None:
            return hit.ledger
        return self._derive(config, stamp)

    def peek(self, config: ClientConfig, stamp: Hashable) -> Ledger | None:
        """The kept ledger when nothing it depends on changed, else None (nothing derived)."""
        with self._mutex:
            hit = self._cached.get(config.client)
        if hit is not None and hit.stamp == stamp and hit.config == config:
            return hit.ledger
        return None

    def _derive(self, config: ClientConfig, stamp: Hashable) -> Ledger:
        made = time.monotonic()
        try:
            ledger = ledger_for(self.store, config)
        finally:
            with self._mutex:
                self._refreshing.discard(config.client)
        with self._mutex:
            self._cached[config.client] = _Cached(config, stamp, ledger, made)
        return ledger


def store_stamp(run: RunRow | None, counts: dict[str, int]) -> Hashable:
    """What changes in the store whenever a client's ledger may change: its latest run (a sync
    records one before and after it writes) and how many of its notices are posted."""
    run_part = None if run is None else (run.id, run.outcome, run.finished_at)
    return (run_part, counts.get("posted", 0))


@dataclass(frozen=True, slots=True)
class Wanted:
    """A client whose figures are asked for: its config, the figures' stamp
    (:func:`~bridge.web.figures.figures_stamp`) and its ledger's (:func:`store_stamp`)."""

    config: ClientConfig
    stamp: str
    ledger_stamp: Hashable


class FiguresCache:
    """Every client's overview figures under their stamp, kept in memory and saved in
    ``file``; those asked for and missing are derived at once (:meth:`derive`) or by one
    background worker (:meth:`later`), never twice at the same time for one client."""

    def __init__(self, store: Store, ledgers: LedgerCache, file: FiguresFile) -> None:
        self.store = store
        self.ledgers = ledgers
        self.file = file
        self._known = file.load()
        self._dirty = False
        self._mutex = threading.Lock()
        self._locks: dict[str, threading.Lock] = {}
        self._queue: dict[str, Wanted] = {}
        #: the worker's failures: {client: (stamp, error)}; not tried again for that stamp
        self._failed: dict[str, tuple[str, str]] = {}
        self._worker: threading.Thread | None = None
        #: seconds one client's figures usually take to derive (a moving average)
        self.typical = 0.0
        #: requests being answered: the worker waits for none before its next client
        self._serving = 0
        self._quiet = threading.Condition(self._mutex)

    def known(self, slug: str, stamp: str) -> Figures | None:
        """The client's figures when they were made of what ``stamp`` says, else None."""
        with self._mutex:
            hit = self._known.get(slug)
        return hit[1] if hit is not None and hit[0] == stamp else None

    def derive(self, wanted: Wanted, timeout: float | None = None) -> Figures | None:
        """The client's figures, derived now unless known; None when another thread is
        deriving them and they are not ready within ``timeout`` seconds."""
        slug = wanted.config.client
        with self._mutex:
            lock = self._locks.setdefault(slug, threading.Lock())
        if not lock.acquire(timeout=-1 if timeout is None else max(0.0, timeout)):
            return None
        try:
            found = self.known(slug, wanted.stamp)
            if found is None:
                began = time.monotonic()
                # a ledger is kept for its client page only: fifty of them would make every
                # garbage collection of the server's objects take a second
                ledger = (self.ledgers.peek(wanted.config, wanted.ledger_stamp)
                          or ledger_for(self.store, wanted.config))
                found = Figures.of(ledger, summary(self.store, ledger))
                del ledger
                took = time.monotonic() - began
                with self._mutex:
                    self._known[slug] = (wanted.stamp, found)
                    self._dirty = True
                    self.typical = took if not self.typical else 0.7 * self.typical + 0.3 * took
            return found
        finally:
            lock.release()

    @contextlib.contextmanager
    def serving(self) -> Iterator[None]:
        """Around answering a request: the worker starts no derivation meanwhile.

        Both are Python threads: a request waiting for the interpreter lock after each query
        while the worker computes would take ten times longer.
        """
        with self._mutex:
            self._serving += 1
        try:
            yield
        finally:
            with self._mutex:
                self._serving -= 1
                if not self._serving:
                    self._quiet.notify_all()

    @property
    def busy(self) -> bool:
        """The worker has figures left to derive."""
        with self._mutex:
            return self._worker is not None

    def later(self, wanted: Wanted) -> None:
        """Have the background worker derive the client's figures (started when idle)."""
        with self._mutex:
            self._queue[wanted.config.client] = wanted
            if self._worker is None or not self._worker.is_alive():
                self._worker = threading.Thread(target=self._work, daemon=True,
                                                name="revbridge-web-figures")
                self._worker.start()

    def wait(self, timeout: float | None = None) -> None:
        """Wait for the background worker to finish what it was given (tests, the bench)."""
        with self._mutex:
            worker = self._worker
        if worker is not None:
            worker.join(timeout)

    def save(self) -> None:
        """Save the figures when some changed since the last save."""
        with self._mutex:
            if not self._dirty:
                return
            known, self._dirty = dict(self._known), False
        self.file.save(known)

    def _work(self) -> None:
        while True:
            with self._mutex:
                # requests first, but a steady stream of them does not starve the worker
                self._quiet.wait_for(lambda: not self._serving, timeout=WORKER_YIELD)
                if not self._queue:
                    # under the mutex: a later() now sees this thread ending and starts another
                    self._worker = None
                    break
                slug = next(iter(self._queue))
                wanted = self._queue.pop(slug)
            try:
                self.derive(wanted)
            except Exception as exc:  # shown in the client's row until its stamp changes
                log.exception("%s: deriving the overview's figures failed", slug)
                with self._mutex:
                    self._failed[slug] = (wanted.stamp, f"{type(exc).__name__}: {exc}")
        self.save()

    def failure(self, slug: str, stamp: str) -> str | None:
        """Why the worker could not derive the client's figures of ``stamp``, or None."""
        with self._mutex:
            failed = self._failed.get(slug)
        return failed[1] if failed is not None and failed[0] == stamp else None
