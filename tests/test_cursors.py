"""The three pull cursors are read and written the same way (connectors.cursor.JsonCursor)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from connectors.asana.cursor import Cursor as AsanaCursor
from connectors.cursor import JsonCursor, UnreadableCursor
from connectors.jira.cursor import Cursor as JiraCursor
from connectors.trello.cursor import Cursor as TrelloCursor

AT = datetime(2026, 11, 2, 9, 0, 0, 123000, tzinfo=UTC)
SAMPLES: list[JsonCursor] = [
    JiraCursor(AT, {("10001", "2026-11-02T09:00:00.123Z")}, cloud=True),
    TrelloCursor(AT, {"64f1c0de0000000000000001"}, actions=12),
    AsanaCursor(AT, {("1201", "2026-11-02T09:00:00.123Z")}),
]


@pytest.mark.parametrize("cursor", SAMPLES, ids=lambda c: type(c).tracker)
def test_a_dumped_cursor_loads_back_equal(cursor: JsonCursor) -> None:
    text = cursor.dump()
    assert text is not None
    assert type(cursor).load(text) == cursor


@pytest.mark.parametrize("cls", [JiraCursor, TrelloCursor, AsanaCursor], ids=lambda c: c.tracker)
def test_no_text_is_the_start_of_a_full_pull(cls: type[JsonCursor]) -> None:
    assert cls.load(None) == cls.start() == cls.load("")


@pytest.mark.parametrize("cls", [JiraCursor, TrelloCursor, AsanaCursor], ids=lambda c: c.tracker)
@pytest.mark.parametrize("text", ["not json", "[1, 2]", '{"since": "yesterday"}', "{}"])
def test_text_that_is_not_a_cursor_is_unreadable(cls: type[JsonCursor], text: str) -> None:
    with pytest.raises(UnreadableCursor, match=f"not a {cls.tracker} cursor"):
        cls.load(text)
