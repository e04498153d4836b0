"""A stateful fake Asana (REST API 1.0) on 127.0.0.1, shaped like the real API.

Serves what the Asana connector and the SDK use: ``/users/me``, the project, its sections and tasks
(``/tasks?project=&modified_since=``, ``/projects/{gid}/tasks``, ``/tasks/{gid}``), stories (read
and create comments) and time-tracking entries. Responses follow ``asana_oas.yaml`` and the
payload examples: ``{"data": ..., "next_page": {offset, path, uri} | null}``, ``opt_fields``
honoured (only the requested fields plus ``gid``/``resource_type``), opaque offset tokens, bearer
auth (401 with Asana's error body). Every update bumps the task's ``modified_at``.
"""

from __future__ import annotations

import base64
import itertools
import json
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from connectors.fakes.asana_fields import COMPACT, project_fields
from connectors.fakes.base import STATUSES, FakeServer, Fault, Request, Response

API = "/api/1.0"
TOKEN_ENV = "REVBRIDGE_FAKE_TOKEN"
STATUS_MAP = {"open": ["To Do"], "in_progress": ["In Progress"], "delivered": ["In Review"],
              "done": ["Done"]}


def iso(at: datetime) -> str:
    """Asana's timestamp form: UTC with milliseconds and ``Z``."""
    at = at.astimezone(UTC)
    return at.strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}Z"


def errors(message: str, status: int) -> Response:
    return Response(status, {"errors": [{
        "message": message,
        "help": "For more information on API status codes and how to handle them, read the docs "
                "on errors: https://developers.asana.com/docs/errors"}]})


@dataclass
class FakeTask:
    gid: str
    name: str
    created_by: str
    created_at: datetime
    modified_at: datetime
    section: str  # section gid
    tags: list[str] = field(default_factory=list)  # tag gids
    completed: bool = False
    completed_at: datetime | None = None
    assignee: str | None = None
    notes: str = ""
    stories: list[dict[str, Any]] = field(default_factory=list)
    entries: list[dict[str, Any]] = field(default_factory=list)
    corrupt: bool = False

    def touch(self, at: datetime) -> None:
        self.modified_at = max(self.modified_at, at)


