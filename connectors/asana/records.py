"""Asana JSON (tasks, stories, time-tracking entries) → normalized records.

Status is the task's section in the synced project; while ``completed`` is true it is
:data:`COMPLETED_STATUS`. Status history comes from stories: ``section_changed`` (old → new
section), ``marked_complete`` (→ COMPLETED_STATUS) and ``marked_incomplete`` (→ the section the
task is in at that moment). Any malformed piece raises :class:`BadRecordError` for the task.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, MutableMapping
from dataclasses import replace
from datetime import date
from typing import Any

from connectors.base import (
    COMPLETED_STATUS,
    Comment,
    Person,
    StatusChange,
    Ticket,
    TimeEntry,
    parse_time,
)
from connectors.errors import BadRecordError

TASK_FIELDS = ",".join((
    "name", "created_by", "created_at", "modified_at", "completed", "assignee.name",
    "memberships.project", "memberships.section.name", "tags.name", "actual_time_minutes",
    "permalink_url", "custom_fields.name", "custom_fields.resource_subtype",
    "custom_fields.enum_value.name",
))
STORY_FIELDS = ",".join((
    "created_at", "created_by.name", "resource_subtype", "type", "text", "old_section.name",
    "new_section.name",
))
ENTRY_FIELDS = "duration_minutes,entered_on,created_by.name"
#: only a single entry's complete record has it (listings give compact records)
ENTRY_TIME_FIELDS = "created_at"
UNKNOWN = Person(remote_id="", name="(unknown)")


def person(value: Any, fallback: Person = UNKNOWN) -> Person:
    if not isinstance(value, Mapping) or not value.get("gid"):
        return fallback
    return Person(remote_id=str(value["gid"]), name=str(value.get("name") or value["gid"]),
                  email=value.get("email") if isinstance(value.get("email"), str) else None)


def section_of(raw: Mapping[str, Any], project_gid: str) -> Mapping[str, Any] | None:
    """The task's section in ``project_gid`` (``memberships[].section``)."""
    memberships = raw.get("memberships") or ()
    if not isinstance(memberships, list | tuple):
        return None
    for membership in memberships:
        if not isinstance(membership, Mapping):
            continue
        project = membership.get("project")
        if isinstance(project, Mapping) and str(project.get("gid")) == project_gid:
            section = membership.get("section")
            return section if isinstance(section, Mapping) else None
    return None


def ticket(raw: Mapping[str, Any], project_gid: str) -> Ticket:
    gid = str(raw.get("gid") or "")
    if not gid:
        raise BadRecordError("task without gid", remote_id=None)
    name = raw.get("name")
    if not isinstance(name, str):
        raise BadRecordError("task name is missing", remote_id=gid)
    section = section_of(raw, project_gid)
    if section is None or not isinstance(section.get("name"), str):
        raise BadRecordError("task has no section in the project", remote_id=gid)
    status = COMPLETED_STATUS if raw.get("completed") is True else str(section["name"])
    tags = raw.get("tags") or []
    if not isinstance(tags, list):
        raise BadRecordError("tags is not a list", remote_id=gid)
    labels = tuple(str(t["name"]) for t in tags if isinstance(t, Mapping) and t.get("name"))
    return Ticket(
        remote_id=gid, key=gid, url=str(raw.get("permalink_url") or ""), title=name,
        status=status, labels=labels,
        created_at=parse_time(raw.get("created_at"), "created_at", gid),
        updated_at=parse_time(raw.get("modified_at"), "modified_at", gid),
        requester=person(raw.get("created_by")), custom_fields=choices(raw, gid),
    )


def choices(raw: Mapping[str, Any], gid: str) -> tuple[tuple[str, str], ...]:
    """The task's enum custom fields that have a value: (field name, option name) pairs.

    Other kinds (text, number, multi_enum...) and fields left empty are not choices; an enum
    field or option without a name is a malformed task."""
    fields = raw.get("custom_fields")
    if fields is None:
        return ()
    if not isinstance(fields, list):
        raise BadRecordError("custom_fields is not a list", remote_id=gid)
    out: list[tuple[str, str]] = []
    for custom in fields:
        if not isinstance(custom, Mapping):
            raise BadRecordError("a custom field is not an object", remote_id=gid)
        if custom.get("resource_subtype", custom.get("type")) != "enum":
            continue
        value = custom.get("enum_value")
        if value is None:
            continue
        name, option = custom.get("name"), _name(value)
        if not isinstance(name, str) or not name or option is None:
            raise BadRecordError("an enum custom field without its name or its option's",
                                 remote_id=gid)
        out.append((name, option))
    return tuple(out)


