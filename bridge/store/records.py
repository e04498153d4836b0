"""What the store hands its readers: plain records, no database library behind them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from connectors.base import Comment, StatusChange, Ticket, TimeEntry


@dataclass(frozen=True, slots=True)
class ClientRecords:
    """Everything stored for one client, as connector records (deleted tickets included)."""

    tickets: tuple[Ticket, ...]
    changes: tuple[StatusChange, ...]
    comments: tuple[Comment, ...]
    time_entries: tuple[TimeEntry, ...]


class NoticeState(NamedTuple):
    """One outbox row, less its text (see :meth:`Store.notice_states`)."""

    key: str
    state: str
    remote_comment_id: str | None


class RunLine(NamedTuple):
    """A sync run as its readers see it (see :meth:`Store.last_run`)."""

    started_at: datetime
    finished_at: datetime | None
    #: running | ok | failed
    outcome: str
