"""Reading a client's ledger inputs without the machinery of writing: what ``status`` and
``explain`` need, behind one small protocol.

A SQLite store that is there already, migrated to the newest revision and private to its owner
(the usual case) is read with the standard library's ``sqlite3`` (``sqlite_reads.py``):
importing SQLAlchemy and SQLModel costs ~1.9 G instructions, four fifths of what ``status``
took to start (docs/PERFORMANCE.md, "CLI start-up"). Anything else — a PostgreSQL store, a new
file, one that needs a migration or a fix of its mode — goes through :class:`Store`, which
creates, migrates, warns and explains as it always does. The two give the same records: a test
reads one store both ways (tests/test_store_reading.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import date
from typing import TYPE_CHECKING, Any, Protocol

from bridge.clientfile.paths import db_url
from bridge.engine.invoicing import Invoice, Line
from bridge.store.records import ClientRecords, NoticeState, RunLine

if TYPE_CHECKING:
    from bridge.store.front import Store


class RecordReads(Protocol):
    """What deriving a client's ledger reads (``bridge.store.derive.ledger_for``)."""

    def load_records(self, client: str, *, comments: bool = True) -> ClientRecords:
        """Every record of ``client`` in a stable order (ticket, time, id); ``comments=False``
        leaves the comments out."""

    def notice_states(self, client: str) -> list[NoticeState]:
        """Key, state and remote comment id of each of the client's notices."""


class LedgerReads(RecordReads, Protocol):
    """What ``status`` and ``explain`` read: the records, and around them the invoices, the
    runs and the notices waiting for review."""

    def invoices(self, client: str) -> list[Invoice]:
        """The client's invoices, void ones included, oldest first."""

    def last_run(self, client: str, outcome: str | None = None) -> RunLine | None:
        """The client's most recent run (with that ``outcome`` when given), finished or not."""

    def held_counts(self, clients: Iterable[str]) -> dict[str, int]:
        """How many notices wait for review, by client (only those with some)."""

    def where(self) -> str:
        """The database, as a person is shown it (no password)."""


def invoice_from_row(row: Any) -> Invoice:
    """An invoice from its row (an ``InvoiceRow``, or a row read with ``sqlite3``)."""
    lines = tuple(Line(str(item["key"]), int(item["cents"]), int(item["billed_before"]),
                       int(item["seconds"]), int(item["rounds"])) for item in row.lines)
    return Invoice(row.number, row.client, date.fromisoformat(row.through), row.issued_at,
                   lines, row.currency, row.voided_at, row.void_reason)


class StoreLedgerReads:
    """:class:`LedgerReads` through the full :class:`Store` (any backend)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def load_records(self, client: str, *, comments: bool = True) -> ClientRecords:
        return self.store.load_records(client, comments=comments)

    def notice_states(self, client: str) -> list[NoticeState]:
        return self.store.notice_states(client)

    def invoices(self, client: str) -> list[Invoice]:
        from bridge.store.invoices import invoices_of

        return invoices_of(self.store, client)

    def last_run(self, client: str, outcome: str | None = None) -> RunLine | None:
        run = self.store.last_run(client, outcome=outcome)
        return None if run is None else RunLine(run.started_at, run.finished_at, run.outcome)

    def held_counts(self, clients: Iterable[str]) -> dict[str, int]:
        return self.store.held_counts(list(clients))

    def where(self) -> str:
        return self.store.engine.url.render_as_string(hide_password=True)


@contextmanager
def open_for_reading(url: str | None = None) -> Iterator[LedgerReads]:
    """The store at ``url`` (``None``: as :meth:`Store.open` chooses), opened to read ledgers."""
    from bridge.store.sqlite_reads import SqliteReads

    resolved = db_url(url)
    light = SqliteReads.open(resolved)
    if light is not None:
        try:
            yield light
        finally:
            light.close()
        return
    from bridge.store.front import Store

    with Store.open(resolved) as store:
        yield StoreLedgerReads(store)
