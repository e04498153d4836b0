"""A request's priority: its ticket's priority now (docs/rounds.md, "Priority").

Part of the pure rounds engine: no I/O, no clock. The priority is, in this order, the tracker's
own priority field (``Ticket.priority``, Jira), the single-choice custom field that
``[sla].priority_field`` names (Asana), or a label listed in ``[sla].priority_labels`` (Trello).
A ticket with several priority labels gets the one with the shortest mapped handling time (a
mapped label before an unmapped one; at equal times, the first in ``priority_labels``): the
client asked for the fastest, and a provider that cannot tell must not promise the slowest.
"""

from __future__ import annotations

from bridge.clientfile.schema import Sla
from bridge.engine.business_time import BusinessClock
from connectors.base import Ticket

NO_LABELS: tuple[str, ...] = ()


class Priorities:
    """One client's priority rules, read once from its ``[sla]`` table."""

    def __init__(self, sla: Sla, clock: BusinessClock) -> None:
        self.sla = sla
        self.field = sla.priority_field.casefold()
        labels = [label.casefold() for label in sla.priority_labels]
        #: priority label (case-folded) -> its position in ``priority_labels``
        self.labels = {label: index for index, label in reversed(list(enumerate(labels)))}
        self._clock = clock
        self._micros: dict[str, int] = {}

    def of(self, ticket: Ticket) -> tuple[str | None, tuple[str, ...]]:
        """The ticket's priority, and the priority labels it carries when it carries several
        (so ``explain`` can say which won and why); ``(None, ())`` when it has none."""
        if ticket.priority is not None:
            return ticket.priority, NO_LABELS
        if ticket.custom_fields:
            wanted = self.field
            for name, value in ticket.custom_fields:
                if name.casefold() == wanted and value:
                    return value, NO_LABELS
        if not self.labels or not ticket.labels:
            return None, NO_LABELS
        found = [label for label in ticket.labels if label.casefold() in self.labels]
        if len(found) < 2:
            return (found[0] if found else None), NO_LABELS
        found.sort(key=self._label_order)
        return found[0], tuple(found)

    def within(self, priority: str | None) -> str:
        """The handling time of a priority (``handle_within`` when it is not mapped)."""
        return self.sla.within(priority)

    def _label_order(self, label: str) -> tuple[int, int, int, str]:
        mapped = self.sla.within(label) if self.mapped(label) else None
        micros = 0 if mapped is None else self._duration(mapped)
        return (0 if mapped is not None else 1, micros, self.labels[label.casefold()], label)

    def mapped(self, priority: str) -> bool:
        """Whether ``[sla.priorities]`` names this priority (case-insensitively)."""
        wanted = priority.casefold()
        return any(name.casefold() == wanted for name in self.sla.priorities)

    def _duration(self, duration: str) -> int:
        found = self._micros.get(duration)
        if found is None:
            found = self._micros[duration] = self._clock.duration_micros(duration)
        return found
