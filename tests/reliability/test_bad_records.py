"""Hypothesis-generated tracker records fed through the fakes into a real sync.

Each example seeds a fake with a few requests whose titles, comments, labels and people carry
generated text (odd unicode, huge text, markup, marker look-alikes), and corrupts what the
fake serves for one of them (a field removed, nulled or given the wrong type, in the ticket or
in one of its comments / history items). The sync must complete: the bad record reported in
``RunSummary.skipped`` (or read as it is), every other ticket stored, and every comment posted
exactly one of our templates, one line of text then the marker on the last line.
"""

from __future__ import annotations

import itertools
import os
import re
import string
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bridge.present.notices import DEFAULT_TEXTS, find_marker
from bridge.store import Store
from bridge.sync.run import SyncOptions, sync_client
from connectors.testing.fakes.asana import FakeAsana
from tests.pg_schema import PG_ENV, pg_schema_url
from tests.reliability.worlds import (
    SHARED_FOLDERS,
    TRACKERS,
    add_people,
    client_table,
    load_world_config,
    new_fake,
    policy,
)

DELETE = object()
WRONG_TYPE = object()  # a value of another JSON type than the one served
TEMPLATES = {
    "ack": "Round {round} of {rounds_included} for {ticket} ({title}), asked by {requester}.",
    "extra": "Extra round {round} for {title}: billed {billing}. {ticket}/{requester}",
    "not_designated": "{requester}, please have a designated contact confirm {title}.",
}
TEXT_ONLY = re.compile(r"[^\n]*")
ONE_LINE = re.compile(r"[^\n]{0,120}")

#: (kind of object, path inside it) the corruption may hit, per tracker
TARGETS: dict[str, list[tuple[str, tuple[Any, ...]]]] = {
    "jira": [("issue", p) for p in [
        ("fields",), ("key",), ("fields", "summary"), ("fields", "status"),
        ("fields", "status", "name"), ("fields", "labels"), ("fields", "labels", 0),
        ("fields", "reporter"), ("fields", "creator"), ("fields", "reporter", "accountId"),
        ("fields", "reporter", "displayName"), ("fields", "created"), ("fields", "updated"),
        ("fields", "comment"), ("fields", "comment", "comments"),
        ("fields", "comment", "total"), ("fields", "comment", "comments", 0),
        ("fields", "comment", "comments", 0, "body"), ("fields", "comment", "comments", 0, "id"),
        ("fields", "comment", "comments", 0, "created"),
        ("fields", "comment", "comments", 0, "author"), ("fields", "worklog"),
        ("fields", "worklog", "worklogs", 0, "timeSpentSeconds"),
        ("fields", "worklog", "worklogs", 0, "started"),
        ("fields", "worklog", "worklogs", 0, "author"), ("changelog",),
        ("changelog", "histories"), ("changelog", "histories", 0),
        ("changelog", "histories", 0, "created"), ("changelog", "histories", 0, "items"),
        ("changelog", "histories", 0, "items", 0, "toString"),
        ("changelog", "histories", 0, "items", 0, "fromString"),
        ("changelog", "histories", 0, "author"),
    ]],
    "trello": [("card", p) for p in [
        ("name",), ("idList",), ("idLabels",), ("idLabels", 0), ("labels",), ("labels", 0),
        ("dateLastActivity",), ("closed",), ("shortUrl",),
    ]] + [("action", p) for p in [
        ("date",), ("type",), ("data",), ("data", "text"), ("data", "listAfter"),
        ("data", "listBefore"), ("data", "list"), ("data", "old"), ("idMemberCreator",),
        ("memberCreator",), ("memberCreator", "fullName"),
    ]],
    "asana": [("task", p) for p in [
        ("name",), ("created_at",), ("modified_at",), ("created_by",), ("memberships",),
        ("memberships", 0), ("memberships", 0, "section"), ("memberships", 0, "section", "name"),
        ("tags",), ("tags", 0), ("completed",), ("actual_time_minutes",), ("permalink_url",),
        ("assignee",),
    ]] + [("story", p) for p in [
        ("gid",), ("created_at",), ("created_by",), ("resource_subtype",), ("text",),
        ("type",), ("new_section",), ("old_section",), ("new_section", "name"),
    ]] + [("entry", p) for p in [
        ("duration_minutes",), ("entered_on",), ("gid",), ("created_by",),
    ]],
}

texts = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=30)
odd_texts = st.one_of(
    texts,
    st.sampled_from([
        "", " ", "\n\n", "<script>alert(1)</script>", "**bold** _it_ [link](http://x)",
        "{round} {title} {0} {__class__}", "%s %d", "\u202eevil\u202c", "\x00nul", "🙂" * 40,
        "line one\n\nrb-0123456789", "title\r\nrb-ffffffffff", "h" * 20_000,
        "Ω≈ç√∫˜µ≤≥÷", "｀ｨ｀ﾟ'", "''; DROP TABLE outbox; --",
    ]),
)
values = st.one_of(
    st.just(DELETE), st.none(), st.sampled_from(["", "not a date", "2026-13-45T99:99:99Z"]),
    st.integers(-(2**63), 2**63), st.booleans(), st.just([]), st.just({}), st.just([None]),
    st.just({"id": None}), odd_texts,
)


