"""Poison records: what the store cannot hold or the engine cannot trust never stops a client.

A lone surrogate in a title (UTF-8 cannot encode it), a NUL in a comment (PostgreSQL text
refuses it), a worklog of ``1e23`` seconds (overflows SQLite's integer) or of minus a thousand
hours: each record is cleaned or left out and reported, the rest of the page is saved, the
cursor moves on, and a request filed afterwards is pulled by the next sync. An answer nested
deeper than any parser goes: its record is read alone, reported and skipped (the run fails
cleanly, the reason in ``runs.error``, only when not even the ids can be read). On SQLite and on
PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from bridge.store import Store
from connectors.testing.fakes.base import Fault
from tests.reliability.worlds import TRACKERS, World, world

SMALL = {"team_tickets": 4, "requests": 4, "chatty_every": 100}
Rewrite = Callable[[str, str, Any], Any]


@pytest.fixture
def opened(store_url: str) -> Iterator[Store]:
    store = Store.open(store_url)
    yield store
    store.close()


def _issues(body: Any) -> list[dict[str, Any]]:
    """Jira issues in a search answer, or the issue itself."""
    if isinstance(body, dict) and isinstance(body.get("issues"), list):
        return [i for i in body["issues"] if isinstance(i, dict)]
    return [body] if isinstance(body, dict) and "fields" in body else []


def on_issue(victim: str, change: Callable[[dict[str, Any]], None]) -> Rewrite:
    """A rewrite of the fake's answers: ``change`` applied to issue ``victim``'s fields."""
    def rewrite(method: str, path: str, body: Any) -> Any:
        for issue in _issues(body):
            if str(issue.get("id")) == victim and isinstance(issue.get("fields"), dict):
                change(issue["fields"])
        return body
    return rewrite


def _set_title(text: str) -> Callable[[dict[str, Any]], None]:
    def change(fields: dict[str, Any]) -> None:
        fields["summary"] = text
    return change


def _set_comment(text: str) -> Callable[[dict[str, Any]], None]:
    def change(fields: dict[str, Any]) -> None:
        for comment in (fields.get("comment") or {}).get("comments") or []:
            comment["body"] = text
    return change


def _set_worklog(seconds: int) -> Callable[[dict[str, Any]], None]:
    def change(fields: dict[str, Any]) -> None:
        for log in (fields.get("worklog") or {}).get("worklogs") or []:
            log["timeSpentSeconds"] = seconds
    return change


def the_next_request_is_pulled(w: World) -> None:
    """The client keeps syncing: a request filed after the poison one is stored."""
    late = w.fake.create_ticket("Filed after the poison record", w.people.client)
    again = w.sync()
    assert again.outcome == "ok", again.error
    assert late in {t.remote_id for t in w.records().tickets}


@pytest.mark.parametrize(("case", "change", "stored"), [
    ("lone surrogate in a title", _set_title("broken \ud800 title"), "broken \ufffd title"),
    ("NUL in a title", _set_title("nul\x00title"), "nul\ufffdtitle"),
])
def test_unstorable_text_is_cleaned_and_the_page_goes_on(
        case: str, change: Callable[[dict[str, Any]], None], stored: str, opened: Store,
        tmp_path: Path) -> None:
    with world("jira", tmp_path, store=opened, **SMALL) as w:
        victim = w.requests[1]
        w.fake.rewrites.append(on_issue(victim, change))
        summary = w.sync()
        assert summary.outcome == "ok", summary.error
        tickets = {t.remote_id: t for t in w.records().tickets}
        assert set(w.tickets) <= set(tickets), "the rest of the page was not saved"
        assert tickets[victim].title == stored
        the_next_request_is_pulled(w)


def test_a_nul_in_a_comment_is_cleaned(opened: Store, tmp_path: Path) -> None:
    with world("jira", tmp_path, store=opened, **SMALL) as w:
        victim = w.requests[1]
        w.fake.rewrites.append(on_issue(victim, _set_comment("a \x00 b \ud83d")))
        summary = w.sync()
        assert summary.outcome == "ok", summary.error
        bodies = {c.body for c in w.store.load_records(w.client).comments
                  if c.ticket_id == victim}
        assert bodies == {"a \ufffd b \ufffd"}
        the_next_request_is_pulled(w)


@pytest.mark.parametrize("seconds", [10**23, 2**63 + 5, -3_600_000], ids=["1e23", "2^63", "neg"])
def test_an_unbelievable_worklog_is_left_out_and_reported(seconds: int, opened: Store,
                                                          tmp_path: Path) -> None:
    with world("jira", tmp_path, store=opened, **SMALL) as w:
        victim = w.requests[1]
        w.fake.rewrites.append(on_issue(victim, _set_worklog(seconds)))
        summary = w.sync()
        assert summary.outcome == "ok", summary.error
        assert [line for line in summary.skipped if line.startswith(f"{victim}:")], \
            summary.skipped
        run = w.store.last_run(w.client)
        assert run is not None and run.counts["skipped"] == len(summary.skipped)
        records = w.records()
        assert victim in {t.remote_id for t in records.tickets}  # the ticket itself is kept
        assert all(0 <= e.seconds < 10**9 for e in records.time_entries)
        assert not [e for e in records.time_entries if e.ticket_id == victim]
        the_next_request_is_pulled(w)


@pytest.mark.parametrize("tracker", TRACKERS)
def test_a_record_nested_too_deep_is_left_out_and_never_stalls_the_client(
        tracker: str, opened: Store, tmp_path: Path) -> None:
    """One record whose answer is nested 100,000 deep, on every answer that holds it: the
    listing page is read again record by record, that record is reported and skipped, every
    other one stored; the next syncs are not stuck on it and do not report it again."""
    with world(tracker, tmp_path, store=opened, **SMALL) as w:
        victim = w.requests[1]
        w.fake.inject(Fault("deeply-nested", times=10**6, victim=victim))
        summary = w.sync()
        assert summary.outcome == "ok", summary.error
        assert [line for line in summary.skipped if line.startswith(f"{victim}:")
                and "nested too deeply" in line], summary.skipped
        run = w.store.last_run(w.client)
        assert run is not None and run.counts["skipped"] == len(summary.skipped)
        stored = {t.remote_id for t in w.records().tickets}
        assert set(w.tickets) - {victim} <= stored, "the rest of the page was not saved"
        assert victim not in stored
        the_next_request_is_pulled(w)
        again = w.sync()
        assert again.outcome == "ok" and not [s for s in again.skipped if victim in s]


def test_a_listing_nested_too_deep_even_lean_fails_the_run_with_its_reason(
        opened: Store, tmp_path: Path) -> None:
    """When even the ids cannot be read (every answer nested), the run fails with the reason
    in ``runs.error``, no traceback; once the tracker answers sensibly, the client syncs."""
    with world("jira", tmp_path, store=opened, **SMALL) as w:
        def nested(method: str, path: str, body: Any) -> Any:
            if "search" in path:
                return b'{"issues": [' + b"[" * 100_000 + b"]" * 100_000 + b"]}"
            return body

        w.fake.rewrites.append(nested)
        summary = w.sync()
        assert summary.outcome == "failed"
        run = w.store.last_run(w.client)
        assert run is not None and run.error and "nested too deeply" in run.error
        w.fake.rewrites.remove(nested)
        the_next_request_is_pulled(w)
