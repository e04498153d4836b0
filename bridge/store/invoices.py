"""The ``invoices`` table: invoices are added and voided, never edited nor deleted.

Numbers are unique across all clients (a freelancer's invoices form one sequence); the default
number is the next of the year's sequence, ``2026-001``, ``2026-002``...
"""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from bridge.engine.invoicing import Invoice
from bridge.store import Store
from bridge.store.models import InvoiceRow, utc_now
from bridge.store.reading import invoice_from_row
from connectors.errors import ConfigError, StoreError

_SEQUENCE = re.compile(r"^(\d{4})-(\d+)$")


def client_invoices(store: Store, client: str, *, session: Session | None = None
                    ) -> list[InvoiceRow]:
    """The client's invoices, void ones included, oldest first."""
    query = select(InvoiceRow).where(col(InvoiceRow.client) == client).order_by(
        col(InvoiceRow.id))
    if session is not None:
        return list(session.execute(query).scalars())
    with store.session() as s:
        return list(s.execute(query).scalars())


def invoices_of(store: Store, client: str) -> list[Invoice]:
    """The client's invoices, void ones included, oldest first."""
    return [invoice_from_row(row) for row in client_invoices(store, client)]


def find_invoice(store: Store, number: str) -> InvoiceRow | None:
    with store.session() as s:
        return s.execute(
            select(InvoiceRow).where(col(InvoiceRow.number) == number)).scalar_one_or_none()


def next_number(store: Store, year: int) -> str:
    """The next number of ``year``'s sequence (``2026-001`` for the first)."""
    with store.session() as s:
        numbers = s.execute(select(col(InvoiceRow.number)).where(
            col(InvoiceRow.number).like(f"{year}-%"))).scalars()
        used = [int(m.group(2)) for n in numbers if (m := _SEQUENCE.match(n))]
    return f"{year}-{max(used, default=0) + 1:03d}"


class NumberTaken(ConfigError):
    """The invoice number is already used."""


def add_invoice(store: Store, row: InvoiceRow) -> InvoiceRow:
    """Insert ``row``; :class:`NumberTaken` when its number is used (by any client)."""
    taken = find_invoice(store, row.number)
    if taken is None:
        try:
            with store.session() as s:
                s.add(row)
                s.flush()
                s.refresh(row)
            return row
        except StoreError as exc:  # another process took the number meanwhile
            if not isinstance(exc.__cause__, IntegrityError):
                raise
            taken = find_invoice(store, row.number)
    where = f" ({taken.client}, through {taken.through})" if taken is not None else ""
    raise NumberTaken([f"invoice number {row.number} is already used{where}: give another "
                       "--number, or leave it out for the next of the year's sequence"])


def void_invoice(store: Store, number: str, reason: str, at: datetime | None = None
                 ) -> InvoiceRow:
    """Mark invoice ``number`` void (its keys are billed again by the client's next invoice)."""
    with store.session() as s:
        row: InvoiceRow | None = s.execute(select(InvoiceRow).where(
            col(InvoiceRow.number) == number)).scalar_one_or_none()
        if row is None:
            raise ConfigError([f"no invoice numbered {number}: "
                               "`revbridge invoice list CLIENT` shows the numbers"])
        if row.voided_at is not None:
            raise ConfigError([f"invoice {number} is void already "
                               f"({row.void_reason}); nothing was changed"])
        row.voided_at = at or utc_now()
        row.void_reason = reason
        s.add(row)
        return row
