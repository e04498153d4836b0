"""The Jira pull cursor: newest ``updated`` seen, the issues yielded inside the overlap, Cloud or
not (docs/jira.md, "Incremental pulls")."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo
from typing import Any, ClassVar, Self

from connectors.base import iso_millis, utc
from connectors.cursor import JsonCursor

#: How far before the cursor an incremental pull re-reads (JQL has minute precision and search
#: is eventually consistent).
OVERLAP = timedelta(minutes=5)


@dataclass
class Cursor(JsonCursor):
    """The newest ``updated`` seen, the ``(id, updated)`` pairs inside the overlap window, and
    whether the server is Cloud (so a later connector need not ask ``serverInfo`` again)."""

    tracker: ClassVar[str] = "Jira"

    updated: datetime | None = None
    seen: set[tuple[str, str]] = field(default_factory=set)
    cloud: bool | None = None

    @classmethod
    def start(cls) -> Self:
        return cls()

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Self:
        updated = datetime.fromisoformat(data["updated"].replace("Z", "+00:00"))
        seen = {(str(i), str(u)) for i, u in data.get("seen", [])}
        cloud = data.get("cloud")
        return cls(utc(updated), seen, cloud if isinstance(cloud, bool) else None)

    def to_json(self) -> dict[str, Any] | None:
        if self.updated is None:
            return None
        floor = iso_millis(self.updated - OVERLAP)
        self.seen = {(i, u) for i, u in self.seen if u >= floor}
        data: dict[str, Any] = {"updated": iso_millis(self.updated),
                                "seen": sorted([i, u] for i, u in self.seen)}
        if self.cloud is not None:
            data["cloud"] = self.cloud
        return data

    def is_new(self, issue_id: str, updated: datetime) -> bool:
        return (issue_id, iso_millis(updated)) not in self.seen

    def advance(self, issue_id: str, updated: datetime) -> None:
        """Record a yielded issue (pairs out of the overlap window are dropped on dump)."""
        if self.updated is None or updated > self.updated:
            self.updated = updated
        self.seen.add((issue_id, iso_millis(updated)))


def jql_since(cursor_time: datetime, zone: tzinfo) -> str:
    """``"yyyy-MM-dd HH:mm"`` in the API user's zone, the overlap before ``cursor_time``."""
    local = (cursor_time - OVERLAP).astimezone(zone)
    return local.strftime("%Y-%m-%d %H:%M")