def name_requester(task: Ticket, stories: Iterable[Mapping[str, Any]],
                   names: MutableMapping[str, str]) -> Ticket:
    """``task`` with its requester's name, which a task's ``created_by`` lacks in Asana.

    Names are learnt from the stories' authors (``names`` keeps them across tasks).
    """
    for story in stories:
        author = story.get("created_by")
        if isinstance(author, Mapping) and author.get("gid") and author.get("name"):
            names[str(author["gid"])] = str(author["name"])
    requester = task.requester
    name = names.get(requester.remote_id)
    if name is None or name == requester.name:
        return task
    return replace(task, requester=replace(requester, name=name))


def _name(value: Any) -> str | None:
    return str(value["name"]) if isinstance(value, Mapping) and value.get("name") else None


def history(
    task: Ticket, stories: Iterable[Mapping[str, Any]], current_section: str,
    sections: set[str] | None = None,
) -> tuple[tuple[StatusChange, ...], tuple[Comment, ...]]:
    """Status changes and comments of ``task`` from its stories (oldest first).

    ``sections``: gids of the project's sections, to ignore moves inside another project of a
    multi-homed task (``None``: the task is in one project only).
    """
    parsed = []
    for story in stories:
        if not isinstance(story, Mapping) or not story.get("gid"):
            raise BadRecordError("story without gid", remote_id=task.remote_id)
        at = parse_time(story.get("created_at"), "story created_at", task.remote_id)
        parsed.append((at, int(str(story["gid"])) if str(story["gid"]).isdigit() else 0, story))
    parsed.sort(key=lambda item: (item[0], item[1]))

    moves = [s for _, _, s in parsed if s.get("resource_subtype") == "section_changed"
             and _in_project(s, sections)]
    section = (_name(moves[0].get("old_section")) if moves else None) or current_section
    completed = False
    changes: list[StatusChange] = []
    comments: list[Comment] = []
    for at, _, story in parsed:
        subtype, by, sid = story.get("resource_subtype"), person(story.get("created_by")), \
            str(story["gid"])
        if subtype == "comment_added" or story.get("type") == "comment":
            text = story.get("text")
            if not isinstance(text, str):
                raise BadRecordError(f"comment {sid} has no text", remote_id=task.remote_id)
            comments.append(Comment(sid, task.remote_id, at, by, text))
        elif subtype == "section_changed" and _in_project(story, sections):
            new = _name(story.get("new_section"))
            if new is None:
                raise BadRecordError(f"move {sid} has no new section", remote_id=task.remote_id)
            old = _name(story.get("old_section")) or section
            if not completed and old != new:
                changes.append(StatusChange(task.remote_id, at, by, old, new, sid))
            section = new
        elif subtype == "marked_complete" and not completed:
            changes.append(StatusChange(task.remote_id, at, by, section, COMPLETED_STATUS, sid))
            completed = True
        elif subtype == "marked_incomplete" and completed:
            changes.append(StatusChange(task.remote_id, at, by, COMPLETED_STATUS, section, sid))
            completed = False
    return tuple(changes), tuple(comments)


def _in_project(story: Mapping[str, Any], sections: set[str] | None) -> bool:
    if sections is None:
        return True
    new = story.get("new_section")
    return isinstance(new, Mapping) and str(new.get("gid")) in sections


def time_entries(task: Ticket, entries: Iterable[Mapping[str, Any]],
                 created: Mapping[str, Any]) -> tuple[TimeEntry, ...]:
    """Time-tracking entries: ``at`` is when the entry was made (``created``: gid →
    ``created_at``), ``day`` the day it was entered for (``entered_on``); the engine decides
    which of them counts."""
    out = []
    for entry in entries:
        gid = str(entry.get("gid") or "") if isinstance(entry, Mapping) else ""
        minutes = entry.get("duration_minutes") if gid else None
        try:
            day = date.fromisoformat(str(entry.get("entered_on")))
        except ValueError:
            day = None
        if not gid or not isinstance(minutes, int) or isinstance(minutes, bool) or day is None:
            raise BadRecordError(f"time entry {gid or '?'} is malformed",
                                 remote_id=task.remote_id)
        at = parse_time(created.get(gid), f"time entry {gid} created_at", task.remote_id)
        out.append(TimeEntry(gid, task.remote_id, at, person(entry.get("created_by")),
                             minutes * 60, day))
    return tuple(out)


def actual_time(task: Ticket, raw: Mapping[str, Any]) -> tuple[TimeEntry, ...]:
    """``actual_time_minutes`` (plans without time-tracking entries) as one entry with no
    author, dated at the task's ``modified_at``. Its id is the same whatever the value, so a
    new value replaces the old one in the store instead of adding to it."""
    minutes = raw.get("actual_time_minutes")
    if isinstance(minutes, bool) or not isinstance(minutes, int | float) or minutes <= 0:
        return ()
    return (TimeEntry(f"{task.remote_id}:actual", task.remote_id, task.updated_at, None,
                      round(minutes * 60)),)
