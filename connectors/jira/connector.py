"""Jira connector (Cloud and Data Center) on the ``jira`` library.

Library traps handled here (docs/jira.md, "Library traps"):

- the library's own retries re-send POSTs and sleep for minutes: it is built with
  ``max_retries=0`` and our :class:`~connectors.http.RetryingAdapter` is mounted on its session;
- the constructor's ``serverInfo`` call would run before that adapter is mounted, so the client
  is built with ``get_server_info=False`` and ``serverInfo`` is asked once afterwards (or not at
  all when ``deployment`` is set); its ``deploymentType`` picks ``/search/jql`` (Cloud, token
  paging) or ``/search`` (Data Center, ``startAt`` paging);
- a search with explicit fields makes the library fetch ``/field`` to translate JQL field names;
  ours are REST ids already, so its cache is set empty and that request never goes out;
- JQL dates are minute-precision wall times in the API user's zone (``myself.timeZone``), read
  once per connector: the zone can change in the user's profile, so it is never cached longer.

Cost: a full pull is serverInfo + one search per 100 issues (+ one request per issue whose
embedded comments, worklogs or changelog are truncated); an incremental pull adds ``myself`` once
per connector and needs no serverInfo (the cursor says Cloud or not); a no-change incremental
pull on a connector that has run is one search.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator, Mapping
from datetime import tzinfo
from functools import partial
from typing import Any, ClassVar, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import requests
from jira import JIRA, JIRAError

from connectors.base import (
    Page,
    Person,
    SkippedRecord,
    Ticket,
    TicketBundle,
    TrackerMap,
    TrackerSettings,
)
from connectors.cursor import UnreadableCursor
from connectors.errors import (
    BadRecordError,
    CredentialsRefused,
    RemoteError,
    RemoteFatalError,
    RemoteRetriableError,
    error_for_status,
)
from connectors.http import RetryingAdapter, RetryPolicy, mount_retrying, shared_limiters
from connectors.jira import records
from connectors.jira.cursor import Cursor, jql_since
from connectors.jira.settings import JiraSettings
from connectors.paging import PageGuard

log = logging.getLogger(__name__)
T = TypeVar("T")

PAGE_SIZE = 100
SEARCH_FIELDS = ("summary", "status", "labels", "reporter", "creator", "created", "updated",
                 "comment", "worklog", "project", "priority")


class JiraConnector:
    """Pulls a Jira project's issues with their history; posts comments."""

    name: ClassVar[str] = "jira"
    Settings: ClassVar[type[TrackerSettings]] = JiraSettings

    def __init__(self, settings: TrackerSettings | Mapping[str, Any],
                 secrets: Mapping[str, str], policy: RetryPolicy | None = None) -> None:
        self.settings = (settings if isinstance(settings, JiraSettings)
                         else JiraSettings.model_validate(
                             settings if isinstance(settings, Mapping) else settings.model_dump()))
        self._token = secrets.get("token") or ""
        if not self._token:
            raise CredentialsRefused("jira: no token was given", tracker="jira")
        self._policy = policy or RetryPolicy()
        self._jira: JIRA | None = None
        self._unsettled: JIRA | None = None
        self._adapter: RetryingAdapter | None = None
        self._cloud = False
        self._cloud_hint: bool | None = None
        self._me: dict[str, Any] | None = None

    # -- plumbing ---------------------------------------------------------------------------
    @property
    def requests_made(self) -> int:
        return self._adapter.requests_made if self._adapter is not None else 0

    @property
    def is_cloud(self) -> bool:
        self._client()
        return self._cloud

    def _library(self) -> JIRA:
        """The library client with our adapter mounted, its deployment maybe not known yet."""
        if self._unsettled is not None:
            return self._unsettled
        s = self.settings
        auth: dict[str, Any] = ({"basic_auth": (s.email, self._token)} if s.email
                                else {"token_auth": self._token})
        client = self._guard(lambda: JIRA(server=s.url, get_server_info=False, max_retries=0,
                                          **auth))
        self._adapter = mount_retrying(
            client._session, self._policy, "jira",
            shared_limiters(self._policy, "jira", s.url, (s.email or "") + ":" + self._token))
        # the library asks /field (when its name → id cache is empty) to translate JQL field
        # names; ours are REST ids already, so the cache maps them onto themselves
        client._fields_cache_value = {name: name for name in SEARCH_FIELDS}
        self._unsettled = client
        return client

    def _client(self) -> JIRA:
        """The library client, built once: our adapter mounted, deployment known."""
        if self._jira is not None:
            return self._jira
        s = self.settings
        client = self._library()
        if s.deployment is None and self._cloud_hint is not None:
            client.deploymentType = "Cloud" if self._cloud_hint else "Server"
        elif s.deployment is None:
            info = self._guard(client.server_info)
            if not isinstance(info, Mapping):
                raise RemoteFatalError("jira: serverInfo answered nonsense", tracker="jira")
            client.deploymentType = info.get("deploymentType")
            versions = info.get("versionNumbers")
            if isinstance(versions, list):
                client._version = tuple(versions)
        else:
            client.deploymentType = "Cloud" if s.deployment == "cloud" else "Server"
        self._cloud = client.deploymentType == "Cloud"
        self._jira = client
        return client

    def _guard(self, call: Callable[[], T]) -> T:
        """Run a library call, turning every failure into our error hierarchy."""
        try:
            return call()
        except RemoteError:
            raise
        except JIRAError as exc:
            raise self._http_error(exc.status_code, exc.text or "") from None
        except requests.exceptions.RequestException as exc:
            raise RemoteRetriableError(f"jira: {exc.__class__.__name__} talking to the server",
                                       tracker="jira") from None
        except RecursionError:
            raise RemoteFatalError("jira: an answer nested too deeply to read (a broken or "
                                   "hostile record); the pull stopped before it",
                                   tracker="jira") from None
        except ValueError as exc:  # JSONDecodeError: malformed or truncated body
            raise RemoteRetriableError(f"jira: unreadable answer ({exc.__class__.__name__})",
                                       tracker="jira") from None

    def _http_error(self, status: int | None, text: str) -> RemoteError:
        detail = self._scrub(text.splitlines()[0][:200] if text else "")
        message = f"jira: HTTP {status}" + (f": {detail}" if detail else "")
        return error_for_status(message, tracker="jira", status=status)

    def _scrub(self, text: str) -> str:
        return text.replace(self._token, "***") if self._token else text

    def _get(self, path: str, params: dict[str, Any]) -> dict[str, Any]:
        client = self._client()
        data = self._guard(lambda: client._get_json(path, params=params))
        if not isinstance(data, dict):
            raise RemoteFatalError(f"jira: unexpected answer from {path}", tracker="jira")
        return data

    # -- the contract -----------------------------------------------------------------------
    def whoami(self) -> Person:
        """The API user (``accountId`` on Cloud, user key on Data Center), cached."""
        return records.person(self._myself())

    def _myself(self, client: JIRA | None = None) -> dict[str, Any]:
        if self._me is None:
            me = self._guard((client if client is not None else self._client()).myself)
            if not isinstance(me, dict):
                raise RemoteFatalError("jira: /myself answered nonsense", tracker="jira")
            self._me = me
        return self._me

    def raw_myself(self) -> dict[str, Any]:
        """``/myself`` as Jira sent it (cached)."""
        return self._myself()

    def myself_settling_deployment(self) -> dict[str, Any]:
        """``/myself``; when nothing says Cloud or Data Center yet, its answer does (a Cloud
        user has an ``accountId``, a Data Center one a ``key``), saving ``serverInfo``."""
        if self._jira is None and self.settings.deployment is None and self._cloud_hint is None:
            self._cloud_hint = bool(self._myself(self._library()).get("accountId"))
        return self._myself()

    def get_json(self, path: str, params: dict[str, Any]) -> Any:
        """A GET on the REST API (``path`` below ``/rest/api/2/``), errors mapped."""
        client = self._client()
        return self._guard(lambda: client._get_json(path, params=params))

    def get_json_page(self, jql: str, fields: tuple[str, ...], size: int) -> list[Any]:
        """The first page (``size`` issues) of a search."""
        client = self._client()
        call = client.enhanced_search_issues if self._cloud else client.search_issues
        page = self._guard(partial(call, jql, maxResults=size, fields=list(fields),
                                   json_result=True))
        issues = page.get("issues") if isinstance(page, dict) else None
        if not isinstance(issues, list):
            raise RemoteFatalError("jira: search answered without issues", tracker="jira")
        return issues

    def describe(self) -> TrackerMap:
        """Projects, the project's statuses (with category), people and labels: see
        :mod:`connectors.jira.describe` for the requests."""
        from connectors.jira.describe import describe

        return describe(self)

    def _zone(self) -> tzinfo:
        name = self._myself().get("timeZone") or "UTC"
        try:
            return ZoneInfo(str(name))
        except (ZoneInfoNotFoundError, ValueError):
            log.warning("jira: unknown time zone %r for the API user; using UTC", name)
            return ZoneInfo("UTC")

    def _project_jql(self) -> str:
        jql = f'project = "{self.settings.project}"'
        if self.settings.jql:
            jql += f" AND ({self.settings.jql})"
        return jql

    def pull(self, cursor: str | None) -> Iterator[Page]:
        """Pages of changed issues, oldest update first; see the module docstring for costs."""
        try:
            state = Cursor.load(cursor)
        except UnreadableCursor as exc:
            raise RemoteFatalError(f"jira: {exc}", tracker="jira") from None
        if self._jira is None:
            self._cloud_hint = state.cloud
        state.cloud = self.is_cloud
        jql = self._project_jql()
        if state.updated is not None:
            jql += f' AND updated >= "{jql_since(state.updated, self._zone())}"'
        jql += " ORDER BY updated ASC"
        for raw_page in self._search_pages(jql, SEARCH_FIELDS, expand="changelog"):
            bundles: list[TicketBundle] = []
            skipped: list[SkippedRecord] = []
            for raw in raw_page:
                if not isinstance(raw, Mapping):
                    skipped.append(SkippedRecord(None, "search hit is not an object"))
                    continue
                try:
                    ticket = records.ticket(raw, self.settings.url)
                    records.check_project(raw, self.settings.project)
                    if not state.is_new(ticket.remote_id, ticket.updated_at):
                        continue
                    state.advance(ticket.remote_id, ticket.updated_at)
                    bundles.append(self._bundle(raw, ticket))
                except BadRecordError as exc:
                    rid = exc.remote_id or (str(raw["id"]) if raw.get("id") else None)
                    log.warning("jira: skipped issue %s: %s", rid, exc)
                    skipped.append(SkippedRecord(rid, str(exc)))
                except (KeyError, TypeError, AttributeError, ValueError, RecursionError) as exc:
                    # a shape no check above foresaw: still one bad record, not a failed sync
                    rid = str(raw["id"]) if raw.get("id") else None
                    log.warning("jira: skipped issue %s: unexpected shape (%s)", rid,
                                type(exc).__name__)
                    skipped.append(SkippedRecord(rid, f"unexpected shape ({type(exc).__name__})"))
            yield Page(tuple(bundles), state.dump() or cursor, tuple(skipped))

    def _bundle(self, raw: Mapping[str, Any], ticket: Ticket) -> TicketBundle:
        """Normalize one issue, fetching an embedded list only when Jira truncated it."""
        issue_id = str(raw["id"])
        fields = raw["fields"]
        comments = _embedded(fields.get("comment"), "comments")
        if comments is None:
            comments = self._all(f"issue/{issue_id}/comment", "comments", {"orderBy": "created"})
        worklogs = _embedded(fields.get("worklog"), "worklogs")
        if worklogs is None:
            worklogs = self._all(f"issue/{issue_id}/worklog", "worklogs", {})
        histories = _embedded(raw.get("changelog"), "histories")
        if histories is None:
            histories = self._histories(issue_id)
        return records.bundle(ticket, histories, comments, worklogs)

    def _histories(self, issue_id: str) -> list[Any]:
        if self._cloud:
            return self._all(f"issue/{issue_id}/changelog", "values", {})
        # Data Center has no changelog endpoint; the issue resource carries the whole changelog.
        issue = self._get(f"issue/{issue_id}", {"expand": "changelog", "fields": "status"})
        return list((issue.get("changelog") or {}).get("histories") or [])

    def _all(self, path: str, key: str, params: dict[str, Any]) -> list[Any]:
        """Every item of a ``startAt``-paged listing."""
        return [item for chunk in self._chunks(path, key, params) for item in chunk]

    def _chunks(self, path: str, key: str, params: dict[str, Any]) -> Iterator[list[Any]]:
        """The items of a ``startAt``-paged listing, a page at a time (read as they are asked)."""
        start = 0
        guard = PageGuard("jira", path)
        while True:
            guard.next(start)
            page = self._get(path, {**params, "startAt": start, "maxResults": PAGE_SIZE})
            chunk = page.get(key)
            if not isinstance(chunk, list):
                raise RemoteFatalError(f"jira: no {key} in {path}", tracker="jira")
            if chunk:
                guard.holding(i.get("id") if isinstance(i, Mapping) else i for i in chunk)
            yield chunk
            start += len(chunk)
            total = page.get("total")
            guard.limit_to(total, max(len(chunk), 1))
            if not chunk or page.get("isLast") is True or (
                    isinstance(total, int) and start >= total):
                return

    def _search_pages(self, jql: str, fields: tuple[str, ...],
                      expand: str | None = None) -> Iterator[list[Any]]:
        """Raw issues of each search page: ``/search/jql`` tokens on Cloud, ``startAt`` on DC."""
        client = self._client()
        token: str | None = None
        start = 0
        guard = PageGuard("jira", "search")
        while True:
            guard.next(token if self._cloud else start)
            call = (partial(client.enhanced_search_issues, jql, nextPageToken=token)
                    if self._cloud else partial(client.search_issues, jql, startAt=start))
            page = self._guard(partial(call, maxResults=PAGE_SIZE, fields=list(fields),
                                       expand=expand, json_result=True))
            issues = page.get("issues") if isinstance(page, dict) else None
            if not isinstance(issues, list):
                raise RemoteFatalError("jira: search answered without issues", tracker="jira")
            if issues:
                guard.holding(i.get("id") if isinstance(i, Mapping) else i for i in issues)
            yield issues
            if self._cloud:
                token = page.get("nextPageToken")
                if not token or page.get("isLast") is True:
                    return
            else:
                start += len(issues)
                total = page.get("total")
                guard.limit_to(total, max(len(issues), 1))
                if not issues or not isinstance(total, int) or start >= total:
                    return

    def list_ids(self) -> set[str]:
        """Every live issue id of the project (and extra JQL); raises rather than be partial."""
        ids: set[str] = set()
        for issues in self._search_pages(self._project_jql(), ("id",)):
            for raw in issues:
                if not isinstance(raw, Mapping) or raw.get("id") is None:
                    raise RemoteFatalError("jira: search returned an issue without id",
                                           tracker="jira")
                ids.add(str(raw["id"]))
        return ids

    def post_comment(self, ticket_id: str, body: str) -> str:
        """POST /issue/{id}/comment (v2: the body is a string). Never re-sent on doubt."""
        client = self._client()
        comment = self._guard(lambda: client.add_comment(ticket_id, body))
        comment_id = getattr(comment, "id", None)
        if not comment_id:
            raise RemoteFatalError("jira: the new comment has no id", tracker="jira")
        return str(comment_id)

    def find_comment(self, ticket_id: str, marker: str) -> str | None:
        """Newest comments first, page by page, until one contains ``marker``."""
        for chunk in self._chunks(f"issue/{ticket_id}/comment", "comments",
                                  {"orderBy": "-created"}):
            for raw in chunk:
                if isinstance(raw, Mapping) and marker in _text(raw.get("body")):
                    return str(raw.get("id"))
        return None


def _embedded(container: Any, key: str) -> list[Any] | None:
    """The list Jira embedded in a search hit, or ``None`` when it is truncated."""
    if not isinstance(container, Mapping):
        return []
    items = container.get(key) or []
    if not isinstance(items, list):
        raise BadRecordError(f"embedded {key} is not a list")
    total = container.get("total")
    return None if isinstance(total, int) and total > len(items) else items


def _text(body: Any) -> str:
    try:
        return records.adf_text(body)
    except BadRecordError:
        return json.dumps(body)
