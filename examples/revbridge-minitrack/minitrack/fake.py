"""A stateful fake Minitrack on 127.0.0.1: the API the connector talks to, and the
:class:`~connectors.testing.fakes.base.FakeTracker` driver revbridge's contract suite uses."""

from __future__ import annotations

import itertools
import secrets
from datetime import UTC, datetime
from typing import Any

from connectors.testing.fakes.base import STATUSES, FakeServer, Request, Response, iso

PER_PAGE = 50
#: where the ``foreign`` fault moves an issue
FOREIGN_PROJECT = "elsewhere"


class FakeMinitrack(FakeServer):
    """Minitrack served by a thread; state in plain dicts under ``self.lock``."""

    def __init__(self, token: str | None = None) -> None:
        super().__init__()
        self.token = token or secrets.token_hex(8)
        self._ids = itertools.count(1)
        self.projects = {"main": "Main", "side": "Side project"}  # key: name
        self.people: dict[str, dict[str, str]] = {}
        self.issues: dict[str, dict[str, Any]] = {}
        self.bot = self.add_person("Revbridge Bot")
        for method, pattern, handler in (
            ("GET", r"/api/me", self._me),
            ("GET", r"/api/projects", self._list_projects),
            ("GET", r"/api/people", self._list_people),
            ("GET", r"/api/labels", self._list_labels),
            ("GET", r"/api/issues", self._list_issues),
            ("GET", r"/api/issues/(?P<id>\d+)/comments", self._list_comments),
            ("POST", r"/api/issues/(?P<id>\d+)/comments", self._post_comment),
        ):
            self.route(method, pattern, self._authorized(handler))

    # -- the driver interface (FakeTracker) -----------------------------------------------------
    @property
    def base_url(self) -> str:
        return self.root_url

    @property
    def bot_id(self) -> str:
        return self.bot

    def tracker_table(self, token: str, **overrides: Any) -> dict[str, Any]:
        table: dict[str, Any] = {
            "type": "minitrack", "url": self.base_url, "token": token,
            "statuses": {"open": ["To Do"], "in_progress": ["In Progress"],
                         "delivered": ["In Review"], "done": ["Done"]},
        }
        return table | overrides

    def add_person(self, name: str, email: str | None = None) -> str:
        with self.lock:
            pid = f"u{next(self._ids)}"
            self.people[pid] = {"id": pid, "name": name} | ({"email": email} if email else {})
            return pid

    def create_ticket(self, title: str, by: str, *, labels: tuple[str, ...] = (),
                      status: str = "To Do", at: datetime | None = None,
                      project: str = "main") -> str:
        when = iso(at or datetime.now(UTC))
        with self.lock:
            rid = str(next(self._ids))
            self.issues[rid] = {
                "id": rid, "project": project, "title": title,
                "url": f"{self.root_url}/issues/{rid}", "state": status,
                "labels": list(labels), "author": self.people[by],
                "created_at": when, "updated_at": when, "events": [], "comments": [], "time": [],
            }
            return rid

    def move(self, ticket_id: str, to_status: str, by: str, at: datetime | None = None) -> None:
        with self.lock:
            issue = self.issues[ticket_id]
            self._touch(issue, "events", {"id": f"e{next(self._ids)}", "from": issue["state"],
                                          "to": to_status, "by": self.people[by]}, at)
            issue["state"] = to_status

    def add_comment(self, ticket_id: str, body: str, by: str,
                    at: datetime | None = None) -> str:
        with self.lock:
            cid = f"c{next(self._ids)}"
            self._touch(self.issues[ticket_id], "comments",
                        {"id": cid, "body": body, "by": self.people[by]}, at)
            return cid

    def edit_comment(self, comment_id: str, text: str, by: str | None = None,
                     at: datetime | None = None) -> None:
        with self.lock:
            for issue in self.issues.values():
                for comment in issue["comments"]:
                    if comment["id"] == comment_id:
                        comment["body"] = text
                        self._bump(issue, at)

    def log_time(self, ticket_id: str, seconds: int, by: str, at: datetime | None = None) -> str:
        with self.lock:
            tid = f"t{next(self._ids)}"
            self._touch(self.issues[ticket_id], "time",
                        {"id": tid, "seconds": seconds, "by": self.people[by]}, at)
            return tid

    def set_labels(self, ticket_id: str, labels: tuple[str, ...],
                   at: datetime | None = None) -> None:
        with self.lock:
            issue = self.issues[ticket_id]
            issue["labels"] = list(labels)
            self._bump(issue, at)

    @property
    def priorities(self) -> tuple[str, ...]:
        """Minitrack has no priority field: its priorities are labels, as on Trello."""
        return ("urgent", "normal")

    def set_priority(self, ticket_id: str, name: str | None, at: datetime | None = None) -> None:
        with self.lock:
            issue = self.issues[ticket_id]
            kept = [label for label in issue["labels"] if label not in self.priorities]
            issue["labels"] = kept + ([name] if name is not None else [])
            self._bump(issue, at)

    def delete_ticket(self, ticket_id: str) -> None:
        with self.lock:
            del self.issues[ticket_id]

    def corrupt_ticket(self, ticket_id: str) -> None:
        with self.lock:
            self.issues[ticket_id]["created_at"] = None

    def comment_bodies(self, ticket_id: str) -> list[tuple[str, str]]:
        with self.lock:
            return [(c["id"], c["body"]) for c in self.issues[ticket_id]["comments"]]

    # -- hostile answers (``looping-page`` and ``foreign`` faults) -----------------------------
    def looped(self, path: str, body: Any) -> Any:
        """A listing page that always names page 2 as the next one."""
        if isinstance(body, dict) and "next_page" in body:
            body["next_page"] = 2
        return body

    def foreign(self, path: str, body: Any) -> Any:
        """The first issue of a listing moved to another project."""
        for issue in (body.get("issues") if isinstance(body, dict) else None) or ():
            if isinstance(issue, dict):
                issue["project"] = FOREIGN_PROJECT
                break
        return body

    def _touch(self, issue: dict[str, Any], kind: str, item: dict[str, Any],
               at: datetime | None) -> None:
        item["at"] = iso(at or datetime.now(UTC))
        issue[kind].append(item)
        self._bump(issue, at)

    @staticmethod
    def _bump(issue: dict[str, Any], at: datetime | None) -> None:
        issue["updated_at"] = max(issue["updated_at"], iso(at or datetime.now(UTC)))

    # -- the HTTP API ---------------------------------------------------------------------------
    def _authorized(self, handler: Any) -> Any:
        def serve(request: Request) -> Response:
            if request.headers.get("Authorization") != f"Bearer {self.token}":
                return Response(401, {"error": "unknown token"})
            with self.lock:
                result: Response = handler(request)
                return result
        return serve

    def _me(self, request: Request) -> Response:
        return Response(200, self.people[self.bot])

    def _list_projects(self, request: Request) -> Response:
        return _page(request, "projects", [{"key": key, "name": name, "statuses": list(STATUSES)}
                                           for key, name in self.projects.items()])

    def _list_people(self, request: Request) -> Response:
        return _page(request, "people", list(self.people.values()))

    def _list_labels(self, request: Request) -> Response:
        project = request.arg("project")
        return _page(request, "labels", sorted({label for i in self.issues.values()
                                                if i["project"] == project
                                                for label in i["labels"]}))

    def _list_issues(self, request: Request) -> Response:
        since, project = request.arg("since") or "", request.arg("project") or "main"
        found = sorted((i for i in self.issues.values()
                        if i["project"] == project and i["updated_at"] >= since),
                       key=lambda i: (i["updated_at"], int(i["id"])))
        return _page(request, "issues", found)

    def _list_comments(self, request: Request) -> Response:
        issue = self.issues.get(request.params["id"])
        if issue is None:
            return Response(404, {"error": "no such issue"})
        return _page(request, "comments", issue["comments"])

    def _post_comment(self, request: Request) -> Response:
        body = (request.json() or {}).get("body")
        if request.params["id"] not in self.issues or not isinstance(body, str):
            return Response(400, {"error": "a comment needs an existing issue and a body"})
        return Response(201, {"id": self.add_comment(request.params["id"], body, self.bot)})


def _page(request: Request, key: str, items: list[Any]) -> Response:
    page = int(request.arg("page") or 1)
    chunk = items[(page - 1) * PER_PAGE: page * PER_PAGE]
    more = len(items) > page * PER_PAGE
    return Response(200, {key: chunk, "next_page": page + 1 if more else None})
