"""Invoices in the store (SQLite and PostgreSQL): numbers, voids, the last day, and two
invoices at once never billing one key twice."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime

import pytest

from bridge.billing.invoices import issue, summary
from bridge.engine.invoicing import Invoice
from bridge.store import Store
from bridge.store.derive import ledger_for
from bridge.store.invoices import invoices_of, void_invoice
from connectors.base import TicketBundle
from connectors.errors import ConfigError
from tests.ledger_builders import at, config, move, spent, ticket

NOW = datetime(2026, 4, 1, 12, tzinfo=UTC)
CONFIG = config(quote={"rounds_included": 1, "hourly_rate": 80})


def _three_rounds(store: Store) -> None:
    """Rounds 1, 2, 3 opened on 2, 4 and 6 March, one hour each: rounds 2 and 3 extra."""
    bundles = []
    for index, day in enumerate((2, 4, 6), start=1):
        tid = str(index)
        bundles.append(TicketBundle(
            ticket(tid, at(day)), changes=(move(tid, at(day, 15), "To Do", "In Review"),),
            time_entries=(spent(tid, at(day, 12), 3600),)))
    store.save_bundles("acme", bundles)


def _keys(invoice: Invoice | None) -> list[tuple[str, int]]:
    assert invoice is not None
    return [(line.key, line.cents) for line in invoice.lines]


def test_each_invoice_bills_what_the_earlier_ones_did_not(store: Store) -> None:
    _three_rounds(store)
    first = issue(store, CONFIG, date(2026, 3, 4), now=NOW)
    assert first is not None and first.number == "2026-001"
    assert _keys(first) == [("round:2", 8000)]
    second = issue(store, CONFIG, date(2026, 3, 31), now=NOW)
    assert second is not None and second.number == "2026-002"
    assert _keys(second) == [("round:3", 8000)]
    assert issue(store, CONFIG, date(2026, 3, 31), now=NOW) is None  # nothing left
    billing = summary(store, ledger_for(store, CONFIG, NOW))
    assert (billing.invoiced_cents, billing.through, billing.due_cents) == (
        16000, date(2026, 3, 31), 0)


def test_a_late_worklog_is_a_correction_and_a_void_invoice_is_billed_again(
        store: Store) -> None:
    _three_rounds(store)
    issue(store, CONFIG, date(2026, 3, 31), now=NOW, number="F-1")
    store.save_bundles("acme", [TicketBundle(
        ticket("2", at(4)), changes=(move("2", at(4, 15), "To Do", "In Review"),),
        time_entries=(spent("2", at(4, 12), 3600), spent("2", at(20), 1800, rid="late")))])
    billing = summary(store, ledger_for(store, CONFIG, NOW))
    assert billing.due_cents == 4000
    correction = issue(store, CONFIG, date(2026, 3, 31), now=NOW)
    assert correction is not None
    assert [(x.key, x.cents, x.billed_before) for x in correction.lines] == [
        ("round:2", 4000, 8000)]
    void_invoice(store, "F-1", "sent to the wrong address")
    with pytest.raises(ConfigError, match="void already"):
        void_invoice(store, "F-1", "twice")
    again = issue(store, CONFIG, date(2026, 3, 31), now=NOW)
    assert _keys(again) == [("round:2", 8000), ("round:3", 8000)]
    numbers = [(i.number, i.void) for i in invoices_of(store, "acme")]
    assert numbers == [("F-1", True), ("2026-001", False), ("2026-002", False)]


def test_numbers_are_unique_and_days_not_over_or_already_billed_are_refused(
        store: Store) -> None:
    _three_rounds(store)
    issue(store, CONFIG, date(2026, 3, 4), now=NOW, number="2026-007")
    with pytest.raises(ConfigError, match="already used"):
        issue(store, CONFIG, date(2026, 3, 31), now=NOW, number="2026-007")
    with pytest.raises(ConfigError, match="before 2026-03-04"):
        issue(store, CONFIG, date(2026, 3, 3), now=NOW)
    with pytest.raises(ConfigError, match="not over yet"):
        issue(store, CONFIG, date(2026, 4, 2), now=NOW)
    nxt = issue(store, CONFIG, date(2026, 3, 31), now=NOW, dry_run=True)
    assert nxt is not None and nxt.number == "2026-008"
    assert [i.number for i in invoices_of(store, "acme")] == ["2026-007"]  # dry run: no row


def test_two_invoices_at_once_never_bill_a_key_twice(store_url: str) -> None:
    stores = [Store.open(store_url) for _ in range(2)]
    _three_rounds(stores[0])
    start = threading.Barrier(2)
    results: list[Invoice | None] = []

    def bill(store: Store) -> None:
        start.wait()
        results.append(issue(store, CONFIG, date(2026, 3, 31), now=NOW, lock_timeout=30))

    threads = [threading.Thread(target=bill, args=(s,)) for s in stores]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    try:
        written = [r for r in results if r is not None]
        assert len(results) == 2 and len(written) == 1
        assert _keys(written[0]) == [("round:2", 8000), ("round:3", 8000)]
        assert len(invoices_of(stores[0], "acme")) == 1
    finally:
        for store in stores:
            store.close()
