"""Asana connector: one project's tasks, stories and time entries through the ``asana`` SDK.

Requests per pull (figures: ``bench/requests_per_sync.py --only asana``):

- listing: ``GET /projects/{gid}/tasks`` (full) or ``GET /tasks?project=&modified_since=``
  (incremental), 100 tasks a page;
- per task yielded: ``GET /tasks/{gid}/stories`` (comments and status history; nothing else
  carries them) and, only when ``actual_time_minutes`` > 0 (it is the sum of the entries),
  ``GET /tasks/{gid}/time_tracking_entries`` plus ``GET /time_tracking_entries/{gid}`` for each
  entry (the listing is compact: only an entry's complete record says when it was made,
  ``created_at``, which decides the request it belongs to). A 402 there (plan without time
  tracking) is remembered and ``actual_time_minutes`` is used instead: one entry with no
  author.

The cursor (``cursor.py``) is JSON: ``since`` = the newest ``modified_at`` seen, ``seen`` = the
``(gid, modified_at)`` pairs already yielded inside the overlap window. The events API is not
used: it needs a persisted sync token and full resyncs on 412, and would still leave the
per-task story reads, which are what a bundle's complete history needs.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any, ClassVar

import asana

from connectors.asana import records
from connectors.asana.cursor import OVERLAP, Cursor
from connectors.asana.http import build_client, call, shape_error
from connectors.asana.settings import AsanaSettings
from connectors.base import (
    Page,
    Person,
    SkippedRecord,
    TicketBundle,
    TimeEntry,
    TrackerMap,
    TrackerSettings,
    iso_millis,
    parse_time,
)
from connectors.cursor import UnreadableCursor
from connectors.errors import AnswerTooDeep, BadRecordError, RemoteFatalError
from connectors.http import RetryPolicy
from connectors.paging import PageGuard
from connectors.unreadable import Unreadable, unreadable_reason

log = logging.getLogger(__name__)
#: a time entry listed, then deleted before its complete record was read
GONE = object()
PAGE_SIZE = 100
#: Asana allows a token 1,500 requests a minute on a paid domain (150 on a free one, which
#: answers the excess 429 with Retry-After: the whole token then waits); 10 % kept in reserve,
#: as the tracker counts requests when they arrive and we when we send them. The budget is
#: shared by every connector on the token (connectors/budgets.py; docs/agency.md).
DEFAULT_POLICY = RetryPolicy(rate_limit=(1350, 60.0))
#: a task listing asked again when its page is nested too deeply to read
LEAN_TASK_FIELDS = "modified_at"


class AsanaConnector:
    """Pulls one Asana project and posts comments (stories) on its tasks."""

    name: ClassVar[str] = "asana"
    Settings: ClassVar[type[TrackerSettings]] = AsanaSettings

    def __init__(self, settings: TrackerSettings, secrets: Mapping[str, str],
                 policy: RetryPolicy | None = None) -> None:
        if not isinstance(settings, AsanaSettings):
            settings = AsanaSettings.model_validate(settings.model_dump())
        self.settings = settings
        self.project = settings.project
        self._token = secrets["token"]
        self._client, self._meter = build_client(settings.api_url, self._token,
                                                 policy or DEFAULT_POLICY)
        self._tasks = asana.TasksApi(self._client)
        self._stories = asana.StoriesApi(self._client)
        self._entries = asana.TimeTrackingEntriesApi(self._client)
        self._me: Person | None = None
        self._time_tracking: bool | None = None  # False once the plan answered 402
        self._sections: set[str] | None = None
        self._names: dict[str, str] = {}  # user gid -> name, learnt from stories

    @property
    def requests_made(self) -> int:
        return self._meter.count

    def _call(self, fn: Any, what: str) -> dict[str, Any]:
        return call(fn, what, self._token)

    def _pages(self, fetch: Any, what: str,
               alone: Any = None) -> Iterator[tuple[list[Any], bool]]:
        """Every page of a listing: ``fetch(opts)`` gets a FRESH opts dict per call. With
        ``alone``, a page nested too deeply to read is asked again lean (``fetch(opts,
        LEAN_TASK_FIELDS)``) and each of its records read by ``alone(row)``."""
        offset: str | None = None
        guard = PageGuard("asana", what)
        while True:
            guard.next(offset)
            opts: dict[str, Any] = {"limit": PAGE_SIZE}
            if offset:
                opts["offset"] = offset
            try:
                result = self._call(lambda o=opts: fetch(o), what)
            except AnswerTooDeep:
                if alone is None:
                    raise
                result = self._call(lambda o=opts: fetch(o, LEAN_TASK_FIELDS), what)
                rows = result.get("data")
                if isinstance(rows, list):
                    log.warning("asana: %s: a page nested too deeply to read; reading its %d "
                                "tasks one by one", what, len(rows))
                    result["data"] = [alone(row) for row in rows]
            data, next_page = result.get("data"), result.get("next_page")
            if not isinstance(data, list):
                raise shape_error(what)
            offset = next_page.get("offset") if isinstance(next_page, Mapping) else None
            yield data, not offset
            if not offset:
                return

    # -- discovery -------------------------------------------------------------------------------
    @property
    def api_client(self) -> Any:
        """The SDK's ``ApiClient`` (our retry strategy and request meter on it)."""
        return self._client

    def fetch_one(self, fn: Any, what: str) -> dict[str, Any]:
        """The ``data`` object of one SDK call (``full_payload=True``), errors mapped."""
        data = self._call(fn, what).get("data")
        if not isinstance(data, dict):
            raise shape_error(what)
        return data

    def fetch_all(self, fetch: Any, what: str) -> list[dict[str, Any]]:
        """Every object of a paged listing; ``fetch(opts)`` gets fresh paging opts."""
        return [row for page, _ in self._pages(fetch, what) for row in page
                if isinstance(row, dict)]

    def describe(self) -> TrackerMap:
        """Projects, sections, people and tags: see :mod:`connectors.asana.describe`."""
        from connectors.asana.describe import describe

        return describe(self)

    # -- who am I ------------------------------------------------------------------------------
    def whoami(self) -> Person:
        """The token's owner (``GET /users/me``), cached."""
        if self._me is None:
            users = asana.UsersApi(self._client)
            result = self._call(lambda: users.get_user(
                "me", {"opt_fields": "name,email"}, full_payload=True), "GET /users/me")
            me = records.person(result["data"])
            if not me.remote_id:
                raise shape_error("GET /users/me")
            self._me = me
        return self._me

    # -- pulling -------------------------------------------------------------------------------
    def _listing(self, since: datetime | None, fields: str) -> Iterator[tuple[list[Any], bool]]:
        if since is None:
            return self._pages(lambda opts, f=fields: self._tasks.get_tasks_for_project(
                self.project, {**opts, "opt_fields": f}, full_payload=True),
                f"GET /projects/{self.project}/tasks", self._task_alone)
        modified_since = iso_millis(since - OVERLAP)
        return self._pages(lambda opts, f=fields: self._tasks.get_tasks(
            {**opts, "project": self.project, "modified_since": modified_since,
             "opt_fields": f}, full_payload=True), "GET /tasks", self._task_alone)

    def _task_alone(self, lean: Any) -> Any:
        """The task of a lean listing row read alone, or :class:`Unreadable` when its own
        answer is too deep too."""
        gid = str(lean.get("gid") or "") if isinstance(lean, Mapping) else ""
        if not gid.isdigit():
            return lean  # the pull reports it as a bad record
        try:
            return self.fetch_one(lambda: self._tasks.get_task(
                gid, {"opt_fields": records.TASK_FIELDS}, full_payload=True), f"GET /tasks/{gid}")
        except AnswerTooDeep:
            log.warning("asana: task %s: its answer is nested too deeply to read; left out", gid)
            try:
                modified: datetime | None = parse_time(lean.get("modified_at"), "modified_at", gid)
            except BadRecordError:
                modified = None
            return Unreadable(gid, modified, unreadable_reason("Asana", "task"))

    def pull(self, cursor: str | None) -> Iterator[Page]:
        """Pages of changed tasks (each API page of the listing makes one Page).

        Mid-pull pages carry a cursor that keeps the old ``since`` and adds what was yielded,
        because the listing is not ordered by ``modified_at``; the last page's cursor moves
        ``since`` to the newest ``modified_at`` listed.
        """
        try:
            start = Cursor.load(cursor)
        except UnreadableCursor:
            raise RemoteFatalError("asana: unreadable cursor; run a full pull",
                                   tracker="asana") from None
        done = set(start.seen)
        newest = start.since
        for tasks, last in self._listing(start.since, records.TASK_FIELDS):
            bundles: list[TicketBundle] = []
            skipped: list[SkippedRecord] = []
            for raw in tasks:
                if isinstance(raw, Unreadable):
                    if raw.updated is not None:
                        pair = (raw.remote_id, iso_millis(raw.updated))
                        newest = raw.updated if newest is None else max(newest, raw.updated)
                        if pair in done:
                            continue  # reported when it was met; read again once it changes
                        done.add(pair)
                    skipped.append(SkippedRecord(raw.remote_id, raw.reason))
                    continue
                if not isinstance(raw, Mapping):
                    skipped.append(SkippedRecord(None, "task is not a JSON object"))
                    continue
                gid = str(raw.get("gid") or "")
                try:
                    modified = parse_time(raw.get("modified_at"), "modified_at", gid)
                    pair = (gid, iso_millis(modified))
                    newest = modified if newest is None else max(newest, modified)
                    if pair in done:
                        continue
                    bundles.append(self._bundle(raw))
                    done.add(pair)
                except BadRecordError as exc:
                    log.warning("asana: task %s skipped: %s", gid or "?", exc)
                    skipped.append(SkippedRecord(gid or None, str(exc) or "malformed task"))
                except AnswerTooDeep as exc:  # its stories or time entries
                    log.warning("asana: task %s skipped: %s", gid or "?", exc)
                    skipped.append(SkippedRecord(gid or None, str(exc)))
                except (KeyError, TypeError, AttributeError, ValueError, RecursionError) as exc:
                    # a shape no check foresaw: still one bad record, not a failed sync
                    reason = f"unexpected shape ({type(exc).__name__})"
                    log.warning("asana: task %s skipped: %s", gid or "?", reason)
                    skipped.append(SkippedRecord(gid or None, reason))
            if last:
                kept = Cursor(newest, done).kept(newest)
                next_cursor = kept.dump() if kept is not None else None
            else:
                next_cursor = Cursor(start.since, set(done)).dump()
            yield Page(tuple(bundles), next_cursor, tuple(skipped))

    def _bundle(self, raw: Mapping[str, Any]) -> TicketBundle:
        task = records.ticket(raw, self.project)
        section = records.section_of(raw, self.project) or {}
        stories = [s for page, _ in self._pages(
            lambda opts: self._stories.get_stories_for_task(
                task.remote_id, {**opts, "opt_fields": records.STORY_FIELDS}, full_payload=True),
            f"GET /tasks/{task.remote_id}/stories") for s in page]
        multi = len(raw.get("memberships") or ()) > 1
        changes, comments = records.history(task, stories, str(section.get("name")),
                                            self._project_sections() if multi else None)
        task = records.name_requester(task, stories, self._names)
        return TicketBundle(task, changes, comments, self._time(task, raw))

    def _time(self, task: Any, raw: Mapping[str, Any]) -> tuple[TimeEntry, ...]:
        minutes = raw.get("actual_time_minutes")
        if not isinstance(minutes, int | float) or minutes <= 0:
            return ()  # actual_time_minutes is the sum of the entries: there are none
        if self._time_tracking is not False:
            try:
                entries = [e for page, _ in self._pages(
                    lambda opts: self._entries.get_time_tracking_entries_for_task(
                        task.remote_id, {**opts, "opt_fields": records.ENTRY_FIELDS},
                        full_payload=True),
                    f"GET /tasks/{task.remote_id}/time_tracking_entries") for e in page]
            except RemoteFatalError as exc:
                if exc.status != 402:
                    raise
                log.info("asana: no time tracking on this plan (402); using actual_time_minutes")
                self._time_tracking = False
            else:
                self._time_tracking = True
                created = self._created(entries)
                return records.time_entries(task, [
                    e for e in entries if not isinstance(e, Mapping)
                    or created.get(str(e.get("gid") or ""), "") is not GONE], created)
        return records.actual_time(task, raw)

    def _created(self, entries: list[Any]) -> dict[str, Any]:
        """Each entry's ``created_at`` (gid → value), read one entry at a time: a listing of
        entries is compact and has none. An entry deleted meanwhile is :data:`GONE`."""
        created: dict[str, Any] = {}
        for entry in entries:
            gid = str(entry.get("gid") or "") if isinstance(entry, Mapping) else ""
            if not gid.isdigit() or gid in created:
                continue  # malformed: time_entries reports it
            try:
                result = self._call(lambda gid=gid: self._entries.get_time_tracking_entry(
                    gid, {"opt_fields": records.ENTRY_TIME_FIELDS}, full_payload=True),
                    f"GET /time_tracking_entries/{gid}")
            except RemoteFatalError as exc:
                if exc.status != 404:
                    raise
                created[gid] = GONE  # deleted since the listing
                continue
            data = result.get("data")
            created[gid] = data.get("created_at") if isinstance(data, Mapping) else None
        return created

    def _project_sections(self) -> set[str]:
        """Gids of the project's sections (read once; only multi-homed tasks need them)."""
        if self._sections is None:
            sections_api = asana.SectionsApi(self._client)
            result = self._call(lambda: sections_api.get_sections_for_project(
                self.project, {"opt_fields": "name"}, full_payload=True),
                f"GET /projects/{self.project}/sections")
            data = result["data"]
            self._sections = {str(s.get("gid")) for s in data if isinstance(s, Mapping)} \
                if isinstance(data, list) else set()
        return self._sections

    def list_ids(self) -> set[str]:
        """Gids of every task in the project (all pages); raises rather than return part."""
        ids: set[str] = set()
        for tasks, _ in self._pages(lambda opts: self._tasks.get_tasks_for_project(
                self.project, dict(opts), full_payload=True),
                f"GET /projects/{self.project}/tasks"):
            for raw in tasks:
                if not isinstance(raw, Mapping) or not raw.get("gid"):
                    raise shape_error("task listing")
                ids.add(str(raw["gid"]))
        return ids

    # -- comments ------------------------------------------------------------------------------
    def post_comment(self, ticket_id: str, body: str) -> str:
        """Post a comment story; a POST is retried only on 429 (never double-posted)."""
        result = self._call(lambda: self._stories.create_story_for_task(
            {"data": {"text": body}}, ticket_id, {}, full_payload=True),
            f"POST /tasks/{ticket_id}/stories")
        data = result["data"]
        if not isinstance(data, Mapping) or not data.get("gid"):
            raise shape_error(f"POST /tasks/{ticket_id}/stories")
        return str(data["gid"])

    def find_comment(self, ticket_id: str, marker: str) -> str | None:
        """The gid of the task's comment story containing ``marker`` (pages through all)."""
        for stories, _ in self._pages(lambda opts: self._stories.get_stories_for_task(
                ticket_id, {**opts, "opt_fields": "resource_subtype,type,text"},
                full_payload=True), f"GET /tasks/{ticket_id}/stories"):
            for story in stories:
                if (isinstance(story, Mapping) and story.get("resource_subtype") == "comment_added"
                        and marker in str(story.get("text") or "")):
                    return str(story["gid"])
        return None

