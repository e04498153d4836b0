"""What every part of the contract suite shares: the ``make_connector`` fixture's type and
:func:`drain` (a pull read to its end)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from connectors.base import Connector, Page, TicketBundle

MakeConnector = Callable[..., Connector]


def drain(pages: Iterator[Page]) -> tuple[dict[str, TicketBundle], str | None, list[Page]]:
    """Every bundle of a pull by ticket id (the last one wins), the final cursor, the pages."""
    bundles: dict[str, TicketBundle] = {}
    cursor: str | None = None
    seen: list[Page] = []
    for page in pages:
        seen.append(page)
        for bundle in page.bundles:
            bundles[bundle.ticket.remote_id] = bundle
        cursor = page.next_cursor if page.next_cursor is not None else cursor
    return bundles, cursor, seen
