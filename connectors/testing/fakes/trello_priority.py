"""The fake Trello's priorities: Trello has no priority field, so a priority is a label of the
board (the client file lists which in ``[sla].priority_labels``). ``set_priority`` swaps the
card's priority label for another, as a person does in the card's label menu: one
``removeLabelFromCard`` and one ``addLabelToCard`` action, each moving ``dateLastActivity``.
"""

from __future__ import annotations

import threading
from datetime import datetime
from typing import Any

#: the label names the fake treats as priorities (created on the board when first used)
PRIORITY_LABELS = ("Urgent", "High", "Low")


class TrelloPriorities:
    """Priority labels of :class:`connectors.testing.fakes.trello.FakeTrello` (a mixin)."""

    lock: threading.RLock
    cards: dict[str, dict[str, Any]]
    labels: dict[str, dict[str, Any]]
    _bot: str
    #: the label names that are priorities, in the order a client file would list them
    priority_names: list[str]

    def _label(self, card: dict[str, Any], name: str, add: bool, by: str,
               at: datetime | None) -> None:
        raise NotImplementedError

    @property
    def priorities(self) -> tuple[str, ...]:
        """The label names that are priorities."""
        return tuple(self.priority_names)

    def set_priority(self, ticket_id: str, name: str | None, at: datetime | None = None,
                     by: str | None = None) -> None:
        """Put the priority label ``name`` on the card in place of any other priority label
        (``None``: take them all off); a name not yet a priority becomes one."""
        with self.lock:
            if name is not None and name not in self.priority_names:
                self.priority_names.append(name)
            card = self.cards[ticket_id]
            current = [self.labels[i]["name"] for i in card["idLabels"]]
            for old in current:
                if old in self.priority_names and old != name:
                    self._label(card, old, False, by or self._bot, at)
            if name is not None:
                self._label(card, name, True, by or self._bot, at)
