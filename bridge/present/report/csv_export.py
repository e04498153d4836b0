"""A report as CSV: one row per listed request, for a spreadsheet or an invoicing tool.

Machine-readable on purpose, whatever the report's language: the columns have fixed English
names (:data:`COLUMNS`; new ones are only added at the end), numbers use a dot, times are ISO
8601 in the client's time zone with their offset, booleans are ``true``/``false`` (empty when
the ledger has no value). The hours are the ledger's per-request figure, with its exact
``seconds`` alongside; ``priority`` is the tracker's text (guarded like every ticket text),
``waiting_hours`` the business hours the request waited on the client.

Quoting is the :mod:`csv` module's. Text from a ticket is flattened to one line, and a cell that
a spreadsheet would read as a formula (starting with ``=``, ``+``, ``-``, ``@``) gets a leading
apostrophe, the usual guard against formula injection.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime
from zoneinfo import ZoneInfo

from bridge.engine.ledger import Request
from bridge.present.report.model import Report
from bridge.present.report.sections import one_line

COLUMNS = (
    "client", "quote_reference", "ticket", "remote_id", "title", "url", "kind", "status",
    "round", "round_extra", "requested_by", "requested_by_id", "designated", "requested_at",
    "due_at", "delivered_at", "late", "hours", "seconds", "priority", "waiting_hours",
)
_FORMULA_STARTS = ("=", "+", "-", "@")


def text_cell(text: str) -> str:
    """Ticket text for a spreadsheet: one line, never read as a formula."""
    flat = one_line(text)
    return "'" + flat if flat.startswith(_FORMULA_STARTS) else flat


def render_csv(report: Report, *, excel: bool = False) -> str:
    """The machine CSV; ``excel``: the same columns for a French spreadsheet (``;`` between
    cells, a decimal comma, a UTF-8 byte-order mark so that the accents are read right)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";" if excel else ",")
    writer.writerow(COLUMNS)
    zone = report.zone
    extra = {r.number: r.extra for r in report.ledger.rounds}
    decimals = (COLUMNS.index("hours"), COLUMNS.index("waiting_hours"))
    for request in report.requests:
        row = _row(report, request, zone, extra)
        if excel:
            for at in decimals:
                row[at] = row[at].replace(".", ",")
        writer.writerow(row)
    return ("\ufeff" if excel else "") + buffer.getvalue()


def _row(report: Report, request: Request, zone: ZoneInfo,
         extra: dict[int, bool]) -> list[str]:
    ledger = report.ledger
    return [
        ledger.client,
        text_cell(ledger.quote.reference),
        text_cell(request.ticket),
        text_cell(request.remote_id),
        text_cell(request.title),
        text_cell(request.url),
        request.kind,
        request.status,
        "" if request.round is None else str(request.round),
        "" if request.round is None else _bool(extra.get(request.round)),
        text_cell(request.by_name),
        text_cell(request.by),
        _bool(request.designated),
        _time(request.at, zone),
        _time(request.due_at, zone),
        _time(request.delivered_at, zone),
        _bool(request.late),
        repr(request.hours),
        str(request.seconds),
        text_cell(request.priority or ""),
        repr(request.waiting_hours),
    ]


def _bool(value: bool | None) -> str:
    return "" if value is None else ("true" if value else "false")


def _time(moment: datetime | None, zone: ZoneInfo) -> str:
    return "" if moment is None else moment.astimezone(zone).isoformat(timespec="seconds")
