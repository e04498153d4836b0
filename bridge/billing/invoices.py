"""Issuing, listing and voiding invoices; what was invoiced and what is due."""

from __future__ import annotations

from datetime import UTC, date, datetime

from bridge.clientfile.schema import ClientConfig
from bridge.engine.invoicing import (
    Invoice,
    Summary,
    cutoff,
    invoice_lines,
    records_through,
    summarize,
)
from bridge.engine.ledger import Ledger
from bridge.engine.rounds import compute_ledger
from bridge.store import Store
from bridge.store.derive import OutboxIndex, ledger_input
from bridge.store.invoices import NumberTaken, add_invoice, invoices_of, next_number
from bridge.store.models import InvoiceRow
from connectors.errors import ConfigError


def to_row(invoice: Invoice) -> InvoiceRow:
    return InvoiceRow(
        number=invoice.number, client=invoice.client, through=invoice.through.isoformat(),
        issued_at=invoice.issued_at, currency=invoice.currency, total_cents=invoice.total_cents,
        lines=[{"key": x.key, "cents": x.cents, "billed_before": x.billed_before,
                "seconds": x.seconds, "rounds": x.rounds} for x in invoice.lines],
    )


def summary(store: Store, ledger: Ledger) -> Summary:
    return summarize(ledger, invoices_of(store, ledger.client))


def ledger_through(store: Store, config: ClientConfig, through: date,
                   now: datetime) -> Ledger:
    """The client's ledger as of the end of the day ``through`` (its time zone)."""
    records = store.load_records(config.client, comments=False)
    posted = OutboxIndex.read(store, config.client).posted_ids
    end = cutoff(through, config.zone)
    return compute_ledger(records_through(ledger_input(records, posted), end), config,
                          min(now, end))


def issue(store: Store, config: ClientConfig, through: date, *, number: str | None = None,
          dry_run: bool = False, now: datetime | None = None,
          lock_timeout: float = 30.0) -> Invoice | None:
    """Write the client's invoice through ``through`` (None when there is nothing to bill).

    Under the client's lock: two invoices at once (or an invoice during a sync) never read the
    same earlier invoices, so no key is billed twice.
    """
    now = now or datetime.now(UTC)
    today = now.astimezone(config.zone).date()
    if through > today:
        raise ConfigError([f"--through {through}: that day is not over yet "
                           f"(today is {today} in {config.timezone}); bill up to today at most"])
    with store.lock(config.client, timeout=lock_timeout):
        earlier = [i for i in invoices_of(store, config.client) if not i.void]
        latest = max((i.through for i in earlier), default=None)
        if latest is not None and through < latest:
            raise ConfigError([f"--through {through} is before {latest}, the last day "
                               f"already invoiced for {config.client}: give {latest} or later"])
        ledger = ledger_through(store, config, through, now)
        lines = invoice_lines(ledger, (line for i in earlier for line in i.lines))
        if not lines:
            return None
        for _attempt in range(5):
            invoice = Invoice(number or next_number(store, today.year), config.client, through,
                              now, lines, config.quote.currency)
            if dry_run:
                return invoice
            try:
                add_invoice(store, to_row(invoice))
                return invoice
            except NumberTaken:
                if number is not None:  # the number asked for: the person chooses another
                    raise
        raise ConfigError(["could not find a free invoice number: give one with --number"])
