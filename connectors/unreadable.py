"""A listed record whose own answer is nested too deeply to read (see
:class:`connectors.errors.AnswerTooDeep`): a listing page too deep is asked again lean (ids and
update times only), each record is then read alone, and one still too deep becomes an
:class:`Unreadable` that the pull reports as a skipped record and moves its cursor past, like
any bad record (it is read again once it changes)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Unreadable:
    """A record that cannot be read: its id, its update time when the lean listing said it."""

    remote_id: str
    updated: datetime | None
    reason: str


def unreadable_reason(tracker: str, record: str) -> str:
    """The skipped record's reason, saying what happened and what follows."""
    return (f"{tracker}'s answer for this {record} is nested too deeply to read (a broken or "
            "hostile field): left out until it changes")
