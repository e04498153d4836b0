"""The fake Asana's enum custom fields, shaped by the spec (``CustomFieldCompact`` on a task,
``CustomFieldSettingResponse`` on a project, ``EnumOption`` values).

The project has a "Priority" field (options High, Medium, Low, as Asana's own Priority field)
unless the fake is built with ``priority_field=None``; ``add_custom_field`` adds others. A task
carries every field of the project, ``enum_value`` null until one is chosen; a change is an
``enum_custom_field_changed`` story and moves ``modified_at``, as in Asana.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

#: the options of the fake's Priority field, Asana's own order
PRIORITY_OPTIONS = ("High", "Medium", "Low")
_COLOURS = ("red", "orange", "yellow-green", "blue", "purple", "cool-gray")


@dataclass
class FakeField:
    gid: str
    name: str
    options: dict[str, str] = field(default_factory=dict)  # option gid -> name, in order
    subtype: str = "enum"


class AsanaCustomFields:
    """Custom-field state of the fake Asana (a mixin of :class:`AsanaState`)."""

    lock: threading.RLock
    tasks: dict[str, Any]
    project_gid: str
    project_name: str
    #: the project's custom fields, in the order of its custom field settings
    fields: list[FakeField]
    #: the name of the field ``set_priority`` sets
    priority_field: str

    def _gid(self) -> str:
        raise NotImplementedError

    def _ref(self, kind: str, gid: str, name: str) -> dict[str, Any]:
        raise NotImplementedError

    def _story(self, task: Any, by: str, at: datetime, subtype: str, text: str,
               **extra: Any) -> dict[str, Any]:
        raise NotImplementedError

    def add_custom_field(self, name: str, options: tuple[str, ...],
                         subtype: str = "enum") -> str:
        """Add a custom field to the project (``enum`` by default) and return its gid."""
        with self.lock:
            found = FakeField(self._gid(), name, {self._gid(): o for o in options}, subtype)
            self.fields.append(found)
            return found.gid

    @property
    def priorities(self) -> tuple[str, ...]:
        """The options of the project's priority field (none without that field)."""
        found = self._field(self.priority_field)
        return tuple(found.options.values()) if found is not None else ()

    def set_priority(self, ticket_id: str, name: str | None, at: datetime | None = None,
                     by: str | None = None) -> None:
        """Choose (``None``: clear) the task's option of the priority field, as ``by``
        (default: the task's creator)."""
        self.set_choice(ticket_id, self.priority_field, name, at, by)

    def set_choice(self, ticket_id: str, field_name: str, option: str | None,
                   at: datetime | None = None, by: str | None = None) -> None:
        """Choose (``None``: clear) the task's option of the enum field ``field_name``."""
        at = at or datetime.now(UTC)
        with self.lock:
            task = self.tasks[ticket_id]
            found = self._field(field_name)
            if found is None:
                raise ValueError(f"the project has no custom field {field_name!r}")
            gids = {name: gid for gid, name in found.options.items()}
            if option is not None and option not in gids:
                raise ValueError(f"{field_name!r} has no option {option!r}")
            old = task.choices.get(found.gid)
            new = gids[option] if option is not None else None
            task.choices[found.gid] = new
            self._story(task, by or task.created_by, at, "enum_custom_field_changed",
                        f"changed {found.name} to {option}" if option
                        else f"cleared {found.name}",
                        custom_field=self._ref("custom_field", found.gid, found.name),
                        old_enum_value=self._option(found, old),
                        new_enum_value=self._option(found, new))

    # -- representations -----------------------------------------------------------------------
    def _field(self, name: str) -> FakeField | None:
        return next((f for f in self.fields if f.name == name), None)

    def _option(self, found: FakeField, gid: str | None) -> dict[str, Any] | None:
        if gid is None:
            return None
        index = list(found.options).index(gid)
        return {"gid": gid, "resource_type": "enum_option", "name": found.options[gid],
                "enabled": True, "color": _COLOURS[index % len(_COLOURS)]}

    def field_json(self, found: FakeField, chosen: str | None = None,
                   with_value: bool = True) -> dict[str, Any]:
        """A custom field as Asana sends it: on a task (``with_value``) or a project setting."""
        body: dict[str, Any] = {
            "gid": found.gid, "resource_type": "custom_field", "name": found.name,
            "type": found.subtype, "resource_subtype": found.subtype,
            "enum_options": [self._option(found, gid) for gid in found.options],
            "enabled": True, "representation_type": found.subtype, "id_prefix": None,
            "is_formula_field": False}
        if with_value:
            value = self._option(found, chosen)
            body.update(enum_value=value, display_value=value["name"] if value else None)
        else:
            body.update(description="", is_global_to_workspace=False,
                        has_notifications_enabled=True, asana_created_field=None,
                        privacy_setting="public_with_guests")
        return body

    def task_fields_json(self, choices: dict[str, str | None]) -> list[dict[str, Any]]:
        """The ``custom_fields`` of a task with these choices (field gid → option gid)."""
        return [self.field_json(f, choices.get(f.gid)) for f in self.fields]

    def field_settings_json(self) -> list[dict[str, Any]]:
        """The project's ``custom_field_settings``."""
        project = self._ref("project", self.project_gid, self.project_name)
        return [{"gid": f"{f.gid}0", "resource_type": "custom_field_setting",
                 "project": project, "parent": project, "is_important": True,
                 "custom_field": self.field_json(f, with_value=False)} for f in self.fields]
