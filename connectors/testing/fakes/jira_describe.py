"""The fake Jira's discovery endpoints (what ``describe()`` reads), shaped by the v3 spec.

``/project/search`` (Cloud only: a ``PageBeanProject``), ``/project`` (a plain list; the only
listing Data Center has), ``/project/{key}/statuses`` (``IssueTypeWithStatus`` list, each status
with its ``statusCategory``) and ``/user/assignable/search`` (a ``User`` list, ``startAt`` /
``maxResults`` paged, ``project`` required).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from connectors.testing.fakes.base import Request, Response

if TYPE_CHECKING:
    from connectors.testing.fakes.jira import FakeJira

NO_URI = Response(404, {"errorMessages": ["null for uri"]})


def install_describe_routes(fake: FakeJira) -> None:
    """Register the discovery routes on ``fake``."""

    def projects() -> list[dict[str, Any]]:
        known = {fake.project: "Website", **fake.other_projects}
        return [{"self": f"{fake.root_url}/rest/api/2/project/{key}",
                 "id": fake.project_id if key == fake.project else str(10100 + i),
                 "key": key, "name": name, "projectTypeKey": "software",
                 "simplified": False, "style": "classic", "isPrivate": False,
                 "avatarUrls": {"48x48": f"{fake.root_url}/secure/projectavatar?pid={i}"}}
                for i, (key, name) in enumerate(sorted(known.items()))]

    def project_search(request: Request) -> Response:
        if fake.deployment != "cloud":
            return NO_URI
        start = max(0, int(request.arg("startAt") or 0))
        size = max(1, min(int(request.arg("maxResults") or 50), 100))
        rows = projects()
        chunk = rows[start:start + size]
        body: dict[str, Any] = {
            "self": f"{fake.root_url}/rest/api/2/project/search?startAt={start}&maxResults={size}",
            "maxResults": size, "startAt": start, "total": len(rows),
            "isLast": start + size >= len(rows), "values": chunk}
        if not body["isLast"]:
            body["nextPage"] = (f"{fake.root_url}/rest/api/2/project/search"
                                f"?startAt={start + size}&maxResults={size}")
        return Response(200, body)

    def project_list(request: Request) -> Response:
        return Response(200, projects())

    def unknown(key: str) -> Response:
        return Response(404, {"errorMessages": [f"No project could be found with key '{key}'."],
                              "errors": {}})

    def statuses(request: Request) -> Response:
        key = request.params["project"]
        if key not in (fake.project, fake.project_id):
            return unknown(key)
        details = [fake._status_json(name) for name in fake.statuses]
        return Response(200, [{
            "self": f"{fake.root_url}/rest/api/2/issuetype/10001", "id": "10001",
            "name": "Task", "subtask": False, "statuses": details}])

    def assignable(request: Request) -> Response:
        key = request.arg("project")
        if not key and not request.arg("issueKey"):
            return Response(400, {"errorMessages": [
                "The project key or issue key is required."], "errors": {}})
        if key not in (fake.project, fake.project_id):
            return unknown(str(key))
        start = max(0, int(request.arg("startAt") or 0))
        size = max(0, min(int(request.arg("maxResults") or 50), 1000))
        users = [fake.user_json(uid) for uid in fake.users]
        return Response(200, users[start:start + size])

    for pattern, handler in [
        (r"/rest/api/2/project/search", project_search),
        (r"/rest/api/2/project", project_list),
        (r"/rest/api/2/project/(?P<project>[^/]+)/statuses", statuses),
        (r"/rest/api/2/user/assignable/search", assignable),
    ]:
        fake.route("GET", pattern, fake._authed(handler))
