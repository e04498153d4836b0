"""A page from a tracker screened before it is saved: poison records never stop a client.

Tracker text is written by the client's staff and can hold what no database column takes (a
lone surrogate, which UTF-8 cannot encode; a NUL, which PostgreSQL text refuses): such
characters are replaced by U+FFFD. A time entry the engine cannot trust (negative, or longer
than :data:`MAX_ENTRY_SECONDS`: ``1e23`` seconds overflows SQLite) is left out and reported
like any bad record. If the store still refuses the page, it is saved ticket by ticket and the
tickets it refuses are reported; the cursor is saved only after that (see
:func:`save_page`), so nothing after a poison record is lost and nothing is skipped silently.
"""

from __future__ import annotations

import dataclasses
import logging
import re
from typing import Any

from sqlalchemy.exc import DataError, IntegrityError, StatementError

from bridge.store import Store
from connectors.base import Page, SkippedRecord, TicketBundle
from connectors.errors import StoreError

log = logging.getLogger(__name__)

#: one time entry at most (a year of hours): more is a typing slip or an attack, not work
MAX_ENTRY_SECONDS = 366 * 24 * 3600
_UNSTORABLE = re.compile(r"[\x00\ud800-\udfff]")
REPLACEMENT = "\ufffd"


def clean_text(value: str) -> str:
    """``value`` with NUL and lone surrogates replaced (no database column takes them)."""
    return _UNSTORABLE.sub(REPLACEMENT, value) if _UNSTORABLE.search(value) else value


def _cleaned(value: Any) -> Any:
    """``value`` (a record, a tuple of them, a string) with every string cleaned; the very
    same object when nothing needed cleaning."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, tuple):
        items = tuple(_cleaned(item) for item in value)
        return value if all(a is b for a, b in zip(items, value, strict=True)) else items
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {}
        for f in dataclasses.fields(value):
            old = getattr(value, f.name)
            new = _cleaned(old)
            if new is not old:
                changes[f.name] = new
        return dataclasses.replace(value, **changes) if changes else value
    return value


def screen_bundle(bundle: TicketBundle) -> tuple[TicketBundle, list[SkippedRecord]]:
    """``bundle`` cleaned, without the time entries the engine cannot trust (reported)."""
    skipped: list[SkippedRecord] = []
    kept = []
    for entry in bundle.time_entries:
        if isinstance(entry.seconds, int) and 0 <= entry.seconds <= MAX_ENTRY_SECONDS:
            kept.append(entry)
            continue
        skipped.append(SkippedRecord(
            clean_text(bundle.ticket.remote_id),
            f"time entry {clean_text(entry.remote_id)[:40]} of {str(entry.seconds)[:24]} "
            f"seconds is not a believable duration (0 to {MAX_ENTRY_SECONDS}); left out"))
    if len(kept) != len(bundle.time_entries):
        bundle = dataclasses.replace(bundle, time_entries=tuple(kept))
    return _cleaned(bundle), skipped


def screen_page(page: Page) -> Page:
    """``page`` with every bundle screened (:func:`screen_bundle`), what was left out added to
    its skipped records (themselves cleaned: they are printed and stored too)."""
    bundles: list[TicketBundle] = []
    skipped = [_cleaned(s) for s in page.skipped]
    for bundle in page.bundles:
        kept, left_out = screen_bundle(bundle)
        bundles.append(kept)
        skipped.extend(left_out)
    return Page(tuple(bundles), page.next_cursor, tuple(skipped))


def _refused_data(exc: BaseException) -> bool:
    """Whether the store refused the data itself (not a lost connection or a full disk)."""
    cause = exc.__cause__ if isinstance(exc, StoreError) else exc
    return isinstance(cause, DataError | IntegrityError | ValueError | OverflowError) or (
        isinstance(cause, StatementError)
        and isinstance(cause.orig, ValueError | OverflowError))


def save_page(store: Store, client: str, page: Page) -> list[SkippedRecord]:
    """Save ``page``'s bundles and then its cursor; returns the tickets the store refused.

    One transaction for the page; should the store refuse the data, each ticket in its own
    transaction (the refused ones reported, their earlier stored state kept), then the cursor.
    """
    try:
        with store.session() as session:
            store.save_bundles(client, page.bundles, session=session)
            if page.next_cursor is not None:
                store.set_cursor(client, page.next_cursor, session=session)
        return []
    except (StoreError, ValueError, OverflowError) as exc:
        if not _refused_data(exc):
            raise
        log.warning("%s: the store refused a page (%s); saving it ticket by ticket", client,
                    type(exc.__cause__ or exc).__name__)
    refused: list[SkippedRecord] = []
    for bundle in page.bundles:
        try:
            with store.session() as session:
                store.save_bundles(client, (bundle,), session=session)
        except (StoreError, ValueError, OverflowError) as exc:
            if not _refused_data(exc):
                raise
            cause = exc.__cause__ or exc
            refused.append(SkippedRecord(
                bundle.ticket.remote_id,
                f"the store refused it ({type(cause).__name__}); its stored copy, if any, kept"))
    if page.next_cursor is not None:
        store.set_cursor(client, page.next_cursor)
    return refused
