"""The overview's figures of one client: what its row shows of the ledger and of the billing
summary, small enough to keep for every client and to save between two runs of the dashboard.

Deriving a ledger reads every record of the client (tens of milliseconds for 500 requests), so
the overview of 50 clients cannot derive them all while a person waits. :class:`Figures` holds
the few numbers a row needs; they are saved in a file (:class:`FiguresFile`) under a stamp of
everything they are made of (the client's latest run, its posted notices, its invoices, its
client file and this version of revbridge), so a restarted dashboard shows them at once.

Only "late" moves with the clock: the figures keep the due moments of the requests not
delivered yet, and count them against the time of each view.
"""

from __future__ import annotations

import bisect
import hashlib
import json
import logging
import os
import tempfile
import threading
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bridge import __version__
from bridge.clientfile.schema import ClientConfig
from bridge.engine.invoicing import Summary
from bridge.engine.ledger import Ledger
from bridge.store.models import RunRow

log = logging.getLogger(__name__)

#: bumped when :class:`Figures` changes shape: older files are then ignored
FORMAT = 1


@dataclass(frozen=True, slots=True)
class Figures:
    """One client's row of the overview (money as the ledger and the billing summary say)."""

    rounds_used: int
    rounds_included: int
    rounds_remaining: int
    extra_rounds: int
    seconds_spent: int
    hours_included: float | None
    overage_amount: float
    currency: str
    #: invoiced so far (non-void invoices) and due (the overage not invoiced yet), in cents
    invoiced_cents: int
    due_cents: int
    #: requests delivered after their due moment
    delivered_late: int
    #: due moments (POSIX seconds, sorted) of the requests not delivered yet
    pending_due: tuple[float, ...]

    @classmethod
    def of(cls, ledger: Ledger, billing: Summary) -> Figures:
        pending = sorted(r.due_at.timestamp() for r in ledger.requests
                         if r.due_at is not None and r.delivered_at is None)
        return cls(
            rounds_used=ledger.rounds_used, rounds_included=ledger.rounds_included,
            rounds_remaining=ledger.rounds_remaining, extra_rounds=ledger.extra_rounds,
            seconds_spent=ledger.seconds_spent, hours_included=ledger.quote.hours_included,
            overage_amount=ledger.overage.amount, currency=ledger.overage.currency,
            invoiced_cents=billing.invoiced_cents, due_cents=billing.due_cents,
            delivered_late=sum(1 for r in ledger.requests
                               if r.delivered_at is not None and r.late),
            pending_due=tuple(pending),
        )

    @property
    def hours_spent(self) -> float:
        return round(self.seconds_spent / 3600, 4)

    @property
    def due(self) -> float:
        return self.due_cents / 100

    def late(self, now: datetime | None = None) -> int:
        """Requests late at ``now``: delivered late, or not delivered and past their due
        moment (the engine's rule, counted without deriving the ledger again)."""
        moment = (now or datetime.now(UTC)).timestamp()
        return self.delivered_late + bisect.bisect_left(self.pending_due, moment)

    def as_json(self) -> dict[str, Any]:
        return {**asdict(self), "pending_due": list(self.pending_due)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Figures:
        return cls(**{**data, "pending_due": tuple(float(x) for x in data["pending_due"])})


def config_fingerprint(config: ClientConfig) -> str:
    """A digest of the client file's settings (anything there may change the ledger)."""
    return hashlib.sha256(config.model_dump_json().encode()).hexdigest()[:32]


def figures_stamp(config: ClientConfig, run: RunRow | None, posted: int,
                  invoices: tuple[int, int, int]) -> str:
    """Everything a client's figures are made of, as one string: its latest run (a sync
    records one before and after it writes), its posted notices (their comments are not time
    entries), its invoices (count, void ones, newest id), its client file, revbridge's version."""
    run_part = "-" if run is None else (
        f"{run.id}:{run.outcome}:{run.finished_at.isoformat() if run.finished_at else ''}")
    return "|".join((__version__, run_part, str(posted), ":".join(map(str, invoices)),
                     config_fingerprint(config)))


class FiguresFile:
    """Figures saved between runs of the dashboard: ``{client: [stamp, figures]}`` in a JSON
    file readable by its owner only. A missing, unreadable or older file is an empty one: it is
    only a cache, made again from the store."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._mutex = threading.Lock()

    def load(self) -> dict[str, tuple[str, Figures]]:
        if self.path is None:
            return {}
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            if data.get("format") != FORMAT:
                return {}
            return {client: (str(stamp), Figures.from_json(figures))
                    for client, (stamp, figures) in data["clients"].items()}
        except FileNotFoundError:
            return {}
        except (OSError, ValueError, TypeError, KeyError, AttributeError) as exc:
            log.warning("%s: ignored (%s); the figures are derived again", self.path, exc)
            return {}

    def save(self, known: dict[str, tuple[str, Figures]]) -> None:
        """Write ``known`` (atomically: a reader sees the old file or the new one)."""
        if self.path is None:
            return
        data = {"format": FORMAT, "clients": {client: [stamp, figures.as_json()]
                                              for client, (stamp, figures) in known.items()}}
        with self._mutex:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                fd, name = tempfile.mkstemp(dir=self.path.parent, prefix=".figures-")
                with os.fdopen(fd, "w", encoding="utf-8") as out:
                    json.dump(data, out)
                os.replace(name, self.path)
            except OSError as exc:  # a cache: the next start derives the figures again
                log.warning("cannot save the overview's figures to %s: %s", self.path, exc)
