"""``describe()`` for Jira: what the token sees, in at most 6 requests.

``myself`` (its ``accountId`` or ``key`` says Cloud or Data Center, so no serverInfo is asked
unless a cursor or ``deployment`` already said it), the projects (Cloud: ``/project/search``,
one page of 100; Data Center has only ``/project``), the project's workflow statuses with their
category (``/project/{key}/statuses``, per issue type, merged in first-seen order), the users
who can be assigned in the project (``/user/assignable/search``), one search page of the
project's 100 most recently updated issues: Jira keeps no per-project label list, so labels are
those in use there, and the reporters found there join the people (a client who only files
issues is often not assignable), and the priorities: Cloud ``/priority/search`` for the
project (its priority scheme's, one page of 100), Data Center ``/priority`` (the site's).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from connectors.base import TrackerMap, TrackerPerson, TrackerProject, TrackerStatus
from connectors.errors import RemoteFatalError
from connectors.jira import records

if TYPE_CHECKING:
    from connectors.jira.connector import JiraConnector

PEOPLE_PAGE = 1000
RECENT_ISSUES = 100


def describe(connector: JiraConnector) -> TrackerMap:
    me = _person(connector.myself_settling_deployment())
    cloud = connector.is_cloud
    rows = _project_rows(connector, cloud)
    projects = tuple(TrackerProject(str(r["key"]), str(r.get("name") or r["key"])) for r in rows)
    key = connector.settings.project
    chosen = next((p for p in projects if p.key == key), None) if key else None
    if chosen is None:
        return TrackerMap("jira", me, projects)
    project_id = next((str(r.get("id")) for r in rows if r["key"] == key), "")
    statuses = _statuses(connector.get_json(f"project/{key}/statuses", {}))
    people: dict[str, TrackerPerson] = {}
    for raw in _list(connector.get_json("user/assignable/search",
                                        {"project": key, "maxResults": PEOPLE_PAGE})):
        _add(people, raw)
    labels: dict[str, None] = {}
    recent = connector.get_json_page(f'project = "{key}" ORDER BY updated DESC',
                                     ("labels", "reporter"), RECENT_ISSUES)
    for issue in recent:
        fields = issue.get("fields") if isinstance(issue, Mapping) else None
        if not isinstance(fields, Mapping):
            continue
        _add(people, fields.get("reporter"))
        for label in fields.get("labels") or ():
            if isinstance(label, str):
                labels.setdefault(label)
    return TrackerMap("jira", me, projects, chosen, statuses, tuple(people.values()),
                      tuple(sorted(labels, key=str.casefold)),
                      priorities=_priorities(connector, cloud, project_id))


def _priorities(connector: JiraConnector, cloud: bool, project_id: str) -> tuple[str, ...]:
    if cloud:
        page = connector.get_json("priority/search", {"projectId": project_id,
                                                      "maxResults": 100})
        rows = page.get("values") if isinstance(page, Mapping) else None
    else:
        rows = connector.get_json("priority", {})
    names = (r.get("name") for r in _list(rows))
    return tuple(dict.fromkeys(n for n in names if isinstance(n, str) and n))


def _person(raw: Any) -> TrackerPerson:
    p = records.person(raw)
    username = raw.get("name") if isinstance(raw, Mapping) and not raw.get("accountId") else None
    return TrackerPerson(p.remote_id, p.name, p.email,
                         str(username) if isinstance(username, str) and username else None)


def _add(people: dict[str, TrackerPerson], raw: Any) -> None:
    if not isinstance(raw, Mapping) or raw.get("active") is False:
        return
    person = _person(raw)
    if person.remote_id and person.remote_id not in people and person.remote_id != "unknown":
        people[person.remote_id] = person


def _project_rows(connector: JiraConnector, cloud: bool) -> list[dict[str, Any]]:
    if cloud:
        page = connector.get_json("project/search", {"maxResults": 100, "orderBy": "key"})
        rows = page.get("values") if isinstance(page, Mapping) else None
    else:
        rows = connector.get_json("project", {})
    return [r for r in _list(rows) if isinstance(r.get("key"), str)]


def _statuses(raw: Any) -> tuple[TrackerStatus, ...]:
    seen: dict[str, TrackerStatus] = {}
    for issue_type in _list(raw):
        for status in _list(issue_type.get("statuses")):
            name = status.get("name")
            if not isinstance(name, str) or name in seen:
                continue
            category = status.get("statusCategory")
            key = category.get("key") if isinstance(category, Mapping) else None
            seen[name] = TrackerStatus(name, str(key) if isinstance(key, str) else None)
    return tuple(seen.values())


def _list(value: Any) -> list[dict[str, Any]]:
    if not isinstance(value, list):
        raise RemoteFatalError("jira: expected a list in the answer", tracker="jira")
    return [v for v in value if isinstance(v, dict)]