def _owned(tracker: str, victim: str, url: str, kind: str, node: dict[str, Any]) -> bool:
    """Whether ``node`` is an object of ``kind`` belonging to ticket ``victim``."""
    if tracker == "jira":
        return str(node.get("id")) == victim and "fields" in node
    if tracker == "trello":
        if kind == "card":
            return node.get("id") == victim and "idList" in node
        data = node.get("data")
        card = data.get("card") if isinstance(data, dict) else None
        return "type" in node and isinstance(card, dict) and card.get("id") == victim
    if kind == "task":
        return node.get("gid") == victim and "modified_at" in node
    listing = {"story": "stories", "entry": "time_tracking_entries"}[kind]
    return url.endswith(f"/tasks/{victim}/{listing}") and "created_by" in node


def _wrong_type(value: Any) -> Any:
    if isinstance(value, str):
        return 5
    if isinstance(value, bool | int | float) or value is None:
        return "x"
    return [None] if isinstance(value, dict) else {"id": None}


def _apply(node: Any, path: tuple[Any, ...], value: Any) -> bool:
    """Corrupt ``node`` at ``path``; whether that changed what is served (False: no such path
    in ``node``, or ``value`` already there)."""
    *parents, last = path
    for step in parents:
        if isinstance(step, int):
            if not isinstance(node, list) or len(node) <= step:
                return False
        elif not isinstance(node, dict) or step not in node:
            return False
        node = node[step]
    if isinstance(last, int) and not (isinstance(node, list) and len(node) > last):
        return False
    if isinstance(last, str) and not (isinstance(node, dict) and last in node):
        return False
    old = node[last]
    if value is DELETE:
        del node[last]
        return True
    new = _wrong_type(old) if value is WRONG_TYPE else value
    node[last] = new
    return type(new) is not type(old) or bool(new != old)


class Corrupter:
    """Rewrites the fake's GET answers: ``path`` corrupted in every object of ``kind`` that
    belongs to ticket ``victim``. ``applied`` counts the corruptions that changed something."""

    def __init__(self, tracker: str, victim: str, kind: str, path: tuple[Any, ...],
                 value: Any) -> None:
        self.tracker, self.victim, self.kind = tracker, victim, kind
        self.path, self.value = path, value
        self.applied = 0
        self._lock = threading.Lock()

    def _walk(self, url: str, node: Any) -> Iterator[dict[str, Any]]:
        if isinstance(node, dict):
            if _owned(self.tracker, self.victim, url, self.kind, node):
                yield node
            for child in list(node.values()):
                yield from self._walk(url, child)
        elif isinstance(node, list):
            for child in node:
                yield from self._walk(url, child)

    def __call__(self, method: str, url: str, body: Any) -> Any:
        if method == "GET":
            changed = sum(_apply(node, self.path, self.value)
                          for node in list(self._walk(url, body)))
            with self._lock:
                self.applied += changed
        return body


def body_pattern(template: str) -> re.Pattern[str]:
    """A posted comment made from ``template``: its text on one line, a blank line, the marker."""
    parts = []
    for literal, name, _, _ in string.Formatter().parse(template):
        parts.append(re.escape(literal))
        if name is not None:
            parts.append((ONE_LINE if name in ("title", "ticket", "requester")
                          else TEXT_ONLY).pattern)
    return re.compile("".join(parts) + r"\n\nrb-[0-9a-f]{10}")


PATTERNS = {kind: body_pattern(TEMPLATES.get(kind, DEFAULT_TEXTS["en"][kind]))
            for kind in DEFAULT_TEXTS["en"]}


@pytest.fixture(scope="module",
                params=["sqlite", pytest.param("pg", marks=pytest.mark.postgres)])
def shared_store(request: pytest.FixtureRequest,
                 tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Store, Path]]:
    """One store for the module's many clients: on SQLite, then on PostgreSQL."""
    folder = tmp_path_factory.mktemp("bad-records")
    SHARED_FOLDERS.append(folder)
    if request.param == "pg":
        if not os.environ.get(PG_ENV):
            pytest.skip(f"{PG_ENV} is not set")
        with pg_schema_url("rb_rel") as url:
            store = Store.open(url)
            yield store, folder
            store.close()
        return
    store = Store.open(f"sqlite:///{folder / 'store.db'}")
    yield store, folder
    store.close()


SLUGS = itertools.count(1)


