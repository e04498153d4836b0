"""A stateful fake Asana (REST API 1.0) on 127.0.0.1, shaped like the real API.

Serves what the Asana connector and the SDK use: ``/users/me``, the project, its sections and tasks
(``/tasks?project=&modified_since=``, ``/projects/{gid}/tasks``, ``/tasks/{gid}``), stories (read
and create comments) and time-tracking entries (a task's, compact: no ``created_at``; one by
id, complete). Responses follow ``asana_oas.yaml`` and the payload examples: ``{"data": ...,
"next_page": {offset, path, uri} | null}``, ``opt_fields`` honoured (only the requested fields
plus ``gid``/``resource_type``), opaque offset tokens, bearer auth (401 with Asana's error
body). Every update bumps the task's ``modified_at``. With ``rate_limits``, Asana's per-token
limit is enforced (429 with ``Retry-After``, see ``asana_limits``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from connectors.testing.fakes import hostile
from connectors.testing.fakes.asana_limits import AsanaLimits, AsanaRateLimitState
from connectors.testing.fakes.asana_state import AsanaState, FakeTask
from connectors.testing.fakes.asana_wire import COMPACT, errors, paginate, project_fields
from connectors.testing.fakes.base import FakeServer, Fault, Request, Response

API = "/api/1.0"
TOO_MANY = "You have made too many requests recently. Please, be chill."
TOKEN_ENV = "REVBRIDGE_FAKE_TOKEN"
#: the fields of asana_oas.yaml's TimeTrackingEntryCompact, all a listing of entries can give
ENTRY_COMPACT = frozenset({"gid", "resource_type", "duration_minutes", "entered_on",
                           "attributable_to", "created_by", "categories"})
STATUS_MAP = {"open": ["To Do"], "in_progress": ["In Progress"], "delivered": ["In Review"],
              "done": ["Done"]}


class FakeAsana(AsanaState, FakeServer):
    """Fake Asana served on 127.0.0.1 (``base_url`` ends in ``/api/1.0``)."""

    def tracker_table(self, token: str, **overrides: Any) -> dict[str, Any]:
        """The ``[tracker]`` table of a client file pointing at this fake."""
        return settings_for(self, token=token, **overrides)

    def __init__(self, token: str | None = None, *, time_tracking: bool = True,
                 priority_field: str | None = "Priority",
                 rate_limits: bool | AsanaLimits = False) -> None:
        FakeServer.__init__(self)
        AsanaState.__init__(self, token, time_tracking=time_tracking,
                            priority_field=priority_field)
        #: Asana's per-token limit, when ``rate_limits`` is on (True: a paid domain's)
        self.limiter: AsanaRateLimitState | None = None
        if rate_limits:
            self.limiter = AsanaRateLimitState(limits=(
                rate_limits if isinstance(rate_limits, AsanaLimits) else AsanaLimits()))
        self._routes_setup()

    @property
    def base_url(self) -> str:
        return self.root_url + API

    # -- HTTP ----------------------------------------------------------------------------------
    def _routes_setup(self) -> None:
        routes = [
            ("GET", r"/users/(?P<gid>[^/]+)", self._get_user),
            ("GET", r"/users", self._get_users),
            ("GET", r"/projects", self._get_projects),
            ("GET", r"/tags", self._get_tags),
            ("GET", r"/projects/(?P<gid>\d+)", self._get_project),
            ("GET", r"/projects/(?P<gid>\d+)/sections", self._get_sections),
            ("GET", r"/projects/(?P<gid>\d+)/tasks", self._get_project_tasks),
            ("GET", r"/tasks", self._get_tasks),
            ("GET", r"/tasks/(?P<gid>\d+)", self._get_task),
            ("GET", r"/tasks/(?P<gid>\d+)/stories", self._get_stories),
            ("POST", r"/tasks/(?P<gid>\d+)/stories", self._post_story),
            ("GET", r"/tasks/(?P<gid>\d+)/time_tracking_entries", self._get_entries),
            ("GET", r"/time_tracking_entries/(?P<gid>\d+)", self._get_entry),
        ]
        for method, pattern, handler in routes:
            self.route(method, API + pattern, self._authed(handler))

    def _authed(self, handler: Any) -> Any:
        def wrapped(request: Request) -> Response:
            if request.headers.get("Authorization") != f"Bearer {self.token}":
                return errors("Not Authorized", 401)
            with self.lock:
                wait = self.limiter.check(self.token) if self.limiter is not None else None
                if wait is not None:
                    refused = errors(TOO_MANY, 429)
                    refused.headers["Retry-After"] = str(wait)
                    return refused
                return handler(request)  # type: ignore[no-any-return]
        return wrapped

    def _fault_response(self, fault: Fault) -> Response | None:
        response = super()._fault_response(fault)
        if response is not None and response.status in (429, 500, 503):
            messages = {429: TOO_MANY,
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
        return paginate(request, items, kind, API, self.base_url)

    def _get_user(self, request: Request) -> Response:
        gid = self._bot if request.params["gid"] == "me" else request.params["gid"]
        if gid not in self.users:
            return errors(f"user: Unknown object: {gid}", 404)
        return self._single(request, self.users[gid], "user")

    def _in_workspace(self, request: Request, required: bool) -> Response | None:
        """Asana's answer when ``workspace`` is missing (where needed) or unknown, else None."""
        space = request.arg("workspace")
        if space is None and required:
            return errors("workspace: Missing input", 400)
        if space is not None and space != self.workspace["gid"]:
            return errors(f"workspace: Not a recognized ID: {space}", 400)
        return None

    def _get_users(self, request: Request) -> Response:
        refused = self._in_workspace(request, required=False)
        return refused or self._listing(request, list(self.users.values()), "user")

    def _get_projects(self, request: Request) -> Response:
        refused = self._in_workspace(request, required=True)
        if refused is not None:
            return refused
        projects = [{**self._ref("project", gid, name), "workspace": self.workspace,
                     "archived": False}
                    for gid, name in ((self.project_gid, self.project_name),
                                      (self.other_project_gid, "Agency board"))]
        if request.arg("archived") == "true":
            projects = []
        return self._listing(request, projects, "project")

    def _get_tags(self, request: Request) -> Response:
        refused = self._in_workspace(request, required=True)
        if refused is not None:
            return refused
        tags = [{**self._ref("tag", gid, name), "workspace": self.workspace}
                for gid, name in self.tags.items()]
        return self._listing(request, tags, "tag")

    def _get_project(self, request: Request) -> Response:
        if request.params["gid"] != self.project_gid:
            return errors(f"project: Unknown object: {request.params['gid']}", 404)
        project = {**self._ref("project", self.project_gid, self.project_name),
                   "workspace": self.workspace, "archived": False,
                   "custom_field_settings": self.field_settings_json()}
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
        # TimeTrackingEntryCompact: whatever opt_fields asks, a listing has no created_at
        compact = [{k: v for k, v in entry.items() if k in ENTRY_COMPACT} for entry in task.entries]
        return self._listing(request, compact, "time_tracking_entry")

    def _get_entry(self, request: Request) -> Response:
        """One entry, complete (``created_at`` is only here: listings give compact records)."""
        if not self.time_tracking:
            return errors("Time tracking is not available on your plan. Upgrade to use it.",
                          402)
        gid = request.params["gid"]
        for task in self.tasks.values():
            for entry in task.entries:
                if entry["gid"] == gid:
                    return self._single(request, entry, "time_tracking_entry")
        return errors(f"time_tracking_entry: Unknown object: {gid}", 404)

    def looped(self, path: str, body: Any) -> Any:
        return hostile.asana_looped(body)

    def foreign(self, path: str, body: Any) -> Any:
        return hostile.asana_foreign(body)

def settings_for(fake: FakeAsana, **overrides: Any) -> dict[str, Any]:
    """The ``[tracker]`` table of a client file pointing at ``fake`` (token by reference)."""
    settings: dict[str, Any] = {
        "type": "asana", "project": fake.project_gid, "token": f"env:{TOKEN_ENV}",
        "api_url": fake.base_url, "statuses": {k: list(v) for k, v in STATUS_MAP.items()},
    }
    settings.update(overrides)
    return settings
