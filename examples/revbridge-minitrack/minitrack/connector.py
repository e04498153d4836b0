"""The revbridge connector for Minitrack (see README.md for its API).

It sends every request through revbridge's :class:`~connectors.http.RetryingAdapter`, so
retries, pacing and the never-resend-a-POST rule come for free, and maps HTTP errors with
:func:`~connectors.errors.error_for_status`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, ClassVar, Literal, Self

import requests

from connectors.base import (
    Comment,
    Page,
    Person,
    SkippedRecord,
    StatusChange,
    Ticket,
    TicketBundle,
    TimeEntry,
    TrackerMap,
    TrackerPerson,
    TrackerProject,
    TrackerSettings,
    TrackerStatus,
    iso_millis,
    parse_time,
)
from connectors.cursor import JsonCursor, UnreadableCursor
from connectors.errors import AnswerTooDeep, BadRecordError, RemoteFatalError, error_for_status
from connectors.http import RetryPolicy, mount_retrying
from connectors.paging import PageGuard

#: An incremental pull re-reads this much before the cursor (late writes are not lost).
OVERLAP = timedelta(minutes=5)


class MinitrackSettings(TrackerSettings):
    """``[tracker]`` for Minitrack: the server's ``url``, the ``project`` key and the
    ``token`` reference."""

    type: Literal["minitrack"] = "minitrack"
    url: str
    project: str = "main"


@dataclass
class Cursor(JsonCursor):
    """The newest ``updated_at`` seen and the ``(id, updated_at)`` pairs yielded in the overlap."""

    tracker: ClassVar[str] = "Minitrack"

    updated: datetime | None = None
    seen: set[tuple[str, str]] = field(default_factory=set)

    @classmethod
    def start(cls) -> Self:
        return cls()

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Self:
        seen = {(str(i), str(u)) for i, u in data["seen"]}
        return cls(parse_time(data["updated"], "cursor"), seen)

    def to_json(self) -> dict[str, Any] | None:
        if self.updated is None:
            return None
        floor = iso_millis(self.updated - OVERLAP)
        return {"updated": iso_millis(self.updated),
                "seen": sorted([i, u] for i, u in self.seen if u >= floor)}


class MinitrackConnector:
    """Pulls every issue of one Minitrack project and comments on them."""

    name: ClassVar[str] = "minitrack"
    Settings: ClassVar[type[TrackerSettings]] = MinitrackSettings

    def __init__(self, settings: TrackerSettings, secrets: Mapping[str, str],
                 policy: RetryPolicy | None = None) -> None:
        if not isinstance(settings, MinitrackSettings):
            settings = MinitrackSettings.model_validate(settings.model_dump())
        self.settings = settings
        self._api = settings.url.rstrip("/") + "/api"
        self._policy = policy or RetryPolicy()
        self._session = requests.Session()
        self._session.headers["Authorization"] = f"Bearer {secrets['token']}"
        self._adapter = mount_retrying(self._session, self._policy, self.name)
        self._me: Person | None = None

    @property
    def requests_made(self) -> int:
        return self._adapter.requests_made

    def whoami(self) -> Person:
        if self._me is None:
            self._me = person(self._call("GET", "/me"))
        return self._me

    def describe(self) -> TrackerMap:
        """The token's owner and the projects, then the configured project's statuses, the
        server's people and the project's labels: 4 requests."""
        me = self.whoami()
        mine = TrackerPerson(me.remote_id, me.name)
        rows = [p for p in self._all("/projects", "projects", {}) if isinstance(p, dict)]
        projects = tuple(TrackerProject(str(p["key"]), str(p.get("name") or p["key"]))
                         for p in rows if p.get("key"))
        chosen = next((p for p in projects if p.key == self.settings.project), None)
        if chosen is None:
            return TrackerMap(self.name, mine, projects)
        row = next(p for p in rows if str(p.get("key")) == chosen.key)
        statuses = tuple(TrackerStatus(str(s)) for s in row.get("statuses") or ())
        people = tuple(TrackerPerson(str(p["id"]), str(p.get("name") or p["id"]),
                                     str(p["email"]) if p.get("email") else None)
                       for p in self._all("/people", "people", {})
                       if isinstance(p, dict) and p.get("id"))
        labels = tuple(str(x) for x in self._all("/labels", "labels",
                                                 {"project": chosen.key}))
        return TrackerMap(self.name, mine, projects, chosen, statuses, people, labels)

    def pull(self, cursor: str | None) -> Iterator[Page]:
        try:
            state = Cursor.load(cursor)
        except UnreadableCursor:
            state = Cursor.start()  # a full pull rebuilds it
        query = {"project": self.settings.project}
        if state.updated:
            query["since"] = iso_millis(state.updated - OVERLAP)
        for issues in self._pages("/issues", "issues", query):
            bundles: list[TicketBundle] = []
            skipped: list[SkippedRecord] = []
            for raw in issues:
                try:
                    self._check_project(raw)
                    bundle = to_bundle(raw)
                except BadRecordError as exc:
                    skipped.append(SkippedRecord(exc.remote_id, str(exc)))
                    continue
                stamp = (bundle.ticket.remote_id, iso_millis(bundle.ticket.updated_at))
                if stamp in state.seen:
                    continue
                state.seen.add(stamp)
                if state.updated is None or bundle.ticket.updated_at > state.updated:
                    state.updated = bundle.ticket.updated_at
                bundles.append(bundle)
            yield Page(tuple(bundles), state.dump() or cursor, tuple(skipped))

    def list_ids(self) -> set[str]:
        return {str(raw.get("id"))
                for raw in self._all("/issues", "issues", {"project": self.settings.project})
                if isinstance(raw, dict) and raw.get("project") == self.settings.project}

    def post_comment(self, ticket_id: str, body: str) -> str:
        return str(self._call("POST", f"/issues/{ticket_id}/comments", json={"body": body})["id"])

    def find_comment(self, ticket_id: str, marker: str) -> str | None:
        for comments in self._pages(f"/issues/{ticket_id}/comments", "comments", {}):
            for raw in comments:
                if marker in str(raw.get("body")):
                    return str(raw["id"])
        return None

    def _check_project(self, raw: Any) -> None:
        """An issue of another project (moved away, or served by mistake) is not the client's:
        it is refused, so nothing is read from it or posted on it."""
        if isinstance(raw, dict) and raw.get("project") != self.settings.project:
            raise BadRecordError(f"issue of project {str(raw.get('project'))[:40]!r}, not "
                                 f"{self.settings.project!r}: left alone",
                                 remote_id=str(raw.get("id") or "") or None)

    # -- HTTP -------------------------------------------------------------------------------
    def _all(self, path: str, key: str, query: dict[str, str]) -> list[Any]:
        return [item for items in self._pages(path, key, query) for item in items]

    def _pages(self, path: str, key: str, query: dict[str, str]) -> Iterator[list[Any]]:
        """Each page of a listing; a next page named twice stops it (:class:`PageGuard`)."""
        guard = PageGuard(self.name, f"GET {path}")
        page: object = 1
        while page:
            guard.next(page)
            data = self._call("GET", path, params={**query, "page": str(page)})
            items = data.get(key)
            if not isinstance(items, list):
                raise RemoteFatalError(f"minitrack: GET {path} answered no {key} list",
                                       tracker=self.name)
            yield items
            page = data.get("next_page")

    def _call(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        response = self._session.request(method, self._api + path, timeout=self._policy.timeout,
                                         **kwargs)
        if not response.ok:
            raise error_for_status(f"minitrack: {method} {path} answered {response.status_code}",
                                   tracker=self.name, status=response.status_code)
        try:
            data = response.json()
        except ValueError:
            data = None
        except RecursionError:  # the page cannot be read at all
            raise AnswerTooDeep(f"minitrack: {method} {path}: an answer nested too deeply to "
                                "read", tracker=self.name) from None
        if not isinstance(data, dict):
            raise RemoteFatalError(f"minitrack: {method} {path} answered something not JSON",
                                   tracker=self.name, status=response.status_code)
        return data


# -- Minitrack JSON → revbridge records -------------------------------------------------------
def person(raw: Any) -> Person:
    if not isinstance(raw, dict) or not raw.get("id"):
        raise BadRecordError(f"not a person: {raw!r}")
    return Person(str(raw["id"]), str(raw.get("name") or raw["id"]))


def to_bundle(raw: Any) -> TicketBundle:
    """One issue with its history; :class:`BadRecordError` when it cannot be read."""
    if not isinstance(raw, dict) or not raw.get("id"):
        raise BadRecordError("issue without an id")
    rid = str(raw["id"])
    try:
        ticket = Ticket(
            remote_id=rid, key=f"MT-{rid}", url=str(raw["url"]), title=str(raw["title"]),
            status=str(raw["state"]), labels=tuple(str(x) for x in raw.get("labels") or ()),
            created_at=parse_time(raw.get("created_at"), "created_at", rid),
            updated_at=parse_time(raw.get("updated_at"), "updated_at", rid),
            requester=person(raw.get("author")))
        changes = tuple(
            StatusChange(rid, parse_time(e.get("at"), "event time", rid), person(e.get("by")),
                         e.get("from"), str(e["to"]), str(e.get("id") or ""))
            for e in raw.get("events") or ())
        comments = tuple(
            Comment(str(c["id"]), rid, parse_time(c.get("at"), "comment time", rid),
                    person(c.get("by")), str(c["body"]))
            for c in raw.get("comments") or ())
        times = tuple(
            TimeEntry(str(t["id"]), rid, parse_time(t.get("at"), "time entry", rid),
                      person(t.get("by")), int(t["seconds"]))
            for t in raw.get("time") or ())
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise BadRecordError(f"unexpected shape ({type(exc).__name__})", remote_id=rid) from None
    except BadRecordError as exc:
        raise BadRecordError(str(exc), remote_id=rid) from None
    return TicketBundle(ticket, changes, comments, times)
