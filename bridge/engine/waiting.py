"""When tickets wait on the client (docs/rounds.md, "Waiting on the client").

Part of the pure rounds engine: no I/O, no clock. A ticket waits while its status is one of
``[tracker.statuses].waiting``: from the move into such a status to the next move out of them.
A ticket whose first recorded move leaves a waiting status waited from its creation; a ticket
with no recorded move that sits in a waiting status now has waited since its creation.

At one instant, changes are taken in the order of their remote id (then target status), as
everywhere in the engine, so the waits do not depend on the order the rows were read in.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from connectors.base import StatusChange, Ticket

#: a wait: (from, to), ``to`` None while the ticket still waits
Wait = tuple[datetime, datetime | None]
NO_WAITS: tuple[Wait, ...] = ()


class Waiting:
    """Every ticket's waits, from its status changes, for one set of waiting status names."""

    def __init__(self, names: Sequence[str], changes: Sequence[StatusChange]) -> None:
        self.names = frozenset(names)
        self._trails: dict[str, list[StatusChange]] = {}
        if not self.names:
            return
        waiting = self.names
        touched = {c.ticket_id for c in changes
                   if c.to_status in waiting or c.from_status in waiting}
        trails = self._trails = {tid: [] for tid in touched}
        for change in changes:
            found = trails.get(change.ticket_id)
            if found is not None:
                found.append(change)
        for trail in trails.values():
            trail.sort(key=_change_key)
        # tickets with moves that never touch a waiting status have no trail: they never waited
        self._moved = {c.ticket_id for c in changes}

    def of(self, ticket: Ticket) -> tuple[Wait, ...]:
        """The ticket's waits, oldest first."""
        if not self.names:
            return NO_WAITS
        trail = self._trails.get(ticket.remote_id)
        if trail is None:
            if ticket.status in self.names and ticket.remote_id not in self._moved:
                return ((ticket.created_at, None),)  # created waiting, never moved since
            return NO_WAITS
        waiting = self.names
        found: list[Wait] = []
        since = ticket.created_at if trail[0].from_status in waiting else None
        for change in trail:
            if change.to_status in waiting:
                if since is None:
                    since = change.at
            elif since is not None:
                found.append((since, change.at))
                since = None
        if since is not None:
            found.append((since, None))
        return tuple(found)


def clip(waits: tuple[Wait, ...], at: datetime, delivered_at: datetime | None) -> tuple[Wait, ...]:
    """The part of the waits after a request's ``at`` and before its delivery."""
    kept: list[Wait] = []
    for start, end in waits:
        if start < at:
            start = at
        if delivered_at is not None:
            if start >= delivered_at:
                continue
            if end is None or end > delivered_at:
                end = delivered_at
        if end is not None and end <= start:
            continue
        kept.append((start, end))
    return tuple(kept)


def _change_key(change: StatusChange) -> tuple[datetime, str, str]:
    return (change.at, change.remote_id, change.to_status)
