"""Money and notices against trackers that behave like the real ones (issue 15): time with no
author is billed, an Asana entry counts at its moment, and a notice the tracker re-flowed is
still recognised after the store is lost."""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, inspect, text

import connectors
from bridge.clientfile.load import load_client
from bridge.clientfile.schema import ClientConfig, Comments
from bridge.engine.ledger import Ledger
from bridge.present.notices import find_marker
from bridge.store import Store
from bridge.store.db import sqlite_file
from bridge.store.derive import ledger_for
from bridge.sync.run import RunSummary, SyncOptions, sync_client
from connectors.errors import RevbridgeError
from connectors.testing import fast_policy
from connectors.testing.contract import T0
from connectors.testing.fakes import Fake, make_fake, tracker_table
from connectors.testing.fakes.base import Fault
from tests.e2e import TOKEN_ENV, World, story_world, write_client_file

TRACKERS = connectors.names()


def sync(config: ClientConfig, url: str) -> tuple[RunSummary, Ledger]:
    with Store.open(url) as store:
        summary = sync_client(config, store, SyncOptions(policy=fast_policy()))
        assert summary.outcome == "ok", summary.error
        return summary, ledger_for(store, config)


def failed_sync(config: ClientConfig, store: Store) -> RunSummary:
    """A sync expected to fail: what it did before it raised."""
    summary = RunSummary(client=config.client)
    with pytest.raises(RevbridgeError):
        sync_client(config, store, SyncOptions(policy=fast_policy()), summary=summary)
    assert summary.outcome == "failed"
    return summary


