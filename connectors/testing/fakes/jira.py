"""A stateful fake Jira (Cloud by default, Data Center on request) for tests and the demo.

Serves the REST v2 endpoints the connector and the ``jira`` library use, shaped like Jira's
payloads: serverInfo, myself, field, both searches with their own paging, issue comments (GET
paged, POST 201), changelog, worklogs, issue, priorities (``jira_priority``). Search embeds at
most 20 comments, 20 worklogs and 100 changelog histories, and says so with ``total``."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from connectors.testing.fakes import hostile, jira_jql
from connectors.testing.fakes.base import STATUSES, FakeServer, Request, Response
from connectors.testing.fakes.jira_describe import install_describe_routes
from connectors.testing.fakes.jira_priority import (
    DEFAULT_PRIORITIES,
    JiraPriorities,
    install_priority_routes,
)
from connectors.testing.fakes.jira_views import (
    EMBEDDED_COMMENTS,
    EMBEDDED_HISTORIES,
    EMBEDDED_WORKLOGS,
    FIELD_LIST,
    PAGE_CAP,
    WORKLOG_PAGE_CAP,
    Deployment,
    Issue,
    JiraViews,
    User,
    at_or_now,
    settings_for,
)

__all__ = ["EMBEDDED_COMMENTS", "EMBEDDED_HISTORIES", "EMBEDDED_WORKLOGS", "FakeJira",
           "settings_for"]


class FakeJira(FakeServer, JiraPriorities, JiraViews):
    """Fake Jira with one project (``WEB``), a bot account owning the token, and people."""

    def tracker_table(self, token: str, **overrides: Any) -> dict[str, Any]:
        """The ``[tracker]`` table of a client file pointing at this fake."""
        return settings_for(self, token=token, **overrides)

    def __init__(self, deployment: Deployment = "cloud", *, project: str = "WEB",
                 token: str = "fake-jira-token", email: str = "bot@revbridge.example",
                 time_zone: str = "Europe/Paris") -> None:
        super().__init__()
        self.deployment: Deployment = deployment
        self.project = project
        self.project_id = "10000"
        self.token = token
        self.email = email
        self.users: dict[str, User] = {}
        self.issues: dict[int, Issue] = {}
        self._by_key: dict[str, int] = {}
        self._next = {"issue": 10001, "key": 1, "comment": 30001, "worklog": 40001,
                      "history": 20001, "user": 10100}
        self.statuses: dict[str, str] = {}
        self.status_categories: dict[str, str] = {}  # beyond the defaults (``add_status``)
        self.other_projects: dict[str, str] = {"OPS": "Operations"}  # key -> name, also seen
        self.priority_list = list(DEFAULT_PRIORITIES)
        for i, name in enumerate(STATUSES):
            self.statuses[name] = str(10000 + i)
        self._bot = self.add_person("Revision Bridge (bot)", email, time_zone=time_zone)
        for method, pattern, handler in [
            ("GET", r"/rest/api/2/serverInfo", self._server_info),
            ("GET", r"/rest/api/2/myself", self._myself),
            ("GET", r"/rest/api/2/field", self._field),
            ("GET", r"/rest/api/2/search/jql", self._search_jql),
            ("GET", r"/rest/api/2/search", self._search_legacy),
            ("GET", r"/rest/api/2/issue/(?P<issue>[^/]+)", self._issue),
            ("GET", r"/rest/api/2/issue/(?P<issue>[^/]+)/comment", self._comments),
            ("POST", r"/rest/api/2/issue/(?P<issue>[^/]+)/comment", self._post_comment),
            ("GET", r"/rest/api/2/issue/(?P<issue>[^/]+)/changelog", self._changelog),
            ("GET", r"/rest/api/2/issue/(?P<issue>[^/]+)/worklog", self._worklogs),
        ]:
            self.route(method, pattern, self._authed(handler, anonymous=pattern.endswith("Info")))
        install_describe_routes(self)
        install_priority_routes(self)

    # -- FakeTracker ------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        return self.root_url

    @property
    def bot_id(self) -> str:
        return self._bot

    def add_status(self, name: str, category: str) -> None:
        """Add ``name`` to the project's workflow in ``category`` (new/indeterminate/done)."""
        with self.lock:
            self._status_id(name)
            self.status_categories[name] = category

    def _take(self, counter: str) -> int:
        value = self._next[counter]
        self._next[counter] += 1
        return value

    def add_person(self, name: str, email: str | None = None, *,
                   time_zone: str = "Europe/Paris") -> str:
        with self.lock:
            if self.deployment == "cloud":
                remote_id = f"712020:{uuid.uuid4()}"
            else:
                remote_id = f"JIRAUSER{self._take('user')}"
            username = (email or name).split("@")[0].lower().replace(" ", ".")
            self.users[remote_id] = User(remote_id, username, name, email, time_zone)
            return remote_id

    def create_ticket(self, title: str, by: str, *, labels: tuple[str, ...] = (),
                      status: str = "To Do", at: datetime | None = None) -> str:
        at = at_or_now(at)
        with self.lock:
            self._status_id(status)
            issue = Issue(self._take("issue"), f"{self.project}-{self._take('key')}", title,
                          status, list(labels), by, by, at, at)
            self.issues[issue.id] = issue
            self._by_key[issue.key] = issue.id
            return str(issue.id)

    def move(self, ticket_id: str, to_status: str, by: str, at: datetime | None = None) -> None:
        at = at_or_now(at)
        with self.lock:
            issue = self._get(ticket_id)
            item = {"field": "status", "fieldtype": "jira", "fieldId": "status",
                    "from": self._status_id(issue.status), "fromString": issue.status,
                    "to": self._status_id(to_status), "toString": to_status}
            self._history(issue, by, at, item)
            issue.status = to_status

    def add_comment(self, ticket_id: str, body: str, by: str,
                    at: datetime | None = None) -> str:
        at = at_or_now(at)
        with self.lock:
            issue = self._get(ticket_id)
            cid = str(self._take("comment"))
            issue.comments.append({"id": cid, "author": by, "body": body, "created": at,
                                   "updated": at})
            issue.updated = max(issue.updated, at)
            return cid

    def edit_comment(self, comment_id: str, text: str, by: str | None = None,
                     at: datetime | None = None) -> None:
        """Replace a comment's body (its ``updated`` and the issue's move on)."""
        at = at_or_now(at)
        with self.lock:
            for issue in self.issues.values():
                for comment in issue.comments:
                    if comment["id"] == comment_id:
                        comment.update(body=text, updated=at)
                        issue.updated = max(issue.updated, at)
                        return
            raise KeyError(f"no comment {comment_id}")

    def log_time(self, ticket_id: str, seconds: int, by: str,
                 at: datetime | None = None) -> str:
        at = at_or_now(at)
        with self.lock:
            issue = self._get(ticket_id)
            wid = str(self._take("worklog"))
            issue.worklogs.append({"id": wid, "author": by, "started": at, "created": at,
                                   "seconds": seconds})
            issue.updated = max(issue.updated, at)
            return wid

    def set_labels(self, ticket_id: str, labels: tuple[str, ...],
                   at: datetime | None = None) -> None:
        at = at_or_now(at)
        with self.lock:
            issue = self._get(ticket_id)
            item = {"field": "labels", "fieldtype": "jira", "fieldId": "labels", "from": None,
                    "fromString": " ".join(issue.labels), "to": None,
                    "toString": " ".join(labels)}
            self._history(issue, self._bot, at, item)
            issue.labels = list(labels)

    def delete_ticket(self, ticket_id: str) -> None:
        with self.lock:
            self._get(ticket_id).deleted = True

    def looped(self, path: str, body: Any) -> Any:
        return hostile.jira_looped(body)

    def foreign(self, path: str, body: Any) -> Any:
        return hostile.jira_foreign(body)

    def corrupt_ticket(self, ticket_id: str) -> None:
        with self.lock:
            self._get(ticket_id).corrupt = True

    def comment_bodies(self, ticket_id: str) -> list[tuple[str, str]]:
        with self.lock:
            return [(c["id"], c["body"]) for c in self._get(ticket_id).comments]

    # -- state helpers ----------------------------------------------------------------------
    def _get(self, id_or_key: str) -> Issue:
        issue = (self.issues.get(int(id_or_key)) if id_or_key.isdigit()
                 else self.issues.get(self._by_key.get(id_or_key, -1)))
        if issue is None or issue.deleted:
            raise KeyError(id_or_key)
        return issue

    def _status_id(self, name: str) -> str:
        if name not in self.statuses:
            self.statuses[name] = str(10000 + len(self.statuses))
        return self.statuses[name]

    def _history(self, issue: Issue, by: str, at: datetime, item: dict[str, Any]) -> None:
        issue.histories.append({"id": str(self._take("history")), "author": by, "created": at,
                                "items": [item]})
        issue.updated = max(issue.updated, at)

    # -- handlers ---------------------------------------------------------------------------
    def _authed(self, handler: Callable[[Request], Response],
                anonymous: bool = False) -> Callable[[Request], Response]:
        def check(request: Request) -> Response:
            header = {k.lower(): v for k, v in request.headers.items()}.get("authorization")
            if header is None and anonymous:
                return handler(request)
            if header is None or not self._auth_ok(header):
                return Response(401, {"errorMessages": [
                    "You are not authenticated. Authentication required to perform this "
                    "operation."], "errors": {}})
            with self.lock:
                return handler(request)
        return check

    def _auth_ok(self, header: str) -> bool:
        scheme, _, value = header.partition(" ")
        if self.deployment == "cloud":
            if scheme.lower() != "basic":
                return False
            try:
                decoded = base64.b64decode(value).decode()
            except ValueError:
                return False
            return decoded == f"{self.email}:{self.token}"
        return scheme.lower() == "bearer" and value == self.token

    def _server_info(self, request: Request) -> Response:
        return Response(200, self.server_info_json())

    def _myself(self, request: Request) -> Response:
        body = self.user_json(self._bot) or {}
        body.update({"locale": "en_US", "groups": {"size": 1, "items": []},
                     "applicationRoles": {"size": 1, "items": []},
                     "expand": "groups,applicationRoles"})
        return Response(200, body)

    def _field(self, request: Request) -> Response:
        return Response(200, [
            {"id": fid, "key": fid, "name": name, "custom": False, "orderable": True,
             "navigable": True, "searchable": True, "clauseNames": [fid],
             "schema": {"type": kind, "system": fid}} for fid, name, kind in FIELD_LIST])

    def _matching(self, request: Request) -> list[Issue] | Response:
        try:
            query = jira_jql.parse(request.arg("jql") or "", self.zone)
        except jira_jql.JqlError as exc:
            return Response(400, {"errorMessages": [str(exc)], "errors": {}})
        found = [i for i in self.issues.values() if not i.deleted and query.matches({
            "project": (self.project, self.project_id), "key": i.key, "id": str(i.id),
            "labels": i.labels, "status": i.status, "updated": i.updated,
            "created": i.created})]
        order = query.order_field or "created"
        found.sort(key=lambda i: (getattr(i, order, i.key) if order in jira_jql.DATE_FIELDS
                                  else str(getattr(i, order, i.key)), i.id),
                   reverse=query.descending or query.order_field is None)
        return found

    def _fields_arg(self, request: Request, default: str) -> list[str]:
        values = [f for raw in request.args("fields") for f in raw.split(",") if f]
        return values or [default]

    def _page_size(self, request: Request, default: int) -> int | Response:
        try:
            size = int(request.arg("maxResults") or default)
        except ValueError:
            return Response(400, {"errorMessages": ["maxResults must be a number"]})
        return max(0, min(size, PAGE_CAP))

    def _search_jql(self, request: Request) -> Response:
        if self.deployment != "cloud":
            return Response(404, {"errorMessages": ["null for uri"]})
        found = self._matching(request)
        size = self._page_size(request, 50)
        if isinstance(found, Response) or isinstance(size, Response):
            return found if isinstance(found, Response) else size  # type: ignore[return-value]
        token = request.arg("nextPageToken")
        try:
            start = int(json.loads(base64.urlsafe_b64decode(token))["at"]) if token else 0
        except (ValueError, KeyError, TypeError):
            return Response(400, {"errorMessages": ["The provided next page token is invalid."]})
        fields = self._fields_arg(request, "id")
        changelog = "changelog" in (request.arg("expand") or "").split(",")
        chunk = found[start:start + size]
        body: dict[str, Any] = {"issues": [self.issue_json(i, fields, changelog) for i in chunk]}
        if start + size < len(found):
            body["nextPageToken"] = base64.urlsafe_b64encode(
                json.dumps({"at": start + size}).encode()).decode()
        body["isLast"] = "nextPageToken" not in body
        return Response(200, body)

    def _search_legacy(self, request: Request) -> Response:
        found = self._matching(request)
        size = self._page_size(request, 50)
        if isinstance(found, Response) or isinstance(size, Response):
            return found if isinstance(found, Response) else size  # type: ignore[return-value]
        start = int(request.arg("startAt") or 0)
        fields = self._fields_arg(request, "*navigable")
        changelog = "changelog" in (request.arg("expand") or "").split(",")
        chunk = found[start:start + size]
        return Response(200, {"expand": "schema,names", "startAt": start, "maxResults": size,
                              "total": len(found),
                              "issues": [self.issue_json(i, fields, changelog) for i in chunk]})

    def _issue_or_404(self, request: Request) -> Issue | Response:
        try:
            return self._get(request.params["issue"])
        except KeyError:
            return Response(404, {"errorMessages": [
                "Issue does not exist or you do not have permission to see it."], "errors": {}})

    def _issue(self, request: Request) -> Response:
        issue = self._issue_or_404(request)
        if isinstance(issue, Response):
            return issue
        changelog = "changelog" in (request.arg("expand") or "").split(",")
        return Response(200, self.issue_json(issue, self._fields_arg(request, "*all"), changelog,
                                             embed_limit=False))

    def _paged(self, request: Request, items: list[Any],
               cap: int = PAGE_CAP) -> tuple[int, list[Any]]:
        """(page size, page) for ``startAt``/``maxResults``: at most ``cap``, the default."""
        start = max(0, int(request.arg("startAt") or 0))
        size = max(0, min(int(request.arg("maxResults") or cap), cap))
        return size, items[start:start + size]

    def _comments(self, request: Request) -> Response:
        issue = self._issue_or_404(request)
        if isinstance(issue, Response):
            return issue
        ordered = sorted(issue.comments, key=lambda c: (c["created"], int(c["id"])),
                         reverse=(request.arg("orderBy") or "").startswith("-"))
        size, chunk = self._paged(request, ordered)
        return Response(200, {"startAt": int(request.arg("startAt") or 0), "maxResults": size,
                              "total": len(ordered),
                              "comments": [self.comment_json(issue, c) for c in chunk]})

    def _post_comment(self, request: Request) -> Response:
        issue = self._issue_or_404(request)
        if isinstance(issue, Response):
            return issue
        try:
            payload = request.json()
        except ValueError:
            payload = None
        if not isinstance(payload, dict) or not isinstance(payload.get("body"), str):
            return Response(400, {"errorMessages": [], "errors": {"comment": "Comment body "
                                                                             "can not be empty!"}})
        cid = self.add_comment(str(issue.id), payload["body"], self._bot)
        return Response(201, self.comment_json(issue, issue.comments[-1]) | {"id": cid})

    def _changelog(self, request: Request) -> Response:
        if self.deployment != "cloud":
            return Response(404, {"errorMessages": ["null for uri"]})
        issue = self._issue_or_404(request)
        if isinstance(issue, Response):
            return issue
        size, chunk = self._paged(request, issue.histories)
        start = int(request.arg("startAt") or 0)
        return Response(200, {
            "self": f"{self.root_url}/rest/api/2/issue/{issue.key}/changelog"
                    f"?maxResults={size}&startAt={start}",
            "maxResults": size, "startAt": start, "total": len(issue.histories),
            "isLast": start + size >= len(issue.histories),
            "values": [self.history_json(h) for h in chunk]})

    def _worklogs(self, request: Request) -> Response:
        issue = self._issue_or_404(request)
        if isinstance(issue, Response):
            return issue
        start = max(0, int(request.arg("startAt") or 0))
        size, chunk = self._paged(request, issue.worklogs, WORKLOG_PAGE_CAP)
        return Response(200, {"startAt": start, "maxResults": size, "total": len(issue.worklogs),
                              "worklogs": [self.worklog_json(issue, w) for w in chunk]})