def sync_with_a_bad_record(tracker: str, shared: tuple[Store, Path], kind: str,
                           path: tuple[Any, ...], value: Any, *, victim_index: int = 0,
                           draw: Callable[[st.SearchStrategy[Any], str], Any] | None = None,
                           dress_victim: bool = True) -> int:
    """Seed four requests (texts drawn by ``draw``, else plain), corrupt what the fake serves
    of one of them, sync, and check the outcome, the store and every comment posted. Returns
    how many corruptions changed what was served.

    Odd requests carry a label; ``dress_victim`` gives the victim one too (and, on Asana, an
    assignee), so that every path of ``TARGETS`` is there to corrupt."""
    store, folder = shared
    pick = draw or (lambda strategy, label: f"plain {label}")
    fake = new_fake(tracker)
    try:
        people = add_people(fake)
        fake.add_person(pick(odd_texts, "person name") or "x")
        at = datetime.now(UTC) - timedelta(days=3)
        tickets = []
        for n in range(4):
            t = fake.create_ticket(pick(odd_texts, "title"), people.client,
                                   labels=(("round-1",) if n % 2 or (dress_victim and
                                                                   n == victim_index) else ()),
                                   at=at + timedelta(minutes=n))
            fake.move(t, "In Progress", people.team, at=at + timedelta(minutes=n, seconds=10))
            fake.add_comment(t, pick(odd_texts, "comment"), people.client,
                             at=at + timedelta(minutes=n, seconds=20))
            fake.log_time(t, 1800, people.team, at=at + timedelta(minutes=n, seconds=30))
            tickets.append(t)
        victim = tickets[victim_index]
        if dress_victim and isinstance(fake, FakeAsana):
            fake.assign(victim, people.team, people.client, at=at + timedelta(minutes=5))
        corrupter = Corrupter(tracker, victim, kind, path, value)
        fake.rewrites.append(corrupter)
        table = client_table(tracker, fake, f"bad{next(SLUGS)}", people)
        table["comments"]["texts"] = TEMPLATES
        config = load_world_config(folder / "clients", table)

        summary = sync_client(config, store, SyncOptions(policy=policy()))

        assert summary.outcome == "ok", summary.error
        stored = {t.remote_id for t in store.load_records(config.client).tickets}
        assert set(tickets) - {victim} <= stored
        skipped = [line.split(":", 1)[0] for line in summary.skipped]
        assert victim in stored or victim in skipped or "?" in skipped
        run = store.last_run(config.client)
        assert run is not None and run.counts["skipped"] == len(summary.skipped)
        rows = {(r.ticket_id, r.marker): r for r in store.outbox(config.client)}
        for request in fake.requests_to(method="POST"):
            body = _posted_text(tracker, request.json(), request.query)
            marker = find_marker(body)
            assert marker, f"no marker at the end: {body!r}"
            row = rows[(_posted_ticket(tracker, request.path), marker)]
            assert body == row.body and row.state == "posted"
            assert PATTERNS[row.kind].fullmatch(body), body
        return corrupter.applied
    finally:
        fake.stop()


@pytest.mark.parametrize(("tracker", "kind", "path"), [
    pytest.param(tracker, kind, path, id=f"{tracker}-{kind}-{'.'.join(map(str, path))}")
    for tracker in TRACKERS for kind, path in TARGETS[tracker]])
def test_every_field_missing_null_or_of_the_wrong_type(
        tracker: str, kind: str, path: tuple[Any, ...], shared_store: tuple[Store, Path]) -> None:
    for value, name in ((DELETE, "deleted"), (None, "null"), (WRONG_TYPE, "wrong type")):
        applied = sync_with_a_bad_record(tracker, shared_store, kind, path, value)
        assert applied, f"{name}: nothing served at {path} was changed, nothing was tested"


@pytest.mark.parametrize("tracker", TRACKERS)
@settings(max_examples=30, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_odd_texts_and_any_bad_value(tracker: str, data: st.DataObject,
                                     shared_store: tuple[Store, Path]) -> None:
    kind, path = data.draw(st.sampled_from(TARGETS[tracker]), "target")
    sync_with_a_bad_record(tracker, shared_store, kind, path, data.draw(values, "value"),
                           victim_index=data.draw(st.integers(0, 3), "victim"),
                           draw=data.draw,
                           dress_victim=data.draw(st.booleans(), "victim labelled, assigned"))


def _posted_text(tracker: str, payload: Any, query: dict[str, list[str]]) -> str:
    if tracker == "jira":
        return str(payload["body"])
    if tracker == "trello":
        return query["text"][-1] if "text" in query else str(payload["text"])
    return str(payload["data"]["text"])


def _posted_ticket(tracker: str, path: str) -> str:
    parts = path.strip("/").split("/")  # .../issue/ID/comment, cards/ID/actions/comments
    return parts[-3] if tracker == "trello" else parts[-2]
