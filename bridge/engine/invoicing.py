"""Invoice lines: the overage billed exactly once (docs/invoices.md).

Pure: a ledger (computed as of the invoice's last day) and the lines of the earlier non-void
invoices in, the new invoice's lines out. Money is whole cents, so that sums never drift.

A billable *key* names what a line bills: ``round:N`` for an extra round (``round_price``, else
its hours at ``hourly_rate``), ``hours-cap`` for the included rounds' hours beyond
``hours_included``. A key's line is its amount now minus what earlier invoices billed for it: a
late worklog on a billed round is a correction line, a round that stopped being extra a credit.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bridge.engine.ledger import Ledger
from bridge.engine.rounds import LedgerInput

HOURS_CAP = "hours-cap"


@dataclass(frozen=True, slots=True)
class Billable:
    """What one key is worth in a ledger."""

    key: str
    cents: int
    seconds: int  # the hours behind it (0 for a round billed at round_price)
    rounds: int  # rounds billed at round_price (0 or 1)


@dataclass(frozen=True, slots=True)
class Line:
    """One invoice line: ``cents`` billed now for ``key`` (negative: a credit)."""

    key: str
    cents: int
    #: what earlier non-void invoices had billed for the key
    billed_before: int
    seconds: int
    rounds: int

    @property
    def credit(self) -> bool:
        return self.cents < 0

    @property
    def correction(self) -> bool:
        """A line that amends a key billed before."""
        return self.billed_before != 0


def round_key(number: int) -> str:
    return f"round:{number}"


def cents(amount: float) -> int:
    """Money as whole cents, rounded half away from zero."""
    scaled = amount * 100
    return int(scaled + 0.5) if scaled >= 0 else -int(-scaled + 0.5)


def billables(ledger: Ledger) -> dict[str, Billable]:
    """Each billable key of ``ledger`` with its amount (keys worth nothing are left out)."""
    quote = ledger.quote
    rate = quote.hourly_rate
    found: dict[str, Billable] = {}
    included_seconds = 0
    for item in ledger.rounds:
        if not item.extra:
            included_seconds += item.seconds
            continue
        key = round_key(item.number)
        if quote.round_price is not None:
            found[key] = Billable(key, cents(quote.round_price), 0, 1)
        elif item.seconds:
            found[key] = Billable(key, cents(item.seconds * rate / 3600), item.seconds, 0)
    if quote.hours_included is not None:
        beyond = max(0, included_seconds - round(quote.hours_included * 3600))
        if beyond:
            found[HOURS_CAP] = Billable(HOURS_CAP, cents(beyond * rate / 3600), beyond, 0)
    return {key: item for key, item in found.items() if item.cents}


def billed_by_key(earlier: Iterable[Line]) -> dict[str, int]:
    """Cents billed per key by the given lines (those of non-void invoices)."""
    total: dict[str, int] = {}
    for line in earlier:
        total[line.key] = total.get(line.key, 0) + line.cents
    return total


def invoice_lines(ledger: Ledger, earlier: Iterable[Line]) -> tuple[Line, ...]:
    """The lines of a new invoice on ``ledger`` after the ``earlier`` non-void lines.

    Zero lines are left out; a key billed before and now worth less gets a negative line.
    """
    now = billables(ledger)
    before = billed_by_key(earlier)
    lines: list[Line] = []
    for key in sorted(now.keys() | before.keys(), key=key_order):
        item = now.get(key)
        worth = item.cents if item is not None else 0
        delta = worth - before.get(key, 0)
        if delta:
            lines.append(Line(key, delta, before.get(key, 0),
                              item.seconds if item else 0, item.rounds if item else 0))
    return tuple(lines)


def due_cents(ledger: Ledger, billed: Mapping[str, int]) -> int:
    """The overage of ``ledger`` not invoiced yet: its keys' worth minus what was billed."""
    return sum(item.cents for item in billables(ledger).values()) - sum(billed.values())


def key_order(key: str) -> tuple[int, int, str]:
    """Rounds by number, then the hours beyond the cap, then anything else."""
    if key.startswith("round:") and key[6:].isdigit():
        return (0, int(key[6:]), key)
    return (1 if key == HOURS_CAP else 2, 0, key)


def cutoff(through: date, zone: ZoneInfo) -> datetime:
    """The first instant after the day ``through`` in the client's time zone."""
    return datetime.combine(through + timedelta(days=1), time(), zone)


def records_through(records: LedgerInput, end: datetime) -> LedgerInput:
    """The records of what had happened before ``end``: the ledger as of that moment.

    Tickets are read with their labels as they are now (the engine keeps no label history);
    a worklog dated after ``end`` is billed by a later invoice, as a line of its round's key.
    """
    return LedgerInput(
        tickets=tuple(t for t in records.tickets if t.created_at < end),
        changes=tuple(c for c in records.changes if c.at < end),
        time_entries=tuple(e for e in records.time_entries if e.at < end),
    )


@dataclass(frozen=True, slots=True)
class Invoice:
    number: str
    client: str
    through: date
    issued_at: datetime
    lines: tuple[Line, ...]
    currency: str
    voided_at: datetime | None = None
    void_reason: str | None = None

    @property
    def total_cents(self) -> int:
        return sum(line.cents for line in self.lines)

    @property
    def void(self) -> bool:
        return self.voided_at is not None

    def as_json(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "client": self.client,
            "through": self.through.isoformat(),
            "issued_at": self.issued_at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
            "currency": self.currency,
            "total": self.total_cents / 100,
            "void": self.void,
            "void_reason": self.void_reason,
            "voided_at": (self.voided_at.astimezone(UTC).isoformat().replace("+00:00", "Z")
                          if self.voided_at else None),
            "lines": [{"key": x.key, "amount": x.cents / 100,
                       "billed_before": x.billed_before / 100,
                       "hours": round(x.seconds / 3600, 4), "rounds": x.rounds,
                       "credit": x.credit} for x in self.lines],
        }


@dataclass(frozen=True, slots=True)
class Summary:
    """What ``status`` and the reports show: invoiced so far (non-void), and due."""

    invoiced_cents: int
    through: date | None
    due_cents: int
    currency: str
    invoices: tuple[Invoice, ...]

    def as_json(self) -> dict[str, Any]:
        return {
            "invoiced": {"amount": self.invoiced_cents / 100,
                         "through": self.through.isoformat() if self.through else None},
            "due": self.due_cents / 100,
        }


def summarize(ledger: Ledger, invoices: Sequence[Invoice]) -> Summary:
    """Invoiced so far and due, for the ledger as it is now."""
    live = [i for i in invoices if not i.void]
    billed = billed_by_key(line for i in live for line in i.lines)
    return Summary(sum(billed.values()), max((i.through for i in live), default=None),
                   due_cents(ledger, billed), ledger.quote.currency, tuple(invoices))
