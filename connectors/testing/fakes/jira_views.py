"""How the fake Jira renders its state as Jira REST v2 JSON (shapes of payloads/jira/)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from connectors.testing.fakes.jira import FakeJira

TOKEN_ENV = "REVBRIDGE_FAKE_JIRA_TOKEN"
#: the worklog listing pages by up to 5000 (``maxResults`` defaults to it), not PAGE_CAP
WORKLOG_PAGE_CAP = 5000

Deployment = Literal["cloud", "datacenter"]

EMBEDDED_COMMENTS = 20
EMBEDDED_WORKLOGS = 20
EMBEDDED_HISTORIES = 100
PAGE_CAP = 100

_CATEGORIES = {
    "new": {"id": 2, "key": "new", "colorName": "blue-gray", "name": "To Do"},
    "indeterminate": {"id": 4, "key": "indeterminate", "colorName": "yellow",
                      "name": "In Progress"},
    "done": {"id": 3, "key": "done", "colorName": "green", "name": "Done"},
}
_STATUS_CATEGORY = {"To Do": "new", "In Progress": "indeterminate",
                    "In Review": "indeterminate", "Done": "done"}
FIELD_LIST = [("summary", "Summary", "string"), ("status", "Status", "status"),
           ("labels", "Labels", "array"), ("reporter", "Reporter", "user"),
           ("creator", "Creator", "user"), ("created", "Created", "datetime"),
           ("updated", "Updated", "datetime"), ("comment", "Comment", "comments-page"),
           ("worklog", "Log Work", "array"), ("project", "Project", "project"),
           ("issuetype", "Issue Type", "issuetype"), ("priority", "Priority", "priority")]
_NAVIGABLE = ("summary", "status", "labels", "reporter", "creator", "created", "updated",
              "comment", "worklog", "project", "issuetype", "priority")


@dataclass
class User:
    remote_id: str  # accountId (Cloud) or user key (DC)
    name: str  # DC username
    display_name: str
    email: str | None
    time_zone: str = "Europe/Paris"


@dataclass
class Issue:
    id: int
    key: str
    summary: str
    status: str
    labels: list[str]
    reporter: str | None
    creator: str
    created: datetime
    updated: datetime
    histories: list[dict[str, Any]] = field(default_factory=list)
    comments: list[dict[str, Any]] = field(default_factory=list)
    worklogs: list[dict[str, Any]] = field(default_factory=list)
    deleted: bool = False
    corrupt: bool = False
    priority: str | None = None


def jira_time(when: datetime, zone: ZoneInfo) -> str:
    local = when.astimezone(zone)
    return local.strftime("%Y-%m-%dT%H:%M:%S.") + f"{local.microsecond // 1000:03d}" + \
        local.strftime("%z")


class JiraViews:
    """Rendering mixin of :class:`connectors.testing.fakes.jira.FakeJira`."""

    deployment: Deployment
    users: dict[str, User]
    project: str
    project_id: str
    _bot: str

    @property
    def root_url(self) -> str:
        raise NotImplementedError

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.users[self._bot].time_zone)

    def _status_id(self, name: str) -> str:
        raise NotImplementedError

    def priority_json(self, name: str) -> dict[str, Any]:
        raise NotImplementedError

    def _time(self, when: datetime) -> str:
        return jira_time(when, self.zone)

    def server_info_json(self) -> dict[str, Any]:
        cloud = self.deployment == "cloud"
        return {"baseUrl": self.root_url, "displayUrl": self.root_url,
                "version": "1001.0.0-SNAPSHOT" if cloud else "9.12.4",
                "versionNumbers": [1001, 0, 0] if cloud else [9, 12, 4],
                "deploymentType": "Cloud" if cloud else "Server",
                "buildNumber": 100283, "buildDate": "2026-01-01T00:00:00.000+0000",
                "serverTime": jira_time(datetime.now(UTC), ZoneInfo("UTC")),
                "scmInfo": "0" * 40, "serverTitle": "Jira", "defaultLocale": {"locale": "en_US"},
                "serverTimeZone": "Etc/UTC"}

    def user_json(self, remote_id: str | None) -> dict[str, Any] | None:
        if remote_id is None:
            return None
        user = self.users[remote_id]
        body: dict[str, Any] = {
            "avatarUrls": {size: f"https://avatar.example.invalid/{user.name}/{size}.png"
                           for size in ("48x48", "24x24", "16x16", "32x32")},
            "displayName": user.display_name, "active": True, "timeZone": user.time_zone}
        if self.deployment == "cloud":
            body = {"self": f"{self.root_url}/rest/api/2/user?accountId={remote_id}",
                    "accountId": remote_id, **body, "accountType": "atlassian"}
        else:
            body = {"self": f"{self.root_url}/rest/api/2/user?username={user.name}",
                    "name": user.name, "key": remote_id, **body}
        if user.email:
            body["emailAddress"] = user.email
        return body

    def status_category(self, name: str) -> str:
        """The category key of status ``name`` (``new``, ``indeterminate`` or ``done``)."""
        own: dict[str, str] = getattr(self, "status_categories", {})
        return own.get(name) or _STATUS_CATEGORY.get(name, "indeterminate")

    def _status_json(self, name: str) -> dict[str, Any]:
        category = _CATEGORIES[self.status_category(name)]
        sid = self._status_id(name)
        return {"self": f"{self.root_url}/rest/api/2/status/{sid}", "description": "",
                "iconUrl": f"{self.root_url}/images/icons/statuses/generic.png", "name": name,
                "id": sid, "statusCategory": {
                    "self": f"{self.root_url}/rest/api/2/statuscategory/{category['id']}",
                    **category}}

    def comment_json(self, issue: Issue, c: dict[str, Any]) -> dict[str, Any]:
        author = self.user_json(c["author"])
        return {"self": f"{self.root_url}/rest/api/2/issue/{issue.id}/comment/{c['id']}",
                "id": c["id"], "author": author, "body": c["body"], "updateAuthor": author,
                "created": self._time(c["created"]), "updated": self._time(c["updated"]),
                "jsdPublic": True}

    def worklog_json(self, issue: Issue, w: dict[str, Any]) -> dict[str, Any]:
        author = self.user_json(w["author"])
        hours, minutes = divmod(w["seconds"] // 60, 60)
        return {"self": f"{self.root_url}/rest/api/2/issue/{issue.id}/worklog/{w['id']}",
                "author": author, "updateAuthor": author, "comment": "",
                "created": self._time(w["created"]), "updated": self._time(w["created"]),
                "started": self._time(w["started"]), "timeSpent": f"{hours}h {minutes}m",
                "timeSpentSeconds": w["seconds"], "id": w["id"], "issueId": str(issue.id)}

    def history_json(self, h: dict[str, Any]) -> dict[str, Any]:
        return {"id": h["id"], "author": self.user_json(h["author"]),
                "created": self._time(h["created"]), "items": h["items"]}

    def issue_json(self, issue: Issue, fields: list[str], changelog: bool,
                   embed_limit: bool = True) -> dict[str, Any]:
        wanted = set(_NAVIGABLE) if {"*all", "*navigable"} & set(fields) else set(fields)
        values: dict[str, Any] = {
            "summary": issue.summary,
            "status": None if issue.corrupt else self._status_json(issue.status),
            "labels": list(issue.labels), "reporter": self.user_json(issue.reporter),
            "creator": self.user_json(issue.creator), "created": self._time(issue.created),
            "updated": self._time(issue.updated),
            "project": {"self": f"{self.root_url}/rest/api/2/project/{self.project_id}",
                        "id": self.project_id, "key": self.project, "name": "Website"},
            "issuetype": {"id": "10004", "name": "Task", "subtask": False},
            "priority": None if issue.priority is None else self.priority_json(issue.priority),
        }
        if "comment" in wanted:
            shown = issue.comments[:EMBEDDED_COMMENTS] if embed_limit else issue.comments
            values["comment"] = {"comments": [self.comment_json(issue, c) for c in shown],
                                 "self": f"{self.root_url}/rest/api/2/issue/{issue.id}/comment",
                                 "maxResults": len(shown), "total": len(issue.comments),
                                 "startAt": 0}
        if "worklog" in wanted:
            shown = issue.worklogs[:EMBEDDED_WORKLOGS] if embed_limit else issue.worklogs
            values["worklog"] = {"startAt": 0, "maxResults": EMBEDDED_WORKLOGS,
                                 "total": len(issue.worklogs),
                                 "worklogs": [self.worklog_json(issue, w) for w in shown]}
        body: dict[str, Any] = {
            "expand": "operations,versionedRepresentations,editmeta,changelog,renderedFields",
            "id": str(issue.id), "self": f"{self.root_url}/rest/api/2/issue/{issue.id}",
            "key": issue.key,
            "fields": {k: v for k, v in values.items() if k in wanted}}
        if changelog:
            newest_first = list(reversed(issue.histories))
            if embed_limit:
                newest_first = newest_first[:EMBEDDED_HISTORIES]
            body["changelog"] = {"startAt": 0, "maxResults": len(newest_first),
                                 "total": len(issue.histories),
                                 "histories": [self.history_json(h) for h in newest_first]}
        return body


def at_or_now(at: datetime | None) -> datetime:
    """``at`` in UTC, or now."""
    return datetime.now(UTC) if at is None else at.astimezone(UTC)


def settings_for(fake: FakeJira, **overrides: Any) -> dict[str, Any]:
    """The ``[tracker]`` table of a client whose Jira is ``fake`` (token from ``TOKEN_ENV``)."""
    settings: dict[str, Any] = {
        "type": "jira", "url": fake.base_url, "project": fake.project,
        "token": f"env:{TOKEN_ENV}",
        "statuses": {"open": ["To Do"], "in_progress": ["In Progress"],
                     "delivered": ["In Review"], "done": ["Done"]},
    }
    if fake.deployment == "cloud":
        settings["email"] = fake.email
    settings.update(overrides)
    return settings
