"""What the dashboard's pages show, read from the client files and the store (never from a
tracker): one :class:`ClientLine` per client for the overview, sorted by what needs attention.

Deriving a ledger means loading every record of a client, so ledgers are kept in memory
(:class:`LedgerCache`) and derived again only when something they depend on changed: the
client's latest run (every sync records one, failed or not), its posted notices (their comment
ids are left out of the time entries), its client file; a ledger older than ``max_age`` (the
clock makes requests late) is derived again in the background.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Hashable
from dataclasses import dataclass, field
from pathlib import Path

from bridge.clientfile.load import client_files, read_client
from bridge.clientfile.schema import ClientConfig
from bridge.engine.ledger import Ledger
from bridge.store import Store
from bridge.store.derive import ledger_for
from bridge.store.models import DaemonStateRow, RunRow
from bridge.store.summary import last_ok_runs, latest_runs, outbox_counts

#: seconds a derived ledger is shown before it is derived again, even with nothing new stored
LEDGER_MAX_AGE = 60.0


@dataclass(frozen=True, slots=True)
class ClientFile:
    """A client file as last read: its config, or its problems."""

    path: Path
    slug: str
    config: ClientConfig | None
    problems: tuple[str, ...]


class ClientFiles:
    """The client files of a folder, each read again only when it changed on disk."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._seen: dict[Path, tuple[tuple[int, int], ClientFile]] = {}
        self._mutex = threading.Lock()

    def all(self) -> list[ClientFile]:
        found: list[ClientFile] = []
        with self._mutex:
            seen: dict[Path, tuple[tuple[int, int], ClientFile]] = {}
            for path in client_files(self.folder):
                try:
                    info = path.stat()
                except OSError:
                    continue  # removed meanwhile
                stamp = (info.st_mtime_ns, info.st_size)
                known = self._seen.get(path)
                if known is None or known[0] != stamp:
                    config, problems = read_client(path)
                    slug = config.client if config is not None else path.stem
                    known = (stamp, ClientFile(path, slug, config, tuple(problems)))
                seen[path] = known
                found.append(known[1])
            self._seen = seen
        return found

    def get(self, slug: str) -> ClientFile | None:
        return next((f for f in self.all() if f.slug == slug), None)


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
class ClientLine:
    """One client as the overview shows it."""

    file: ClientFile
    ledger: Ledger | None
    #: notices by state (held, pending, sending, posted, discarded...)
    outbox: dict[str, int]
    last_run: RunRow | None
    last_ok: RunRow | None
    plan: DaemonStateRow | None

    @property
    def slug(self) -> str:
        return self.file.slug

    @property
    def name(self) -> str:
        return self.file.config.name if self.file.config is not None else self.file.path.stem

    @property
    def held(self) -> int:
        return self.outbox.get("held", 0)

    @property
    def late(self) -> int:
        return 0 if self.ledger is None else len(self.ledger.late_requests)

    @property
    def failed(self) -> bool:
        return self.last_run is not None and self.last_run.outcome == "failed"

    def attention(self) -> tuple[int, ...]:
        """Larger first: a broken file, a paused or failing client, held notices, late
        requests, money beyond the quote, rounds used up."""
        ledger = self.ledger
        return (
            1 if self.file.problems else 0,
            1 if self.plan is not None and self.plan.paused else 0,
            1 if self.failed else 0,
            self.held,
            self.late,
            1 if ledger is not None and ledger.overage.amount > 0 else 0,
            1 if ledger is not None and ledger.rounds_remaining == 0 else 0,
        )


class Board:
    """The dashboard's view of the client files and the store."""

    def __init__(self, store: Store, folder: Path, max_age: float = LEDGER_MAX_AGE) -> None:
        self.store = store
        self.files = ClientFiles(folder)
        self.ledgers = LedgerCache(store, max_age)

    def overview(self) -> list[ClientLine]:
        """Every client, those needing attention first (then by name)."""
        runs, oks = latest_runs(self.store), last_ok_runs(self.store)
        counts, daemon = outbox_counts(self.store), self.store.plans.all()
        lines = []
        for file in self.files.all():
            outbox = counts.get(file.slug, {})
            ledger = None
            if file.config is not None:
                ledger = self.ledgers.get(file.config, store_stamp(runs.get(file.slug), outbox))
            lines.append(ClientLine(file, ledger, outbox, runs.get(file.slug),
                                    oks.get(file.slug), daemon.get(file.slug)))
        lines.sort(key=lambda line: (tuple(-v for v in line.attention()), line.name.casefold()))
        return lines

    def client(self, slug: str) -> ClientLine | None:
        """One client's line, or None when no client file has that slug."""
        file = self.files.get(slug)
        if file is None:
            return None
        outbox = outbox_counts(self.store).get(slug, {})
        run = latest_runs(self.store).get(slug)
        ledger = None
        if file.config is not None:
            ledger = self.ledgers.get(file.config, store_stamp(run, outbox))
        return ClientLine(file, ledger, outbox, run, last_ok_runs(self.store).get(slug),
                          self.store.plans.all().get(slug))

    def warm(self) -> None:
        """Derive every ledger now (called at start-up, in the background)."""
        self.overview()
