"""The Trello pull cursor: newest action date seen, the actions read inside the overlap, the
board's action count (docs/connectors.md, "Cursors"; docs/trello.md)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, ClassVar, Self

from connectors.base import parse_time
from connectors.cursor import JsonCursor
from connectors.errors import BadRecordError
from connectors.trello.records import id_time

#: How far before the cursor an incremental pull re-reads the board's actions.
OVERLAP = timedelta(minutes=5)


@dataclass
class Cursor(JsonCursor):
    """Newest action date seen, the ids of actions inside the overlap before it, an estimate
    of the board's action count (to choose between per-card and board-wide re-reads)."""

    tracker: ClassVar[str] = "Trello"

    since: datetime | None
    seen: set[str] = field(default_factory=set)
    actions: int = 0

    @classmethod
    def start(cls) -> Self:
        return cls(None)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Self:
        if data.get("v") != 1:
            raise ValueError("not a trello cursor")
        since = data.get("since")
        return cls(since=datetime.fromisoformat(since) if since else None,
                   seen={str(s) for s in data.get("seen") or ()},
                   actions=int(data.get("actions") or 0))

    def to_json(self) -> dict[str, Any]:
        return {"v": 1, "since": self.since.isoformat() if self.since else None,
                "seen": sorted(self.seen), "actions": self.actions}

    def advanced(self, actions: Iterable[Mapping[str, Any]], new: int) -> Cursor:
        """The cursor after reading ``actions`` (``new`` of them not seen before)."""
        dated = [(when, str(a.get("id"))) for a in actions
                 if (when := _action_time(a)) is not None]
        newest = max([d for d, _ in dated] + ([self.since] if self.since else []), default=None)
        if newest is None:
            return Cursor(None, set(), self.actions + new)
        floor = newest - OVERLAP - timedelta(seconds=1)  # ids carry whole seconds
        seen = {i for d, i in dated if d >= floor}
        seen |= {i for i in self.seen if _id_after(i, floor)}
        return Cursor(newest, seen, self.actions + new)


def _action_time(action: Mapping[str, Any]) -> datetime | None:
    """An action's date; its id's time when the date is unreadable (the card it belongs to
    is reported as a bad record), ``None`` when neither can be read."""
    try:
        return parse_time(action.get("date"), "action date")
    except BadRecordError:
        try:
            return id_time(str(action.get("id")))
        except BadRecordError:
            return None


def _id_after(object_id: str, floor: datetime) -> bool:
    try:
        return id_time(object_id) >= floor
    except BadRecordError:
        return False
