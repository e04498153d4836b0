"""Turning Jira REST v2 JSON into normalized records.

Pure functions: no HTTP here. A record that cannot be read raises :class:`BadRecordError`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from connectors.base import (
    Comment,
    Person,
    StatusChange,
    Ticket,
    TicketBundle,
    TimeEntry,
)
from connectors.base import parse_time as base_parse_time
from connectors.errors import BadRecordError

ANONYMOUS = Person("anonymous", "Anonymous")


def parse_time(value: Any, what: str = "time") -> datetime:
    """A Jira timestamp (``2025-03-04T16:02:11.408+0100``) as aware UTC; it must carry its
    offset (a naive one would be in the server's unknown zone)."""
    return base_parse_time(value, what, need_offset=True)


def person(raw: Any) -> Person:
    """A Jira user: ``accountId`` on Cloud, the user ``key`` (else ``name``) on Data Center."""
    if not isinstance(raw, dict):
        return ANONYMOUS
    remote_id = raw.get("accountId") or raw.get("key") or raw.get("name")
    if not remote_id:
        return ANONYMOUS
    name = raw.get("displayName") or raw.get("name") or str(remote_id)
    email = raw.get("emailAddress")
    return Person(str(remote_id), str(name), str(email) if email else None)


def adf_text(body: Any) -> str:
    """A comment body: v2 sends a string; an ADF document (v3) is flattened to its text."""
    if isinstance(body, str):
        return body
    if isinstance(body, Mapping):
        if body.get("type") == "text":
            return str(body.get("text", ""))
        parts = [adf_text(c) for c in body.get("content", []) or []]
        joiner = "\n" if body.get("type") in ("doc",) else ""
        return joiner.join(parts)
    raise BadRecordError("comment body is neither text nor a document")


def ticket(raw: Mapping[str, Any], server: str) -> Ticket:
    fields = raw.get("fields")
    if not isinstance(fields, dict):
        raise BadRecordError("issue has no fields", remote_id=_id(raw))
    status = fields.get("status")
    if not isinstance(status, dict) or not status.get("name"):
        raise BadRecordError("issue has no status", remote_id=_id(raw))
    requester = fields.get("reporter") or fields.get("creator")
    if not isinstance(requester, dict):
        raise BadRecordError("issue has neither reporter nor creator", remote_id=_id(raw))
    key = raw.get("key")
    labels = fields.get("labels") or []
    if not isinstance(key, str) or not isinstance(labels, list):
        raise BadRecordError("issue key or labels unreadable", remote_id=_id(raw))
    return Ticket(
        remote_id=_id(raw), key=key, url=f"{server.rstrip('/')}/browse/{key}",
        title=str(fields.get("summary") or ""), status=str(status["name"]),
        labels=tuple(str(label) for label in labels),
        created_at=parse_time(fields.get("created"), "created"),
        updated_at=parse_time(fields.get("updated"), "updated"),
        requester=person(requester), priority=priority(fields.get("priority"), _id(raw)))


def priority(raw: Any, remote_id: str) -> str | None:
    """The name of an issue's ``priority`` object; ``None`` when the issue has none (the field
    is null, or hidden from the project's field configuration and so missing)."""
    if raw is None:
        return None
    name = raw.get("name") if isinstance(raw, Mapping) else None
    if not isinstance(name, str) or not name.strip():
        raise BadRecordError("issue priority unreadable (no name)", remote_id=remote_id)
    return name


def check_project(raw: Mapping[str, Any], project: str) -> None:
    """A search hit from another project than the client's (a JQL that widened the search, a
    moved issue) is refused: nothing is read from it or posted on it."""
    fields = raw.get("fields")
    found = fields.get("project") if isinstance(fields, Mapping) else None
    if not isinstance(found, Mapping):
        raise BadRecordError("issue does not say its project", remote_id=_id(raw))
    names = {str(found.get("key") or "").upper(), str(found.get("id") or "")}
    if project.upper() not in names:
        raise BadRecordError(f"issue belongs to project {str(found.get('key'))[:40]!r}, not "
                             f"{project!r}: not the client's, left alone", remote_id=_id(raw))


def check_extra_jql(jql: str) -> None:
    """A client's extra ``jql`` is ANDed as a parenthesised whole with the project clause: one
    whose parentheses do not balance (outside quotes) could close that group and widen the
    search, and an ``ORDER BY`` would break it; both raise ValueError (a config problem)."""
    depth, quote, escaped = 0, "", False
    for char in jql:
        if quote:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == quote:
                quote = ""
            continue
        if char in "\"'":
            quote = char
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth < 0:
                break
    if depth != 0 or quote:
        raise ValueError("its parentheses or quotes do not balance; it is ANDed as a whole "
                         "with the project clause, so write it as one complete expression")
    unquoted = re.sub(r"\"(?:[^\"\\]|\\.)*\"|'(?:[^'\\]|\\.)*'", "", jql)
    if re.search(r"\border\s+by\b", unquoted, re.IGNORECASE):
        raise ValueError("ORDER BY is not allowed: revbridge orders the search itself")


def status_changes(ticket_id: str, histories: Iterable[Any]) -> tuple[StatusChange, ...]:
    """Status moves from changelog histories (items whose field is ``status``), oldest first."""
    out: list[StatusChange] = []
    for history in histories:
        if not isinstance(history, dict):
            raise BadRecordError("changelog entry unreadable", remote_id=ticket_id)
        items = history.get("items") or []
        if not isinstance(items, list):
            raise BadRecordError("changelog items unreadable", remote_id=ticket_id)
        for item in items:
            if not isinstance(item, dict) or item.get("field") != "status":
                continue
            to_status, from_status = item.get("toString"), item.get("fromString") or None
            if not to_status or not isinstance(to_status, str):
                raise BadRecordError("status change without a target", remote_id=ticket_id)
            if from_status is not None and not isinstance(from_status, str):
                raise BadRecordError("status change from an unreadable status",
                                     remote_id=ticket_id)
            out.append(StatusChange(
                ticket_id=ticket_id, at=parse_time(history.get("created"), "change time"),
                by=person(history.get("author")), from_status=from_status,
                to_status=to_status, remote_id=str(history.get("id", ""))))
    out.sort(key=lambda c: (c.at, _num(c.remote_id)))
    return tuple(out)


def comments(ticket_id: str, raw: Iterable[Any]) -> tuple[Comment, ...]:
    out = [Comment(remote_id=str(c["id"]), ticket_id=ticket_id,
                   at=parse_time(c.get("created"), "comment time"), by=person(c.get("author")),
                   body=adf_text(c.get("body", ""))) for c in _mappings(raw, ticket_id)]
    out.sort(key=lambda c: (c.at, _num(c.remote_id)))
    return tuple(out)


def time_entries(ticket_id: str, raw: Iterable[Any]) -> tuple[TimeEntry, ...]:
    out: list[TimeEntry] = []
    for w in _mappings(raw, ticket_id):
        seconds = w.get("timeSpentSeconds")
        if not isinstance(seconds, int) or isinstance(seconds, bool):
            raise BadRecordError("worklog without timeSpentSeconds", remote_id=ticket_id)
        out.append(TimeEntry(remote_id=str(w["id"]), ticket_id=ticket_id,
                             at=parse_time(w.get("started"), "worklog start"),
                             by=person(w.get("author")), seconds=seconds))
    out.sort(key=lambda t: (t.at, _num(t.remote_id)))
    return tuple(out)


def bundle(t: Ticket, histories: Iterable[Any], comment_list: Iterable[Any],
           worklog_list: Iterable[Any]) -> TicketBundle:
    """The ticket with its history; ``histories`` in any order (Jira embeds newest first)."""
    return TicketBundle(t, status_changes(t.remote_id, histories),
                        comments(t.remote_id, comment_list),
                        time_entries(t.remote_id, worklog_list))


def _mappings(raw: Iterable[Any], ticket_id: str) -> list[Mapping[str, Any]]:
    items = list(raw)
    if not all(isinstance(i, dict) and "id" in i for i in items):
        raise BadRecordError("unreadable comment or worklog", remote_id=ticket_id)
    return items


def _id(raw: Mapping[str, Any]) -> str:
    value = raw.get("id")
    if value is None:
        raise BadRecordError("issue without id")
    return str(value)


def _num(value: str) -> tuple[int, str]:
    return (int(value), "") if value.isdigit() else (0, value)
