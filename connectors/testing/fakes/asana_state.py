"""The state of the fake Asana and how tests drive it (the FakeTracker methods).

Every update (story, section change, completion, tag, time entry) bumps the task's
``modified_at``, as Asana does. The HTTP side is in :mod:`connectors.testing.fakes.asana`.
"""

from __future__ import annotations

import itertools
import secrets
import threading
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from connectors.testing.fakes.asana_fields import PRIORITY_OPTIONS, AsanaCustomFields, FakeField
from connectors.testing.fakes.base import STATUSES, iso


@dataclass
class FakeTask:
    gid: str
    name: str
    created_by: str
    created_at: datetime
    modified_at: datetime
    section: str  # section gid
    tags: list[str] = field(default_factory=list)  # tag gids
    completed: bool = False
    completed_at: datetime | None = None
    assignee: str | None = None
    notes: str = ""
    stories: list[dict[str, Any]] = field(default_factory=list)
    entries: list[dict[str, Any]] = field(default_factory=list)
    corrupt: bool = False
    elsewhere: str | None = None  # section gid in the other project (multi-homed task)
    choices: dict[str, str | None] = field(default_factory=dict)  # custom field -> option gid

    def touch(self, at: datetime) -> None:
        self.modified_at = max(self.modified_at, at)


