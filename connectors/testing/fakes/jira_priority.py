"""The fake Jira's priorities, shaped like Jira's (payloads/jira, the v3 spec's ``Priority``).

An issue's ``priority`` field is the object ``{self, iconUrl, name, id}``, served only when the
search or issue request asks for it in ``fields`` (or ``*all`` / ``*navigable``), ``null`` when
the issue has none. The site's priorities are listed by ``GET /priority`` (a plain list: Data
Center, and Cloud's deprecated form) and ``GET /priority/search`` (Cloud only: a
``PageBeanPriority``, filtered by ``projectId`` and ``priorityName``). Issues start without a
priority; ``set_priority`` gives one, with its changelog item as Jira writes it.
"""

from __future__ import annotations

import threading
from datetime import datetime
from typing import TYPE_CHECKING, Any

from connectors.testing.fakes.base import Request, Response
from connectors.testing.fakes.jira_views import Issue, at_or_now

if TYPE_CHECKING:
    from connectors.testing.fakes.jira import FakeJira

#: Jira's default priority scheme: (id, name, colour), highest first
DEFAULT_PRIORITIES = (("1", "Highest", "#d04437"), ("2", "High", "#f15c75"),
                      ("3", "Medium", "#f79232"), ("4", "Low", "#707070"),
                      ("5", "Lowest", "#999999"))


def priority_ref(root_url: str, priority_id: str, name: str) -> dict[str, Any]:
    """The priority object an issue's ``priority`` field holds."""
    return {"self": f"{root_url}/rest/api/2/priority/{priority_id}",
            "iconUrl": f"{root_url}/images/icons/priorities/{name.lower()}.svg",
            "name": name, "id": priority_id}


class JiraPriorities:
    """Priority state of :class:`connectors.testing.fakes.jira.FakeJira` (a mixin)."""

    #: (id, name, colour) of every priority of the site, highest first
    priority_list: list[tuple[str, str, str]]
    lock: threading.RLock
    _bot: str

    @property
    def root_url(self) -> str:
        raise NotImplementedError

    def _get(self, id_or_key: str) -> Issue:
        raise NotImplementedError

    def _history(self, issue: Issue, by: str, at: datetime, item: dict[str, Any]) -> None:
        raise NotImplementedError

    @property
    def priorities(self) -> tuple[str, ...]:
        """The names of the site's priorities, highest first."""
        return tuple(name for _, name, _ in self.priority_list)

    def add_priority(self, name: str) -> None:
        """Add a priority to the site (a French site's ``Urgente``), lowest of all."""
        with self.lock:
            if name not in self.priorities:
                self.priority_list.append((str(10000 + len(self.priority_list)), name,
                                           "#cccccc"))

    def set_priority(self, ticket_id: str, name: str | None, at: datetime | None = None,
                     by: str | None = None) -> None:
        """Set (``None``: clear) the issue's priority, as ``by`` (default: the bot); the name
        must be one of ``priorities``. Like Jira, the change is a ``priority`` changelog item
        and moves ``updated``."""
        when = at_or_now(at)
        with self.lock:
            issue = self._get(ticket_id)
            ids = {n: pid for pid, n, _ in self.priority_list}
            if name is not None and name not in ids:
                raise ValueError(f"Jira has no priority {name!r}: add_priority() it first")
            old = issue.priority
            self._history(issue, by or self._bot, when, {
                "field": "priority", "fieldtype": "jira", "fieldId": "priority",
                "from": ids.get(old) if old else None, "fromString": old,
                "to": ids.get(name) if name else None, "toString": name})
            issue.priority = name

    def priority_json(self, name: str) -> dict[str, Any]:
        pid = next((p for p, n, _ in self.priority_list if n == name), "0")
        return priority_ref(self.root_url, pid, name)


def _full(fake: FakeJira, index: int) -> dict[str, Any]:
    pid, name, colour = fake.priority_list[index]
    return {**priority_ref(fake.root_url, pid, name), "statusColor": colour,
            "description": f"{name} priority.", "isDefault": name == "Medium"}


def install_priority_routes(fake: FakeJira) -> None:
    """Register ``/priority`` and ``/priority/search`` on ``fake``."""

    def listing(request: Request) -> Response:
        return Response(200, [_full(fake, i) for i in range(len(fake.priority_list))])

    def search(request: Request) -> Response:
        if fake.deployment != "cloud":
            return Response(404, {"errorMessages": ["null for uri"]})
        projects = request.args("projectId")
        rows = [_full(fake, i) for i in range(len(fake.priority_list))]
        if projects and fake.project_id not in projects:
            rows = []  # the other projects' priority schemes are not modelled
        wanted = request.arg("priorityName")
        if wanted:
            rows = [r for r in rows if wanted.casefold() in r["name"].casefold()]
        start = max(0, int(request.arg("startAt") or 0))
        size = max(1, min(int(request.arg("maxResults") or 50), 100))
        chunk = rows[start:start + size]
        return Response(200, {"startAt": start, "maxResults": size, "total": len(rows),
                              "isLast": start + size >= len(rows), "values": chunk})

    for pattern, handler in [(r"/rest/api/2/priority", listing),
                             (r"/rest/api/2/priority/search", search)]:
        fake.route("GET", pattern, fake._authed(handler))
