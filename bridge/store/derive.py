"""What is derived from a client's stored rows: the outbox index and the ledger.

Rounds, requests and money are never stored: every reader (``status``, ``explain``, ``report``,
the demo, the sync itself) asks :func:`ledger_for`, which hands the stored records to the pure
engine (docs/architecture.md §3).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from bridge.clientfile.schema import ClientConfig
from bridge.engine.ledger import Ledger
from bridge.engine.rounds import LedgerInput, compute_ledger
from bridge.store.reading import RecordReads
from bridge.store.records import ClientRecords, NoticeState


@dataclass(frozen=True, slots=True)
class OutboxIndex:
    """What a sync needs to know of a client's outbox, read in one query (no bodies)."""

    #: the key of every notice queued, whatever its state (held, pending, posted, discarded...)
    keys: set[str]
    #: remote ids of the comments the bridge posted
    posted_ids: set[str]

    @classmethod
    def read(cls, store: RecordReads, client: str) -> OutboxIndex:
        return cls.of(store.notice_states(client))

    @classmethod
    def of(cls, states: Iterable[NoticeState]) -> OutboxIndex:
        """The index of notice states read already (with the records, in one transaction)."""
        keys: set[str] = set()
        posted: set[str] = set()
        for key, state, comment_id in states:
            keys.add(key)
            if state == "posted" and comment_id:
                posted.add(comment_id)
        return cls(keys, posted)


def ledger_input(records: ClientRecords, posted_ids: set[str]) -> LedgerInput:
    """The engine's input from stored records (it reads no comments).

    Time entries that are bridge comments are left out: Trello reads ``/spent 2h`` comments as
    time, and a notice whose template puts the ticket title at the start of a line ("/spent 8h
    on the header?") would otherwise bill its own text as hours.
    """
    entries = tuple(e for e in records.time_entries if e.remote_id not in posted_ids)
    return LedgerInput(tickets=records.tickets, changes=records.changes, time_entries=entries)


def ledger_for(store: RecordReads, config: ClientConfig, now: datetime | None = None, *,
               records: ClientRecords | None = None,
               outbox: OutboxIndex | None = None) -> Ledger:
    """The client's ledger, derived from the store as it is now (``records`` and ``outbox``:
    the client's, when the caller has read them already)."""
    if records is None:
        records = store.load_records(config.client, comments=False)
    if outbox is None:
        outbox = OutboxIndex.read(store, config.client)
    return compute_ledger(ledger_input(records, outbox.posted_ids), config,
                          now or datetime.now(UTC))
