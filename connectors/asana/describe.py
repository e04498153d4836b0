"""``describe()`` for Asana, through the SDK: 6 requests when the project is visible.

``/users/me`` (name, e-mail, workspaces), the configured project (its workspace and its custom
field settings: the enum fields and their options, where a priority field is), the
workspace's unarchived projects, the project's sections (board order), the workspace's users
(name, e-mail) and its tags. Without a visible project: the projects of each of the token
owner's workspaces.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import asana

from connectors.base import TrackerMap, TrackerPerson, TrackerProject, TrackerStatus
from connectors.errors import RemoteFatalError

if TYPE_CHECKING:
    from connectors.asana.connector import AsanaConnector

Fetch = Callable[[dict[str, Any]], Any]
_SETTING = "custom_field_settings.custom_field."
PROJECT_FIELDS = ",".join(["name", "workspace.name", *(_SETTING + f for f in (
    "name", "resource_subtype", "enum_options.name", "enum_options.enabled"))])


def describe(connector: AsanaConnector) -> TrackerMap:
    client = connector.api_client
    users_api, projects_api = asana.UsersApi(client), asana.ProjectsApi(client)
    me_raw = connector.fetch_one(lambda: users_api.get_user(
        "me", {"opt_fields": "name,email,workspaces.name"}, full_payload=True), "GET /users/me")
    me = _person(me_raw)
    gid = connector.project
    project: Mapping[str, Any] | None = None
    if gid:
        try:
            project = connector.fetch_one(lambda: projects_api.get_project(
                gid, {"opt_fields": PROJECT_FIELDS}, full_payload=True),
                f"GET /projects/{gid}")
        except RemoteFatalError as exc:
            if exc.status not in (403, 404):
                raise
    workspace = project.get("workspace") if project else None
    if not isinstance(workspace, Mapping):
        spaces = [w for w in me_raw.get("workspaces") or () if isinstance(w, Mapping)]
        projects = tuple(p for w in spaces for p in _projects(connector, projects_api, w))
        return TrackerMap("asana", me, projects)
    assert project is not None
    workspace_gid = str(workspace.get("gid"))
    projects = _projects(connector, projects_api, workspace)
    chosen = TrackerProject(gid, str(project.get("name") or gid))
    sections_api, tags_api = asana.SectionsApi(client), asana.TagsApi(client)
    sections = connector.fetch_all(lambda opts: sections_api.get_sections_for_project(
        gid, {**opts, "opt_fields": "name"}, full_payload=True), f"GET /projects/{gid}/sections")
    users = connector.fetch_all(lambda opts: users_api.get_users(
        {**opts, "workspace": workspace_gid, "opt_fields": "name,email"}, full_payload=True),
        "GET /users")
    tags = connector.fetch_all(lambda opts: tags_api.get_tags(
        {**opts, "workspace": workspace_gid, "opt_fields": "name"}, full_payload=True),
        "GET /tags")
    return TrackerMap(
        "asana", me, projects, chosen,
        tuple(TrackerStatus(str(s["name"])) for s in sections if isinstance(s.get("name"), str)),
        tuple(_person(u) for u in users if u.get("gid")),
        tuple(sorted({str(t["name"]) for t in tags if t.get("name")}, key=str.casefold)),
        custom_fields=_enum_fields(project.get("custom_field_settings")))


def _enum_fields(settings: Any) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """The project's enum custom fields with their enabled options, in the project's order."""
    out: dict[str, tuple[str, ...]] = {}
    for setting in settings if isinstance(settings, list) else ():
        custom = setting.get("custom_field") if isinstance(setting, Mapping) else None
        if not isinstance(custom, Mapping) or custom.get("resource_subtype") != "enum":
            continue
        name = custom.get("name")
        options = custom.get("enum_options")
        if isinstance(name, str) and name and name not in out:
            out[name] = tuple(str(o["name"]) for o in options if isinstance(o, Mapping)
                              and o.get("name") and o.get("enabled") is not False) \
                if isinstance(options, list) else ()
    return tuple(out.items())


def _projects(connector: AsanaConnector, api: Any,
              workspace: Mapping[str, Any]) -> tuple[TrackerProject, ...]:
    space = str(workspace.get("gid"))
    rows = connector.fetch_all(lambda opts: api.get_projects(
        {**opts, "workspace": space, "archived": False, "opt_fields": "name"},
        full_payload=True), "GET /projects")
    return tuple(TrackerProject(str(p["gid"]), str(p.get("name") or p["gid"]))
                 for p in rows if p.get("gid"))


def _person(raw: Mapping[str, Any]) -> TrackerPerson:
    email = raw.get("email")
    return TrackerPerson(str(raw.get("gid")), str(raw.get("name") or raw.get("gid")),
                         str(email) if email else None)
