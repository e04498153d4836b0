"""The ``[tracker]`` table of a Trello client (docs/trello.md); importing it loads no Trello
library."""

from __future__ import annotations

import re
from typing import ClassVar, Literal

from pydantic import field_validator

from connectors.base import TrackerSettings
from connectors.trello.records import DEFAULT_SPENT_PATTERN

TRELLO_API = "https://api.trello.com/1"


class TrelloSettings(TrackerSettings):
    """``[tracker]`` for Trello: the board id, the app key (not a secret) and the token."""

    #: Trello never shows a member's e-mail: contacts are member ids or usernames
    shows_emails: ClassVar[bool] = False

    type: Literal["trello"]
    board: str
    api_key: str
    api_url: str = TRELLO_API
    #: regex finding time logged in a comment; its ``duration`` group (else group 1) reads
    #: ``1h30``, ``2h``, ``45m``, ``1.5h``
    spent_pattern: str = DEFAULT_SPENT_PATTERN

    @field_validator("spent_pattern")
    @classmethod
    def _pattern_compiles(cls, value: str) -> str:
        try:
            compiled = re.compile(value)
        except re.error as exc:
            raise ValueError(f"spent_pattern is not a valid regex: {exc}") from None
        if "duration" not in compiled.groupindex and compiled.groups < 1:
            raise ValueError("spent_pattern needs a group (?P<duration>...) around the duration")
        return value
