"""What every built-in pull cursor has in common: a small JSON object, read and written alike.

The bridge stores a connector's cursor as opaque text (docs/connectors.md, "Cursors"); a
connector turns it back into a :class:`JsonCursor` with ``load`` and into text with ``dump``.
``load(None)`` (or ``""``) is the cursor of a full pull; text that is not one of ours raises
:class:`UnreadableCursor`, and the connector decides what that means for its pull.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from typing import Any, ClassVar, Self

from connectors.errors import BadRecordError


class UnreadableCursor(ValueError):
    """The stored cursor text is not a cursor of this connector (another version wrote it, or it
    was edited by hand); a full pull (``revbridge sync --full``) replaces it."""


class JsonCursor(ABC):
    """Base of the pull cursors: subclasses say how their fields map to and from JSON."""

    #: the tracker's name, for messages
    tracker: ClassVar[str]

    @classmethod
    @abstractmethod
    def start(cls) -> Self:
        """The cursor of a full pull: nothing seen yet."""

    @classmethod
    @abstractmethod
    def from_json(cls, data: dict[str, Any]) -> Self:
        """The cursor ``data`` describes; may raise ValueError, KeyError, TypeError."""

    @abstractmethod
    def to_json(self) -> dict[str, Any] | None:
        """The JSON object of this cursor; ``None`` when there is nothing worth storing."""

    @classmethod
    def load(cls, text: str | None) -> Self:
        """The cursor stored as ``text``; :meth:`start` for none; :class:`UnreadableCursor`
        when ``text`` is not one of ours."""
        if not text:
            return cls.start()
        try:
            data = json.loads(text)
            if not isinstance(data, dict):
                raise TypeError("not a JSON object")
            return cls.from_json(data)
        except (ValueError, KeyError, TypeError, AttributeError, BadRecordError) as exc:
            raise UnreadableCursor(f"not a {cls.tracker} cursor: {text[:60]!r}") from exc

    def dump(self) -> str | None:
        """The text to store (compact JSON), or ``None`` when there is nothing to store."""
        data = self.to_json()
        return None if data is None else json.dumps(data, separators=(",", ":"))
