"""The Asana pull cursor: newest ``modified_at`` seen and the ``(gid, modified_at)`` pairs
already yielded inside the overlap (docs/connectors.md, "Cursors"; docs/asana.md)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, ClassVar, Self

from connectors.base import iso_millis, parse_time
from connectors.cursor import JsonCursor

#: How far before the cursor an incremental listing reaches back (``modified_since``).
OVERLAP = timedelta(minutes=2)


@dataclass
class Cursor(JsonCursor):
    """``since`` (newest ``modified_at`` seen, or None) and the pairs already yielded."""

    tracker: ClassVar[str] = "Asana"

    since: datetime | None
    seen: set[tuple[str, str]] = field(default_factory=set)

    @classmethod
    def start(cls) -> Self:
        return cls(None)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Self:
        since = data["since"]
        seen = {(str(gid), str(at)) for gid, at in data.get("seen", [])}
        return cls(parse_time(since, "cursor", "") if since is not None else None, seen)

    def to_json(self) -> dict[str, Any]:
        since = iso_millis(self.since) if self.since is not None else None
        return {"since": since, "seen": sorted(self.seen)}

    def kept(self, newest: datetime | None) -> Cursor | None:
        """The cursor after a complete listing whose newest ``modified_at`` is ``newest``
        (``None``: the listing was empty, no cursor): only the pairs inside the overlap before
        it are kept."""
        if newest is None:
            return None
        floor = newest - OVERLAP
        return Cursor(newest, {p for p in self.seen if parse_time(p[1], "seen", p[0]) >= floor})
