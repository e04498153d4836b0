"""Connector records ⇄ table rows (``bridge.store.models``), for the store."""

from __future__ import annotations

from typing import Any

from connectors.base import Comment, Person, StatusChange, Ticket, TimeEntry


def change_id(change: StatusChange) -> str:
    """A status change's stable id: the tracker's, else ``ticket_id@iso-at@to_status``."""
    return change.remote_id or f"{change.ticket_id}@{change.at.isoformat()}@{change.to_status}"


def unique(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per remote id (the first): a tracker listing a record twice is not an error."""
    seen: dict[str, dict[str, Any]] = {}
    for row in rows:
        seen.setdefault(row["remote_id"], row)
    return list(seen.values())


def _person(prefix: str, person: Person) -> dict[str, Any]:
    return {
        f"{prefix}_id": person.remote_id,
        f"{prefix}_name": person.name,
        f"{prefix}_email": person.email,
    }


def ticket_row(client: str, t: Ticket) -> dict[str, Any]:
    return {
        "client": client,
        "remote_id": t.remote_id,
        "key": t.key,
        "url": t.url,
        "title": t.title,
        "status": t.status,
        "labels": list(t.labels),
        "created_at": t.created_at,
        "updated_at": t.updated_at,
        "deleted": t.deleted,
        "priority": t.priority,
        "custom_fields": [[name, value] for name, value in t.custom_fields],
        **_person("requester", t.requester),
    }


def change_row(client: str, c: StatusChange) -> dict[str, Any]:
    return {
        "client": client,
        "remote_id": change_id(c),
        "source_id": c.remote_id,
        "ticket_id": c.ticket_id,
        "at": c.at,
        "from_status": c.from_status,
        "to_status": c.to_status,
        **_person("by", c.by),
    }


def comment_row(client: str, c: Comment) -> dict[str, Any]:
    return {
        "client": client,
        "remote_id": c.remote_id,
        "ticket_id": c.ticket_id,
        "at": c.at,
        "body": c.body,
        **_person("by", c.by),
    }


def entry_row(client: str, e: TimeEntry) -> dict[str, Any]:
    return {
        "client": client,
        "remote_id": e.remote_id,
        "ticket_id": e.ticket_id,
        "at": e.at,
        "seconds": e.seconds,
        "day": e.day,
        **(_person("by", e.by) if e.by is not None else _NO_AUTHOR),
    }


_NO_AUTHOR: dict[str, Any] = {"by_id": None, "by_name": None, "by_email": None}


def _by(r: Any) -> Person:
    return Person(r.by_id, r.by_name, r.by_email)


def to_ticket(r: Any) -> Ticket:
    return Ticket(
        remote_id=r.remote_id,
        key=r.key,
        url=r.url,
        title=r.title,
        status=r.status,
        labels=tuple(r.labels),
        created_at=r.created_at,
        updated_at=r.updated_at,
        requester=Person(r.requester_id, r.requester_name, r.requester_email),
        deleted=r.deleted,
        priority=r.priority,
        custom_fields=tuple((str(name), str(value)) for name, value in r.custom_fields or ()),
    )


def to_change(r: Any) -> StatusChange:
    return StatusChange(
        ticket_id=r.ticket_id,
        at=r.at,
        by=_by(r),
        from_status=r.from_status,
        to_status=r.to_status,
        remote_id=r.source_id,
    )


def to_comment(r: Any) -> Comment:
    return Comment(remote_id=r.remote_id, ticket_id=r.ticket_id, at=r.at, by=_by(r), body=r.body)


def to_entry(r: Any) -> TimeEntry:
    return TimeEntry(
        remote_id=r.remote_id, ticket_id=r.ticket_id, at=r.at,
        by=_by(r) if r.by_id is not None else None, seconds=r.seconds, day=r.day,
    )
