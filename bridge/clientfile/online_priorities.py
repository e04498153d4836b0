"""The ``[sla]`` priority keys held against the tracker (part of ``config check --online``).

Where a ticket's priority comes from (shared/DESIGN.md §4): the tracker's own priority field
(Jira, ``TrackerMap.priorities``), the single-choice custom field ``[sla].priority_field``
(Asana, ``TrackerMap.custom_fields``) or a label listed in ``[sla].priority_labels`` (Trello, the
board's labels). Names are compared case-insensitively, as the engine matches them. A name the
tracker does not have is a warning, not an error: the file still works, that priority just never
matches (its requests get ``handle_within``).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from bridge.clientfile.schema import ClientConfig
from connectors.base import TrackerMap

if TYPE_CHECKING:
    from bridge.clientfile.online_check import OnlineReport

SHOWN = 12


def _names(names: list[str]) -> str:
    shown = ", ".join(repr(n) for n in names[:SHOWN])
    return shown + (f" and {len(names) - SHOWN} more" if len(names) > SHOWN else "")


def _near(value: str, names: list[str]) -> str:
    from bridge.clientfile.online_check import closest

    near = closest(value, names)
    return f"; did you mean {near!r}?" if near is not None else ""


def _has(names: list[str], name: str) -> bool:
    folded = name.casefold()
    return any(n.casefold() == folded for n in names)


def check_priorities(path: Path, config: ClientConfig, found: TrackerMap,
                     report: OnlineReport) -> None:
    """Warn about each ``[sla]`` priority name ``found`` does not have."""
    sla = config.sla
    project = found.project.name if found.project else ""
    labels = list(found.labels)
    for label in sla.priority_labels:
        if not _has(labels, label):
            report.warnings.append(
                f"{path}: [sla] priority_labels: {label!r} is not a label of {project!r} yet "
                f"(its labels: {_names(labels) or 'none'}){_near(label, labels)}")
    options: list[str] = []
    uses_field = bool(sla.priorities) or "priority_field" in sla.model_fields_set
    if found.custom_fields is not None and uses_field:
        fields = {name.casefold(): list(choices) for name, choices in found.custom_fields}
        if sla.priority_field.casefold() in fields:
            options = fields[sla.priority_field.casefold()]
        else:
            names = [name for name, _ in found.custom_fields]
            report.warnings.append(
                f"{path}: [sla] priority_field: {sla.priority_field!r} is not a single-choice "
                f"custom field of {project!r} (its fields: {_names(names) or 'none'})"
                f"{_near(sla.priority_field, names)}; name the one that holds the "
                "priority, or add it to the project")
    own = list(found.priorities or ())
    offered = own + options + [label for label in sla.priority_labels if _has(labels, label)]
    for name in sla.priorities:
        if _has(offered, name):
            continue
        if own:
            where = f"{found.tracker.capitalize()}'s priorities are {_names(own)}"
        elif options:
            where = f"the options of {sla.priority_field!r} are {_names(options)}"
        elif found.custom_fields is not None:
            where = f"{project!r} has no {sla.priority_field!r} field with options"
        else:
            where = ("a priority here is a label listed in [sla] priority_labels"
                     + (f" ({_names(list(sla.priority_labels))})" if sla.priority_labels
                        else ", and none is listed"))
        report.warnings.append(
            f"{path}: [sla.priorities] {name!r} is no priority a ticket of {project!r} can "
            f"have: {where}{_near(name, offered)}; its requests get handle_within "
            f"({sla.handle_within})")
