"""What the dashboard's pages show, read from the client files and the store (never from a
tracker): one :class:`ClientLine` per client for the overview, sorted by what needs attention.

The overview shows each client's :class:`~bridge.web.figures.Figures`, kept under a stamp of
what they are made of (:mod:`bridge.web.ledgers`); a view derives the missing ones for at most
its ``budget`` of seconds and leaves the rest to a background worker, so the first view after
start-up answers quickly even when no figure is known yet (its rows then say "computing" and
the page refreshes itself). A client page derives (or reuses) its client's ledger.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from pathlib import Path

from bridge.clientfile.load import client_files, read_client
from bridge.clientfile.schema import ClientConfig
from bridge.engine.ledger import Ledger
from bridge.store import Store
from bridge.store.models import DaemonStateRow, RunRow
from bridge.store.summary import invoice_stamps, last_ok_runs, latest_runs, outbox_counts
from bridge.web.figures import Figures, FiguresFile, figures_stamp
from bridge.web.ledgers import LEDGER_MAX_AGE, FiguresCache, LedgerCache, Wanted, store_stamp

#: seconds an overview view may spend deriving missing figures before it leaves the rest to the
#: background worker (the whole view's target is 300 ms)
OVERVIEW_BUDGET = 0.1


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


@dataclass(frozen=True, slots=True)
class ClientLine:
    """One client as the overview (``ledger`` None) or its client page shows it."""

    file: ClientFile
    #: the overview's figures; None for a broken client file, or while they are computed
    figures: Figures | None
    #: the figures are being derived in the background (the view did not wait for them)
    pending: bool
    #: notices by state (held, pending, sending, posted, discarded, skipped...)
    outbox: dict[str, int]
    last_run: RunRow | None
    last_ok: RunRow | None
    plan: DaemonStateRow | None
    ledger: Ledger | None = None
    #: why its figures could not be derived (a bug: the error is in the log too)
    figures_error: str | None = None

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
    def skipped(self) -> int:
        """Notices the first sync recorded without posting them (requests made before
        ``[comments] since``)."""
        return self.outbox.get("skipped", 0)

    @property
    def late(self) -> int:
        return 0 if self.figures is None else self.figures.late()

    @property
    def failed(self) -> bool:
        return self.last_run is not None and self.last_run.outcome == "failed"

    def attention(self) -> tuple[int, ...]:
        """Larger first: a broken file, a paused or failing client, held notices, late
        requests, money due (to invoice), money beyond the quote, rounds used up."""
        figures = self.figures
        return (
            1 if self.file.problems or self.figures_error else 0,
            1 if self.plan is not None and self.plan.paused else 0,
            1 if self.failed else 0,
            self.held,
            self.late,
            1 if figures is not None and figures.due_cents > 0 else 0,
            1 if figures is not None and figures.overage_amount > 0 else 0,
            1 if figures is not None and figures.rounds_remaining == 0 else 0,
        )


class Board:
    """The dashboard's view of the client files and the store.

    ``figures_file``: where the overview's figures are saved between runs (None: kept in
    memory only).
    """

    def __init__(self, store: Store, folder: Path, max_age: float = LEDGER_MAX_AGE,
                 figures_file: Path | None = None) -> None:
        self.store = store
        self.files = ClientFiles(folder)
        self.ledgers = LedgerCache(store, max_age)
        self.figures = FiguresCache(store, self.ledgers, FiguresFile(figures_file))

    def overview(self, budget: float | None = None) -> list[ClientLine]:
        """Every client, those needing attention first (then by name).

        Missing figures are derived while they fit in ``budget`` seconds (None: all of them,
        however long), the others by the background worker: their lines are ``pending``.
        """
        deadline = None if budget is None else time.monotonic() + budget
        runs, oks = latest_runs(self.store), last_ok_runs(self.store)
        counts, daemon = outbox_counts(self.store), self.store.plans.all()
        invoices = invoice_stamps(self.store)
        lines = []
        for file in self.files.all():
            outbox = counts.get(file.slug, {})
            run = runs.get(file.slug)
            figures, pending, failed = None, False, None
            if file.config is not None:
                wanted = Wanted(file.config,
                                figures_stamp(file.config, run, outbox.get("posted", 0),
                                              invoices.get(file.slug, (0, 0, 0))),
                                store_stamp(run, outbox))
                figures = self.figures.known(file.slug, wanted.stamp)
                failed = self.figures.failure(file.slug, wanted.stamp)
                if figures is None and failed is None and deadline is None:
                    figures = self.figures.derive(wanted)
                elif (figures is None and failed is None and deadline is not None
                      and not self.figures.busy
                      and time.monotonic() + self.figures.typical < deadline):
                    # a client or two changed: derived now. Many (start-up): the worker's
                    figures = self.figures.derive(wanted, timeout=0.0)
                if figures is None and failed is None:
                    self.figures.later(wanted)
                    pending = True
            lines.append(ClientLine(file, figures, pending, outbox, run, oks.get(file.slug),
                                    daemon.get(file.slug), figures_error=failed))
        if not any(line.pending for line in lines):
            self.figures.save()
        lines.sort(key=lambda line: (tuple(-v for v in line.attention()), line.name.casefold()))
        return lines

    def client(self, slug: str) -> ClientLine | None:
        """One client's line with its ledger, or None when no client file has that slug."""
        file = self.files.get(slug)
        if file is None:
            return None
        outbox = outbox_counts(self.store).get(slug, {})
        run = latest_runs(self.store).get(slug)
        ledger, figures = None, None
        if file.config is not None:
            wanted = Wanted(file.config,
                            figures_stamp(file.config, run, outbox.get("posted", 0),
                                          invoice_stamps(self.store).get(slug, (0, 0, 0))),
                            store_stamp(run, outbox))
            ledger = self.ledgers.get(file.config, wanted.ledger_stamp)
            figures = self.figures.derive(wanted)
        return ClientLine(file, figures, False, outbox, run, last_ok_runs(self.store).get(slug),
                          self.store.plans.all().get(slug), ledger)

    def warm(self) -> None:
        """Have the background worker derive every missing figure (at start-up)."""
        lines = self.overview(budget=0.0)
        first = next((line for line in lines if line.pending), None)
        if first is not None and first.file.config is not None:
            self.client(first.slug)
