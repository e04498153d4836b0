"""Invoice lines (the pure part): each key billed exactly once over random histories."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bridge.engine.invoicing import (
    HOURS_CAP,
    Line,
    billables,
    billed_by_key,
    cutoff,
    invoice_lines,
    records_through,
)
from bridge.engine.ledger import Ledger
from bridge.engine.rounds import LedgerInput, compute_ledger
from connectors.base import StatusChange, Ticket, TimeEntry
from tests.ledger_builders import CLAIRE, at, config, move, spent, ticket

FIRST_DAY = date(2026, 3, 2)


@dataclass
class Books:
    """A client's records, its quote, and its invoices (lines, through, void) as they grow."""

    tickets: dict[str, Ticket] = field(default_factory=dict)
    changes: list[StatusChange] = field(default_factory=list)
    entries: list[TimeEntry] = field(default_factory=list)
    quote: dict[str, Any] = field(default_factory=lambda: {
        "rounds_included": 1, "hourly_rate": 80, "hours_included": 0.5})
    invoices: list[tuple[date, tuple[Line, ...], bool]] = field(default_factory=list)
    today: date = FIRST_DAY
    #: the last --through an invoice was asked for (written or, with nothing to bill, not)
    asked: date | None = None

    def ledger(self, through: date) -> Ledger:
        cfg = config(quote=self.quote)
        records = LedgerInput(tuple(self.tickets.values()), tuple(self.changes),
                              tuple(self.entries))
        end = cutoff(through, cfg.zone)
        return compute_ledger(records_through(records, end), cfg, end)

    def live_lines(self) -> list[Line]:
        return [line for _, lines, void in self.invoices if not void for line in lines]

    def latest_through(self) -> date | None:
        return max((t for t, _, void in self.invoices if not void), default=None)


def _moment(day: date, hour: int) -> Any:
    return at(1, hour).replace(year=day.year, month=day.month, day=day.day)


REQUEST = st.tuples(st.just("request"), st.integers(0, 9))
WORKLOG = st.tuples(st.just("worklog"), st.integers(0, 40), st.integers(600, 4 * 3600))
INVOICE = st.tuples(st.just("invoice"), st.integers(0, 6))
OPERATIONS = st.one_of(
    REQUEST, REQUEST, WORKLOG, WORKLOG, WORKLOG, INVOICE, INVOICE,
    st.tuples(st.just("exclude"), st.integers(0, 40)),
    st.tuples(st.just("quote"), st.integers(0, 3), st.sampled_from([None, 300, 149.99]),
              st.sampled_from([None, 0.5, 2])),
    st.tuples(st.just("void"), st.integers(0, 40)),
    st.tuples(st.just("wait"), st.integers(1, 4)),
)


def _apply(books: Books, operation: tuple[Any, ...]) -> None:
    kind, *args = operation
    if kind == "request":
        tid = str(len(books.tickets) + 1)
        books.tickets[tid] = ticket(tid, _moment(books.today, 9), CLAIRE)
        books.changes.append(move(tid, _moment(books.today, 9 + 1 + args[0] % 8), "To Do",
                                  "In Review"))
    elif kind == "worklog" and books.tickets:  # often on a round billed already
        tid = sorted(books.tickets)[args[0] % len(books.tickets)]
        books.entries.append(spent(tid, _moment(books.today, 18), args[1],
                                   rid=f"w{len(books.entries)}"))
    elif kind == "exclude" and books.tickets:
        tid = sorted(books.tickets)[args[0] % len(books.tickets)]
        books.tickets[tid] = replace(books.tickets[tid], labels=("internal",))
    elif kind == "quote":
        books.quote = {"rounds_included": args[0], "hourly_rate": 80, "round_price": args[1],
                       "hours_included": args[2]}
    elif kind == "void" and books.invoices:
        index = args[0] % len(books.invoices)
        through, lines, _ = books.invoices[index]
        books.invoices[index] = (through, lines, True)
    elif kind == "invoice":
        latest = books.latest_through() or FIRST_DAY
        through = min(books.today, latest + timedelta(days=args[0]))
        lines = invoice_lines(books.ledger(through), books.live_lines())
        if lines:
            books.invoices.append((through, lines, False))
        books.asked = through
        _check(books)
    elif kind == "wait":
        books.today += timedelta(days=args[0])


def _check(books: Books) -> None:
    """No invoice holds a zero line; every key's non-void lines add up to its amount as of the
    last --through asked (an invoice with nothing to bill is not written: then the lines
    already add up)."""
    live = books.live_lines()
    assert all(line.cents != 0 for line in live)
    assert books.asked is not None
    worth = {key: item.cents for key, item in billables(books.ledger(books.asked)).items()}
    billed = {key: cents for key, cents in billed_by_key(live).items() if cents}
    assert billed == worth  # every key billed exactly its amount, none twice


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(OPERATIONS, min_size=10, max_size=60))
def test_non_void_lines_add_up_to_each_key_at_the_latest_through(
        operations: list[tuple[Any, ...]]) -> None:
    books = Books()
    for operation in operations:
        _apply(books, operation)
    _apply(books, ("invoice", 6))


def _books_with_extra_round() -> Books:
    books = Books(quote={"rounds_included": 1, "hourly_rate": 80})
    for _ in range(2):
        _apply(books, ("request", 1))
        _apply(books, ("worklog", len(books.tickets) - 1, 3600))
        _apply(books, ("wait", 1))
    return books


def test_a_late_worklog_on_a_billed_round_is_a_correction_not_a_second_charge() -> None:
    books = _books_with_extra_round()
    first = invoice_lines(books.ledger(books.today), [])
    assert [(x.key, x.cents) for x in first] == [("round:2", 8000)]
    books.invoices.append((books.today, first, False))
    _apply(books, ("worklog", 1, 1800))  # half an hour more on the billed round 2
    second = invoice_lines(books.ledger(books.today), books.live_lines())
    assert [(x.key, x.cents, x.billed_before, x.correction) for x in second] == [
        ("round:2", 4000, 8000, True)]


def test_a_round_no_longer_extra_is_credited_and_a_void_invoice_is_billed_again() -> None:
    books = _books_with_extra_round()
    first = invoice_lines(books.ledger(books.today), [])
    books.invoices.append((books.today, first, False))
    books.quote = {"rounds_included": 2, "hourly_rate": 80}
    credit = invoice_lines(books.ledger(books.today), books.live_lines())
    assert [(x.key, x.cents, x.credit) for x in credit] == [("round:2", -8000, True)]
    books.quote = {"rounds_included": 0, "hourly_rate": 80, "hours_included": 0.5,
                   "round_price": 300}
    books.invoices[0] = (books.today, first, True)  # void
    again = invoice_lines(books.ledger(books.today), books.live_lines())
    assert [(x.key, x.cents) for x in again] == [("round:1", 30000), ("round:2", 30000)]
    assert HOURS_CAP not in {x.key for x in again}  # no included round: no hours beyond a cap


def test_records_after_the_day_are_left_for_the_next_invoice() -> None:
    books = _books_with_extra_round()
    day = books.today - timedelta(days=1)  # round 2 was opened that day: it counts
    _apply(books, ("request", 1))  # today: round 3, after the day
    _apply(books, ("worklog", 2, 900))
    keys = [x.key for x in invoice_lines(books.ledger(day), [])]
    assert keys == ["round:2"]
    assert [x.key for x in invoice_lines(books.ledger(books.today), [])] == [
        "round:2", "round:3"]