@pytest.fixture(autouse=True)
def _token(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    yield
    monkeypatch.delenv(TOKEN_ENV, raising=False)


def client_of(world: World, monkeypatch: pytest.MonkeyPatch,
              **changes: dict[str, Any]) -> ClientConfig:
    monkeypatch.setenv(TOKEN_ENV, world.fake.token)
    path = world.config_dir / "demo.toml"
    table = tomllib.loads(path.read_text())
    for section, values in changes.items():
        table[section] = {**table.get(section, {}), **values}
    write_client_file(world.config_dir, table)
    return load_client(path)


# -- the store is lost; the tracker re-flowed the bridge's comments ------------------------------
def lose(url: str) -> None:
    """Delete the database: the SQLite file (and its WAL), or every table on PostgreSQL."""
    path = sqlite_file(url.removeprefix("sqlite:///")) if url.startswith("sqlite") else None
    if path is not None:
        for leftover in path.parent.glob(path.name + "*"):
            leftover.unlink()
        return
    engine = create_engine(url)
    with engine.begin() as conn:
        for table in inspect(conn).get_table_names():
            conn.execute(text(f'DROP TABLE "{table}" CASCADE'))
    engine.dispose()


def reflow_markers(world: World) -> dict[str, str]:
    """Join every bridge comment's marker to the line before it, as a tracker or a person
    re-flowing the text does. Returns {comment id: marker}."""
    moved = {}
    for ticket in world.story.tickets.values():
        for comment_id, body in world.fake.comment_bodies(ticket):
            marker = find_marker(body)
            if marker is None:
                continue
            text = body.rstrip()[:-len(marker)].rstrip()
            world.fake.edit_comment(comment_id, f"{text} {marker}")
            moved[comment_id] = marker
    return moved


def comment_count(world: World) -> int:
    return sum(len(world.fake.comment_bodies(t)) for t in world.story.tickets.values())


@pytest.mark.parametrize("tracker", TRACKERS)
def test_after_a_store_loss_no_notice_is_posted_twice_even_once_re_flowed(
        tracker: str, store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with story_world(tracker, tmp_path) as world:
        first, _ = sync(client_of(world, monkeypatch), store_url)
        assert first.notices_posted >= 6
        lose(store_url)
        moved = reflow_markers(world)
        assert len(moved) == first.notices_posted
        assert all("\n" not in body.rstrip()[-15:]
                   for t in world.story.tickets.values()
                   for _, body in world.fake.comment_bodies(t))  # the marker is on the text line
        before = comment_count(world)
        # first contact's [comments] since, set long ago, must not be what holds notices back
        old_since = {"since": "2020-01-01T00:00:00Z"} if "since" in Comments.model_fields else {}
        second, _ = sync(client_of(world, monkeypatch, comments=old_since), store_url)
        assert comment_count(world) == before  # nothing posted again
        assert (second.notices_posted, second.notices_found_posted) == (0, first.notices_posted)
        with Store.open(store_url) as store:
            rows = store.outbox("demo")
        assert {row.state for row in rows} == {"posted"}
        assert {row.remote_comment_id: row.marker for row in rows} == moved


# -- Asana without time tracking: the task's total time has no author and is billed ------------
def test_time_with_no_author_is_billed_on_asana_without_time_tracking(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with story_world("asana", tmp_path / "entries") as tracked:
        _, with_entries = sync(client_of(tracked, monkeypatch), f"sqlite:///{tmp_path}/a.db")
    with story_world("asana", tmp_path / "totals") as world:
        world.fake.time_tracking = False  # type: ignore[attr-defined]  # answers 402
        _, ledger = sync(client_of(world, monkeypatch), f"sqlite:///{tmp_path}/b.db")
    # [contacts].team is set: still, every task's total time counts (7.5 h in the story)
    assert ledger.hours_spent == with_entries.hours_spent == 7.5
    entries = [e for r in ledger.requests for e in r.entries]
    assert entries and all(e.by is None and e.remote_id.endswith(":actual") for e in entries)
    # 7.5 h against 6 h included: the hourly overage is billed (its split over the rounds
    # follows the tasks' modified_at, so the amount may differ from the entries' one)
    assert ledger.overage.hours >= 1.5 and ledger.overage.amount >= 120


# -- Asana: an entry logged after a reopen on the same day goes to the reopen ------------------
def test_an_asana_entry_logged_after_a_same_day_reopen_is_billed_to_the_reopen(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake: Any = make_fake("asana")
    fake.start()
    try:
        client, team = fake.add_person("Claire Client"), fake.add_person("Tom Team")
        day = T0 + timedelta(days=1)  # Tuesday 3 November 2026, 09:00 UTC
        task = fake.create_ticket("Logo bigger", client, at=T0)
        fake.log_time(task, 3600, team, at=T0 + timedelta(hours=2))
        fake.move(task, "Done", team, at=T0 + timedelta(hours=3))
        fake.move(task, "To Do", client, at=day)  # the client reopens it at 09:00
        fake.log_time(task, 1800, team, at=day + timedelta(hours=1))  # logged 10:00 that day
        # logged on Thursday for Monday: Monday's work, before the reopen
        fake.log_time(task, 900, team, at=day + timedelta(days=2), day=T0.date())
        config = client_config(fake, team, tmp_path, monkeypatch)
        _, ledger = sync(config, f"sqlite:///{tmp_path}/rb.db")
    finally:
        fake.stop()
    new, reopen = ledger.requests
    assert (new.kind, reopen.kind) == ("new", "reopen")
    assert (new.seconds, reopen.seconds) == (3600 + 900, 1800)
    assert [r.seconds for r in ledger.rounds] == [4500, 1800]
    assert ledger.rounds[1].extra and ledger.overage.hours == 0.5  # the reopen's half hour


def client_config(fake: Fake, team: str, tmp_path: Path,
                  monkeypatch: pytest.MonkeyPatch) -> ClientConfig:
    monkeypatch.setenv(TOKEN_ENV, fake.token)
    path = write_client_file(tmp_path / "clients", {
        "client": "demo", "timezone": "Europe/Paris",
        "tracker": tracker_table("asana", fake, f"env:{TOKEN_ENV}"),
        "quote": {"reference": "Q-1", "rounds_included": 1, "hourly_rate": 80},
        "contacts": {"team": [team, fake.bot_id]},
        "comments": {"mode": "off"},
    })
    return load_client(path)


# -- the run's counters: what this run added to the ledger --------------------------------------
def test_new_requests_count_what_the_run_added_not_a_config_change(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"sqlite:///{tmp_path}/rb.db"
    with story_world("jira", tmp_path) as world:
        first, ledger = sync(client_of(world, monkeypatch), url)
        assert first.new_requests == first.requests == len(ledger.requests) == 5
        # the client file now leaves out the out-of-scope ticket: one request fewer, none new
        narrower = client_of(world, monkeypatch, scope={"excluded_labels": ["out-of-scope"]})
        second, _ = sync(narrower, url)
        assert (second.requests, second.new_requests) == (5, 0)
        fewer = client_of(world, monkeypatch, scope={"request_labels": ["urgent"]})
        third, _ = sync(fewer, url)
        assert (third.requests, third.new_requests) == (0, 0)
        # a request made on the tracker, and one reopened: two new ones
        client = client_of(world, monkeypatch, scope={"request_labels": []})
        made = world.fake.create_ticket("One more change", world.story.client)
        world.fake.move(world.story.tickets["footer"], "To Do", world.story.client)
        fourth, _ = sync(client, url)
        assert (fourth.requests, fourth.new_requests) == (7, 2)
        assert made in {r.remote_id for r in sync(client, url)[1].requests}
        with Store.open(url) as store:
            run = store.last_run("demo")
        assert run is not None and run.counts["new_requests"] == 0



def test_the_run_after_a_failed_one_does_not_count_its_requests_again(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"sqlite:///{tmp_path}/rb.db"
    with story_world("jira", tmp_path) as world:
        config = client_of(world, monkeypatch)
        first, _ = sync(config, url)
        assert first.new_requests == 5
        world.fake.create_ticket("One more change", world.story.client)
        # the tracker refuses every comment: the run pulls and derives, then fails posting
        world.fake.inject(Fault("500", method="POST", times=50))
        with Store.open(url) as store:
            failed = failed_sync(config, store)
        assert (failed.outcome, failed.new_requests) == ("failed", 1)
        world.fake.clear_faults()
        after, _ = sync(config, url)
        assert (after.requests, after.new_requests, after.notices_posted) == (6, 0, 1)


def test_a_run_stopped_by_ctrl_c_records_why(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"sqlite:///{tmp_path}/rb.db"
    with story_world("jira", tmp_path) as world:
        config = client_of(world, monkeypatch)

        def ctrl_c(pages: int, tickets: int) -> None:
            raise KeyboardInterrupt

        with Store.open(url) as store:
            with pytest.raises(KeyboardInterrupt):
                sync_client(config, store, SyncOptions(policy=fast_policy(), progress=ctrl_c))
            run = store.last_run("demo")
    assert run is not None and (run.outcome, run.error) == ("failed", "Interrupted: "
                                                            "KeyboardInterrupt")
    assert run.counts["pages"] == 1  # the page committed before the stop
