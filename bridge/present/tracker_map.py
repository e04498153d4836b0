"""What a token sees (``revbridge discover``), as rich tables.

Every string in a :class:`TrackerMap` comes from the tracker: it goes through
:func:`bridge.present.terminal.safe` (control sequences removed, rich markup escaped), so a name
cannot move the cursor or restyle the terminal.
"""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from bridge.clientfile.online_check import proposed_state
from bridge.present.terminal import safe
from connectors.base import TrackerMap, TrackerPerson


def person_line(person: TrackerPerson) -> str:
    """One person for a prompt: name, e-mail or username, id (all escaped)."""
    extra = person.email or (f"@{person.username}" if person.username else "")
    return f"{safe(person.name)}" + (f" <{safe(extra)}>" if extra else "") + \
        f" [dim]{safe(person.remote_id)}[/dim]"


def print_map(console: Console, found: TrackerMap) -> None:
    """The map as tables: who the token is, the projects, then the configured project's
    statuses (with the state ``init`` would propose), people and labels."""
    console.print(f"[bold]{safe(found.tracker)}[/bold]: token of {person_line(found.me)}")
    projects = Table(title="Projects the token sees", title_justify="left")
    projects.add_column("key / id")
    projects.add_column("name")
    for project in found.projects:
        mark = " [green](configured)[/green]" if project == found.project else ""
        projects.add_row(safe(project.key), safe(project.name) + mark)
    console.print(projects)
    if found.project is None:
        return
    statuses = Table(title=f"Statuses of {safe(found.project.name)}", title_justify="left")
    statuses.add_column("name")
    statuses.add_column("category")
    statuses.add_column("proposed state")
    for i, status in enumerate(found.statuses):
        statuses.add_row(safe(status.name), safe(status.category or "-"),
                         proposed_state(status.name, status.category, i, len(found.statuses)))
    console.print(statuses)
    people = Table(title="People", title_justify="left")
    for column in ("id", "name", "e-mail", "username"):
        people.add_column(column)
    for person in found.people:
        people.add_row(safe(person.remote_id), safe(person.name), safe(person.email or "-"),
                       safe(person.username or "-"))
    console.print(people)
    labels = ", ".join(safe(label) for label in found.labels) or "(none)"
    console.print(f"[bold]Labels[/bold]: {labels}")
    if found.priorities is not None:
        names = ", ".join(safe(name) for name in found.priorities) or "(none)"
        console.print(f"[bold]Priorities[/bold] (for \\[sla.priorities]): {names}")
    for field, options in found.custom_fields or ():
        listed = ", ".join(safe(option) for option in options) or "(none)"
        console.print(f"[bold]Field {safe(field)}[/bold] (\\[sla].priority_field when it holds "
                      f"the priority): {listed}")