class AsanaState(AsanaCustomFields):
    """One workspace, one project (sections = ``STATUSES``, a Priority enum field), a bot user,
    tasks and stories."""

    lock: threading.RLock

    def __init__(self, token: str | None = None, *, time_tracking: bool = True,
                 priority_field: str | None = "Priority") -> None:
        self.token = token or "2/" + secrets.token_hex(16)
        #: False: the time-tracking endpoints answer 402, as on a plan without time tracking.
        self.time_tracking = time_tracking
        self._gids = itertools.count(1208000000001001)
        self.workspace = {"gid": "1201000000000001", "resource_type": "workspace",
                          "name": "Acme Co"}
        self.users: dict[str, dict[str, Any]] = {}
        self._bot = self.add_person("Revision Bridge", "bridge@freelance.example")
        self.project_gid = self._gid()
        self.project_name = "Website relaunch"
        self.sections: dict[str, str] = {}  # gid -> name
        for name in STATUSES:
            self.section_gid(name)
        self.tags: dict[str, str] = {}  # gid -> name
        self.tasks: dict[str, FakeTask] = {}
        self.other_project_gid = self._gid()
        self._other_sections: dict[str, str] = {}  # name -> gid, in the other project
        self.fields: list[FakeField] = []
        self.priority_field = priority_field or "Priority"
        if priority_field is not None:
            self.add_custom_field(priority_field, PRIORITY_OPTIONS)

    # -- identity ------------------------------------------------------------------------------
    def _gid(self) -> str:
        return str(next(self._gids))

    @property
    def bot_id(self) -> str:
        return self._bot

    def add_person(self, name: str, email: str | None = None) -> str:
        with self.lock:
            gid = str(1202000000000011 + len(self.users))
            self.users[gid] = {"gid": gid, "resource_type": "user", "name": name,
                               "email": email, "photo": None, "workspaces": [self.workspace]}
            return gid

    def section_gid(self, name: str) -> str:
        with self.lock:
            for gid, known in self.sections.items():
                if known == name:
                    return gid
            gid = self._gid()
            self.sections[gid] = name
            return gid

    def _tag_gid(self, name: str) -> str:
        for gid, known in self.tags.items():
            if known == name:
                return gid
        gid = self._gid()
        self.tags[gid] = name
        return gid

    # -- driving the fake (FakeTracker) --------------------------------------------------------
    def create_ticket(self, title: str, by: str, *, labels: tuple[str, ...] = (),
                      status: str = "To Do", at: datetime | None = None) -> str:
        at = at or datetime.now(UTC)
        with self.lock:
            task = FakeTask(self._gid(), title, by, at, at, self.section_gid(status))
            self.tasks[task.gid] = task
            self._story(task, by, at, "added_to_project", f"added to {self.project_name}")
            for label in labels:
                gid = self._tag_gid(label)
                task.tags.append(gid)
                self._story(task, by, at, "added_to_tag", f"added to {label}",
                            tag=self._ref("tag", gid, label))
            return task.gid

    def move(self, ticket_id: str, to_status: str, by: str, at: datetime | None = None) -> None:
        at = at or datetime.now(UTC)
        with self.lock:
            task = self.tasks[ticket_id]
            old, new = task.section, self.section_gid(to_status)
            task.section = new
            self._story(task, by, at, "section_changed",
                        f'moved this task from "{self.sections[old]}" to '
                        f'"{self.sections[new]}" in {self.project_name}',
                        old_section=self._ref("section", old, self.sections[old]),
                        new_section=self._ref("section", new, self.sections[new]))

    def move_elsewhere(self, ticket_id: str, to_section: str, by: str,
                       at: datetime | None = None) -> None:
        """Add the task to a second project ("Agency board") and move it between its sections."""
        at = at or datetime.now(UTC)
        with self.lock:
            task = self.tasks[ticket_id]
            new = self._other_sections.setdefault(to_section, self._gid())
            if task.elsewhere is None:
                self._story(task, by, at, "added_to_project", "added to Agency board")
            else:
                old_name = next(n for n, g in self._other_sections.items() if g == task.elsewhere)
                self._story(task, by, at, "section_changed",
                            f'moved this task from "{old_name}" to "{to_section}" in Agency board',
                            old_section=self._ref("section", task.elsewhere, old_name),
                            new_section=self._ref("section", new, to_section))
            task.elsewhere = new

    def complete(self, ticket_id: str, by: str, completed: bool = True,
                 at: datetime | None = None) -> None:
        """Mark the task complete (or incomplete again), as the checkbox in Asana does."""
        at = at or datetime.now(UTC)
        with self.lock:
            task = self.tasks[ticket_id]
            task.completed, task.completed_at = completed, (at if completed else None)
            kind = "marked_complete" if completed else "marked_incomplete"
            self._story(task, by, at, kind, kind.replace("_", " ") + " this task")

    def assign(self, ticket_id: str, assignee: str, by: str,
               at: datetime | None = None) -> None:
        """Assign the task to ``assignee``, with Asana's ``assigned`` story."""
        at = at or datetime.now(UTC)
        with self.lock:
            task = self.tasks[ticket_id]
            task.assignee = assignee
            ref = self._user_ref(assignee)
            self._story(task, by, at, "assigned", f"assigned to {ref['name']}", assignee=ref)

    def add_comment(self, ticket_id: str, body: str, by: str,
                    at: datetime | None = None) -> str:
        at = at or datetime.now(UTC)
        with self.lock:
            story = self._story(self.tasks[ticket_id], by, at, "comment_added", body)
            return str(story["gid"])

    def log_time(self, ticket_id: str, seconds: int, by: str,
                 at: datetime | None = None, *, day: date | None = None) -> str:
        """An entry made at ``at`` (its ``created_at``) for ``day`` (its ``entered_on``, by
        default ``at``'s date in UTC)."""
        at = at or datetime.now(UTC)
        with self.lock:
            task = self.tasks[ticket_id]
            entered_on = day or at.astimezone(UTC).date()
            entry = {
                "gid": self._gid(), "resource_type": "time_tracking_entry",
                "duration_minutes": round(seconds / 60), "entered_on": entered_on.isoformat(),
                "created_by": self._user_ref(by), "created_at": iso(at),
                "attributable_to": self._ref("project", self.project_gid, self.project_name),
                "approval_status": "DRAFT", "billable_status": "billable", "description": "",
                "task": self._ref("task", task.gid, task.name), "categories": [],
            }
            task.entries.append(entry)
            task.touch(at)
            return str(entry["gid"])

    def edit_comment(self, comment_id: str, text: str, by: str | None = None,
                     at: datetime | None = None) -> None:
        """Replace a comment story's text, as its author editing it in Asana does."""
        at = at or datetime.now(UTC)
        with self.lock:
            for task in self.tasks.values():
                for story in task.stories:
                    if story["gid"] == comment_id and story["resource_subtype"] == "comment_added":
                        story.update(text=text, html_text=f"<body>{text}</body>", is_edited=True)
                        task.touch(at)
                        return
            raise KeyError(f"no comment story {comment_id}")

    def set_labels(self, ticket_id: str, labels: tuple[str, ...],
                   at: datetime | None = None) -> None:
        at = at or datetime.now(UTC)
        with self.lock:
            task = self.tasks[ticket_id]
            wanted = [self._tag_gid(label) for label in labels]
            for gid in [g for g in task.tags if g not in wanted]:
                self._story(task, task.created_by, at, "removed_from_tag",
                            f"removed from {self.tags[gid]}", tag=self._ref("tag", gid,
                                                                             self.tags[gid]))
            for gid in [g for g in wanted if g not in task.tags]:
                self._story(task, task.created_by, at, "added_to_tag",
                            f"added to {self.tags[gid]}", tag=self._ref("tag", gid,
                                                                         self.tags[gid]))
            task.tags = wanted
            task.touch(at)

    def delete_ticket(self, ticket_id: str) -> None:
        with self.lock:
            del self.tasks[ticket_id]

    def corrupt_ticket(self, ticket_id: str) -> None:
        with self.lock:
            self.tasks[ticket_id].corrupt = True  # served with created_at: null

    def comment_bodies(self, ticket_id: str) -> list[tuple[str, str]]:
        with self.lock:
            return [(str(s["gid"]), str(s["text"])) for s in self.tasks[ticket_id].stories
                    if s["resource_subtype"] == "comment_added"]

    # -- representations -----------------------------------------------------------------------
    def _ref(self, kind: str, gid: str, name: str) -> dict[str, Any]:
        return {"gid": gid, "resource_type": kind, "name": name}

    def _user_ref(self, gid: str) -> dict[str, Any]:
        return self._ref("user", gid, self.users[gid]["name"])

    def _story(self, task: FakeTask, by: str, at: datetime, subtype: str, text: str,
               **extra: Any) -> dict[str, Any]:
        story = {"gid": self._gid(), "resource_type": "story", "created_at": iso(at),
                 "created_by": self._user_ref(by), "resource_subtype": subtype,
                 "type": "comment" if subtype == "comment_added" else "system", "text": text,
                 **extra}
        if subtype == "comment_added":
            story.update(is_edited=False, is_pinned=False, html_text=f"<body>{text}</body>")
        story["target"] = self._ref("task", task.gid, task.name)
        task.stories.append(story)
        task.touch(at)
        return story

    def _elsewhere(self, task: FakeTask) -> list[dict[str, Any]]:
        if task.elsewhere is None:
            return []
        name = next(n for n, g in self._other_sections.items() if g == task.elsewhere)
        return [{"project": self._ref("project", self.other_project_gid, "Agency board"),
                 "section": self._ref("section", task.elsewhere, name)}]

    def _task_json(self, task: FakeTask) -> dict[str, Any]:
        minutes = sum(int(e["duration_minutes"]) for e in task.entries)
        return {
            "gid": task.gid, "resource_type": "task", "name": task.name,
            "resource_subtype": "default_task",
            # like Asana: a task's created_by carries no name (opt_fields allows none)
            "created_by": {"gid": task.created_by, "resource_type": "user"},
            "created_at": None if task.corrupt else iso(task.created_at),
            "modified_at": iso(task.modified_at), "completed": task.completed,
            "completed_at": iso(task.completed_at) if task.completed_at else None,
            "assignee": self._user_ref(task.assignee) if task.assignee else None,
            "notes": task.notes,
            "memberships": [{
                "project": self._ref("project", self.project_gid, self.project_name),
                "section": self._ref("section", task.section, self.sections[task.section])},
                *self._elsewhere(task)],
            "tags": [self._ref("tag", gid, self.tags[gid]) for gid in task.tags],
            "custom_fields": self.task_fields_json(task.choices),
            "actual_time_minutes": minutes or None, "num_subtasks": 0, "parent": None,
            "due_on": None,
            "permalink_url": f"https://app.asana.com/1/{self.workspace['gid']}/project/"
                             f"{self.project_gid}/task/{task.gid}",
        }