class FakeAsana(FakeServer):
    """Fake Asana with one workspace, one project (sections = ``STATUSES``) and a bot user."""

    def __init__(self, token: str | None = None, *, time_tracking: bool = True) -> None:
        super().__init__()
        self.token = token or "2/" + secrets.token_hex(16)
        #: False: the time-tracking endpoints answer 402, as on a plan without time tracking.
        self.time_tracking = time_tracking
        self._gids = itertools.count(1208000000001001)
        self.workspace = {"gid": "1201000000000001", "resource_type": "workspace",
                          "name": "Acme Co"}
        self.users: dict[str, dict[str, Any]] = {}
        self._bot = self.add_person("Revision Bridge", "bridge@freelance.example")
        self.project_gid = self._gid()
        self.project_name = "Website relaunch"
        self.sections: dict[str, str] = {}  # gid -> name
        for name in STATUSES:
            self.section_gid(name)
        self.tags: dict[str, str] = {}  # gid -> name
        self.tasks: dict[str, FakeTask] = {}
        self._routes_setup()

    def start(self) -> FakeAsana:
        super().start()
        # Headers and body go out in two writes: without TCP_NODELAY, Nagle plus the client's
        # delayed ACK stall every keep-alive response by ~40 ms.
        assert self._server is not None
        self._server.RequestHandlerClass.disable_nagle_algorithm = True  # type: ignore[attr-defined]
        return self

    # -- identity ------------------------------------------------------------------------------
    def _gid(self) -> str:
        return str(next(self._gids))

    @property
    def base_url(self) -> str:
        return self.root_url + API

    @property
    def bot_id(self) -> str:
        return self._bot

    def add_person(self, name: str, email: str | None = None) -> str:
        with self.lock:
            gid = str(1202000000000011 + len(self.users))
            self.users[gid] = {"gid": gid, "resource_type": "user", "name": name,
                               "email": email, "photo": None, "workspaces": [self.workspace]}
            return gid

    def section_gid(self, name: str) -> str:
        with self.lock:
            for gid, known in self.sections.items():
                if known == name:
                    return gid
            gid = self._gid()
            self.sections[gid] = name
            return gid

    def _tag_gid(self, name: str) -> str:
        for gid, known in self.tags.items():
            if known == name:
                return gid
        gid = self._gid()
        self.tags[gid] = name
        return gid

    # -- driving the fake (FakeTracker) --------------------------------------------------------
    def create_ticket(self, title: str, by: str, *, labels: tuple[str, ...] = (),
                      status: str = "To Do", at: datetime | None = None) -> str:
        at = at or datetime.now(UTC)
        with self.lock:
            task = FakeTask(self._gid(), title, by, at, at, self.section_gid(status))
            self.tasks[task.gid] = task
            self._story(task, by, at, "added_to_project", f"added to {self.project_name}")
            for label in labels:
                gid = self._tag_gid(label)
                task.tags.append(gid)
                self._story(task, by, at, "added_to_tag", f"added to {label}",
                            tag=self._ref("tag", gid, label))
            return task.gid

    def move(self, ticket_id: str, to_status: str, by: str, at: datetime | None = None) -> None:
        at = at or datetime.now(UTC)
        with self.lock:
            task = self.tasks[ticket_id]
            old, new = task.section, self.section_gid(to_status)
            task.section = new
            self._story(task, by, at, "section_changed",
                        f'moved this task from "{self.sections[old]}" to '
                        f'"{self.sections[new]}" in {self.project_name}',
                        old_section=self._ref("section", old, self.sections[old]),
                        new_section=self._ref("section", new, self.sections[new]))

    def complete(self, ticket_id: str, by: str, completed: bool = True,
                 at: datetime | None = None) -> None:
        """Mark the task complete (or incomplete again), as the checkbox in Asana does."""
        at = at or datetime.now(UTC)
        with self.lock:
            task = self.tasks[ticket_id]
            task.completed, task.completed_at = completed, (at if completed else None)
            kind = "marked_complete" if completed else "marked_incomplete"
            self._story(task, by, at, kind, kind.replace("_", " ") + " this task")

    def add_comment(self, ticket_id: str, body: str, by: str,
                    at: datetime | None = None) -> str:
        at = at or datetime.now(UTC)
        with self.lock:
            story = self._story(self.tasks[ticket_id], by, at, "comment_added", body)
            return str(story["gid"])

    def log_time(self, ticket_id: str, seconds: int, by: str,
                 at: datetime | None = None) -> str:
        at = at or datetime.now(UTC)
        with self.lock:
            task = self.tasks[ticket_id]
            entry = {
                "gid": self._gid(), "resource_type": "time_tracking_entry",
                "duration_minutes": round(seconds / 60), "entered_on": at.date().isoformat(),
                "created_by": self._user_ref(by), "created_at": iso(at),
                "attributable_to": self._ref("project", self.project_gid, self.project_name),
                "approval_status": "DRAFT", "billable_status": "billable", "description": "",
                "task": self._ref("task", task.gid, task.name), "categories": [],
            }
            task.entries.append(entry)
            task.touch(at)
            return str(entry["gid"])

    def set_labels(self, ticket_id: str, labels: tuple[str, ...],
                   at: datetime | None = None) -> None:
        at = at or datetime.now(UTC)
        with self.lock:
            task = self.tasks[ticket_id]
            wanted = [self._tag_gid(label) for label in labels]
            for gid in [g for g in task.tags if g not in wanted]:
                self._story(task, task.created_by, at, "removed_from_tag",
                            f"removed from {self.tags[gid]}", tag=self._ref("tag", gid,
                                                                             self.tags[gid]))
            for gid in [g for g in wanted if g not in task.tags]:
                self._story(task, task.created_by, at, "added_to_tag",
                            f"added to {self.tags[gid]}", tag=self._ref("tag", gid,
                                                                         self.tags[gid]))
            task.tags = wanted
            task.touch(at)

    def delete_ticket(self, ticket_id: str) -> None:
        with self.lock:
            del self.tasks[ticket_id]

    def corrupt_ticket(self, ticket_id: str) -> None:
        with self.lock:
            self.tasks[ticket_id].corrupt = True  # served with created_at: null

    def comment_bodies(self, ticket_id: str) -> list[tuple[str, str]]:
        with self.lock:
            return [(str(s["gid"]), str(s["text"])) for s in self.tasks[ticket_id].stories
                    if s["resource_subtype"] == "comment_added"]

    # -- representations -----------------------------------------------------------------------
    def _ref(self, kind: str, gid: str, name: str) -> dict[str, Any]:
        return {"gid": gid, "resource_type": kind, "name": name}

    def _user_ref(self, gid: str) -> dict[str, Any]:
        return self._ref("user", gid, self.users[gid]["name"])

    def _story(self, task: FakeTask, by: str, at: datetime, subtype: str, text: str,
               **extra: Any) -> dict[str, Any]:
        story = {"gid": self._gid(), "resource_type": "story", "created_at": iso(at),
                 "created_by": self._user_ref(by), "resource_subtype": subtype,
                 "type": "comment" if subtype == "comment_added" else "system", "text": text,
                 **extra}
        if subtype == "comment_added":
            story.update(is_edited=False, is_pinned=False, html_text=f"<body>{text}</body>")
        story["target"] = self._ref("task", task.gid, task.name)
        task.stories.append(story)
        task.touch(at)
        return story

    def _task_json(self, task: FakeTask) -> dict[str, Any]:
        minutes = sum(int(e["duration_minutes"]) for e in task.entries)
        return {
            "gid": task.gid, "resource_type": "task", "name": task.name,
            "resource_subtype": "default_task",
            # like Asana: a task's created_by carries no name (opt_fields allows none)
            "created_by": {"gid": task.created_by, "resource_type": "user"},
            "created_at": None if task.corrupt else iso(task.created_at),
            "modified_at": iso(task.modified_at), "completed": task.completed,
            "completed_at": iso(task.completed_at) if task.completed_at else None,
            "assignee": self._user_ref(task.assignee) if task.assignee else None,
            "notes": task.notes,
            "memberships": [{
                "project": self._ref("project", self.project_gid, self.project_name),
                "section": self._ref("section", task.section, self.sections[task.section])}],
            "tags": [self._ref("tag", gid, self.tags[gid]) for gid in task.tags],
            "actual_time_minutes": minutes or None, "num_subtasks": 0, "parent": None,
            "due_on": None,
            "permalink_url": f"https://app.asana.com/1/{self.workspace['gid']}/project/"
                             f"{self.project_gid}/task/{task.gid}",
        }

    # -- HTTP ----------------------------------------------------------------------------------
    def _routes_setup(self) -> None:
        routes = [
            ("GET", r"/users/(?P<gid>[^/]+)", self._get_user),
            ("GET", r"/projects/(?P<gid>\d+)", self._get_project),
            ("GET", r"/projects/(?P<gid>\d+)/sections", self._get_sections),
            ("GET", r"/projects/(?P<gid>\d+)/tasks", self._get_project_tasks),
            ("GET", r"/tasks", self._get_tasks),
            ("GET", r"/tasks/(?P<gid>\d+)", self._get_task),
            ("GET", r"/tasks/(?P<gid>\d+)/stories", self._get_stories),
            ("POST", r"/tasks/(?P<gid>\d+)/stories", self._post_story),
            ("GET", r"/tasks/(?P<gid>\d+)/time_tracking_entries", self._get_entries),
        ]
        for method, pattern, handler in routes:
            self.route(method, API + pattern, self._authed(handler))

    def _authed(self, handler: Any) -> Any:
        def wrapped(request: Request) -> Response:
            if request.headers.get("Authorization") != f"Bearer {self.token}":
                return errors("Not Authorized", 401)
            with self.lock:
                return handler(request)  # type: ignore[no-any-return]
        return wrapped

    def _fault_response(self, fault: Fault) -> Response | None:
        response = super()._fault_response(fault)
        if response is not None and response.status in (429, 500, 503):
            messages = {429: "You have made too many requests recently. Please, be chill.",
                        500: "Server Error", 503: "Service Unavailable"}
            response.body = errors(messages[response.status], response.status).body
        return response

    def _single(self, request: Request, value: dict[str, Any], kind: str,
                full: bool = True) -> Response:
        fields = request.arg("opt_fields")
        if fields is None and not full:
            fields = ",".join(COMPACT[kind])
        return Response(200, {"data": project_fields(value, fields)})

    def _listing(self, request: Request, items: list[dict[str, Any]], kind: str) -> Response:
        """One page of ``items`` (sorted by gid) with Asana's limit/offset paging."""
        fields = request.arg("opt_fields") or ",".join(COMPACT[kind])
        limit_arg = request.arg("limit")
        items = sorted(items, key=lambda item: int(item["gid"]))
        if limit_arg is None:
            return Response(200, {"data": [project_fields(i, fields) for i in items]})
        try:
            limit = int(limit_arg)
        except ValueError:
            return errors("limit: Value is not an integer", 400)
        if not 1 <= limit <= 100:
            return errors("limit: The value must be between 1 and 100.", 400)
        offset = request.arg("offset")
        if offset:
            after = self._read_offset(offset, request.path)
            if after is None:
                return errors("offset: Your pagination token is invalid.", 400)
            items = [i for i in items if int(i["gid"]) > after]
        page, rest = items[:limit], items[limit:]
        next_page = None
        if rest:
            token = self._make_offset(int(page[-1]["gid"]), request.path)
            query = [(k, v) for k, vs in request.query.items() if k != "offset" for v in vs]
            path = request.path[len(API):] + "?" + urlencode([*query, ("offset", token)])
            next_page = {"offset": token, "path": path, "uri": self.base_url + path}
        return Response(200, {"data": [project_fields(i, fields) for i in page],
                              "next_page": next_page})

    def _make_offset(self, after: int, path: str) -> str:
        raw = json.dumps({"a": after, "p": path}).encode()
        return "eyJ0eXAiOiJKV1QifQ." + base64.urlsafe_b64encode(raw).decode().rstrip("=")

    def _read_offset(self, token: str, path: str) -> int | None:
        try:
            body = token.split(".", 1)[1]
            data = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
            return int(data["a"]) if data["p"] == path else None
        except (IndexError, ValueError, KeyError, TypeError):
            return None

    def _get_user(self, request: Request) -> Response:
        gid = self._bot if request.params["gid"] == "me" else request.params["gid"]
        if gid not in self.users:
            return errors(f"user: Unknown object: {gid}", 404)
        return self._single(request, self.users[gid], "user")

    def _get_project(self, request: Request) -> Response:
        if request.params["gid"] != self.project_gid:
            return errors(f"project: Unknown object: {request.params['gid']}", 404)
        project = {**self._ref("project", self.project_gid, self.project_name),
                   "workspace": self.workspace, "archived": False}
        return self._single(request, project, "project")

    def _get_sections(self, request: Request) -> Response:
        if request.params["gid"] != self.project_gid:
            return errors(f"project: Unknown object: {request.params['gid']}", 404)
        sections = [{**self._ref("section", gid, name),
                     "project": self._ref("project", self.project_gid, self.project_name)}
                    for gid, name in self.sections.items()]
        return self._listing(request, sections, "section")

    def _project_tasks(self, project: str | None) -> list[dict[str, Any]] | None:
        if project != self.project_gid:
            return None
        return [self._task_json(task) for task in self.tasks.values()]

    def _get_project_tasks(self, request: Request) -> Response:
        tasks = self._project_tasks(request.params["gid"])
        if tasks is None:
            return errors(f"project: Unknown object: {request.params['gid']}", 404)
        return self._listing(request, tasks, "task")

    def _get_tasks(self, request: Request) -> Response:
        project = request.arg("project")
        if project is None:
            return errors("You must specify a project or tag if you do not specify "
                          "assignee and workspace", 400)
        tasks = self._project_tasks(project)
        if tasks is None:
            return errors(f"project: Not a recognized ID: {project}", 400)
        since_arg = request.arg("modified_since")
        if since_arg is not None:
            try:
                since = datetime.fromisoformat(since_arg.replace("Z", "+00:00"))
            except ValueError:
                return errors("modified_since: Not a valid date-time", 400)
            if since.tzinfo is None:
                since = since.replace(tzinfo=UTC)
            tasks = [t for t in tasks if self.tasks[t["gid"]].modified_at >= since]
        return self._listing(request, tasks, "task")

    def _task_or_404(self, request: Request) -> FakeTask | Response:
        task = self.tasks.get(request.params["gid"])
        return task if task is not None else errors(
            f"task: Unknown object: {request.params['gid']}", 404)

    def _get_task(self, request: Request) -> Response:
        task = self._task_or_404(request)
        if isinstance(task, Response):
            return task
        return self._single(request, self._task_json(task), "task")

    def _get_stories(self, request: Request) -> Response:
        task = self._task_or_404(request)
        if isinstance(task, Response):
            return task
        return self._listing(request, task.stories, "story")

    def _post_story(self, request: Request) -> Response:
        task = self._task_or_404(request)
        if isinstance(task, Response):
            return task
        try:
            payload = request.json()
        except ValueError:
            return errors("Could not parse request data, invalid JSON", 400)
        data = payload.get("data") if isinstance(payload, dict) else None
        text = data.get("text") if isinstance(data, dict) else None
        if not isinstance(text, str) or not text:
            return errors("text: Missing input", 400)
        story = self._story(task, self._bot, datetime.now(UTC), "comment_added", text)
        fields = request.arg("opt_fields")
        return Response(201, {"data": project_fields(story, fields)})

    def _get_entries(self, request: Request) -> Response:
        if not self.time_tracking:
            return errors("Time tracking is not available on your plan. Upgrade to use it.",
                          402)
        task = self._task_or_404(request)
        if isinstance(task, Response):
            return task
        return self._listing(request, task.entries, "time_tracking_entry")


def settings_for(fake: FakeAsana, **overrides: Any) -> dict[str, Any]:
    """The ``[tracker]`` table of a client file pointing at ``fake`` (token by reference)."""
    settings: dict[str, Any] = {
        "type": "asana", "project": fake.project_gid, "token": f"env:{TOKEN_ENV}",
        "api_url": fake.base_url, "statuses": {k: list(v) for k, v in STATUS_MAP.items()},
    }
    settings.update(overrides)
    return settings
