"""First contact, through the CLI: a project with history is not flooded, held and skipped
notices are visible, the quote's period, and a dry run that changes nothing."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlmodel import SQLModel

from bridge.cli.story import Story
from bridge.present.notices import find_marker
from bridge.store import Store
from connectors.testing.fakes import make_fake, tracker_table
from tests.e2e import TOKEN_ENV, World, story_world, write_client_file


@contextmanager
def history_world(tmp_path: Path, *, tickets: int = 50, db: str | None = None,
                  **sections: dict[str, Any]) -> Iterator[World]:
    """A Jira fake with ``tickets`` requests from the client over the last weeks, and a client
    file that sets no ``[comments] since`` (the defaults of a new user)."""
    fake = make_fake("jira")
    fake.start()
    try:
        story = Story(client=fake.add_person("Claire Dubois", "claire@acme.example"),
                      other=fake.add_person("Oscar Martin", "oscar@acme.example"),
                      team=fake.add_person("Tom Studio", "tom@studio.example"), bot=fake.bot_id)
        first = datetime.now(UTC) - timedelta(days=30)
        for n in range(tickets):
            story.tickets[f"old-{n}"] = fake.create_ticket(
                f"Old request {n}", story.client, at=first + timedelta(hours=12 * n))
        table = story.client_file(tracker_table("jira", fake, f"env:{TOKEN_ENV}"))
        assert "since" not in table["comments"]
        for section, values in sections.items():
            table[section] = {**table.get(section, {}), **values}
        write_client_file(tmp_path / "clients", table)
        yield World("jira", fake, story, tmp_path / "clients", db or f"sqlite:///{tmp_path}/rb.db")
    finally:
        fake.stop()


def sync_json(world: World, *args: str) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(world.cli("sync", "demo", "--json", *args).stdout)
    assert result["outcome"] == "ok", result
    return result


def outbox(world: World, *args: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = json.loads(
        world.cli("outbox", "list", "demo", "--json", *args).stdout)
    return rows


def test_a_first_sync_on_history_posts_nothing_and_a_later_request_gets_its_ack(
        tmp_path: Path) -> None:
    with history_world(tmp_path) as world:
        first = sync_json(world)
        assert first["requests"] == 50
        assert first["notices_posted"] == 0 and first["notices_skipped"] == 50
        assert world.notices_on_tracker() == []
        assert not world.fake.requests_to("/comment", method="POST")
        assert outbox(world) == []  # nothing waits
        every = outbox(world, "--all")
        assert len(every) == 50 and {n["state"] for n in every} == {"skipped"}
        assert {n["kind"] for n in every} == {"ack"}

        time.sleep(1.1)  # a request made after the first sync (trackers keep seconds)
        new = world.fake.create_ticket("A new request", world.story.client)
        world.story.tickets["new"] = new
        second = sync_json(world)
        assert second["notices_posted"] == 1 and second["notices_skipped"] == 0
        ((ticket, body),) = world.notices_on_tracker()
        assert ticket == new and "We will handle it by" in body

        # one old notice released on purpose, by id; approving all releases no skipped one
        assert "0 notice(s) approved" in world.cli("outbox", "approve", "demo").stdout
        chosen = every[3]
        world.cli("outbox", "approve", "demo", "--id", str(chosen["id"]))
        third = sync_json(world)
        assert third["notices_posted"] == 1
        posted = {t for t, _ in world.notices_on_tracker()}
        assert posted == {new, world.story.tickets["old-3"]}
        states = {n["id"]: n["state"] for n in outbox(world, "--all")}
        assert states[chosen["id"]] == "posted"
        assert sum(state == "skipped" for state in states.values()) == 49


def test_the_first_sync_output_says_what_was_skipped(tmp_path: Path) -> None:
    with history_world(tmp_path, tickets=3) as world:
        text = world.cli("sync", "demo").stdout
        assert ("demo: 3 notice(s) for requests made before [comments] since were recorded as "
                "skipped, not posted: revbridge outbox list demo --all") in " ".join(text.split())


def test_a_since_set_in_the_file_wins_over_the_first_sync(tmp_path: Path) -> None:
    middle = datetime.now(UTC) - timedelta(days=30) + timedelta(hours=12 * 45, minutes=1)
    with history_world(tmp_path, comments={"since": middle}) as world:
        first = sync_json(world)
        assert first["notices_posted"] == 4 and first["notices_skipped"] == 46
        on_tracker = {t for t, _ in world.notices_on_tracker()}
        assert on_tracker == {world.story.tickets[f"old-{n}"] for n in range(46, 50)}
        # and every ack written after its due moment promises no date in the past
        for _, body in world.notices_on_tracker():
            assert "It is being handled." in body and " by " not in body


def test_review_mode_names_held_notices_and_posts_the_edited_text_once(tmp_path: Path) -> None:
    with story_world("jira", tmp_path, comments={"mode": "review"}) as world:
        text = " ".join(world.cli("sync", "demo").stdout.split())
        held = outbox(world)
        assert len(held) == 6 and {n["state"] for n in held} == {"held"}
        assert f"demo: {len(held)} notice(s) held for review: revbridge outbox list demo" in text
        clients = " ".join(world.cli("clients").stdout.split())
        assert "demo: 6 notice(s) held for review: revbridge outbox list demo" in clients
        listed = json.loads(world.cli("clients", "--json").stdout)
        assert listed[0]["held"] == 6
        status = " ".join(world.cli("status", "demo", env={"COLUMNS": "200"}).stdout.split())
        assert "6 notice(s) held for review: revbridge outbox list demo" in status

        # the list names tickets by their key, never the remote id
        keys = {n["ticket"] for n in held}
        assert keys <= {"WEB-1", "WEB-2", "WEB-3", "WEB-4"}
        table = world.cli("outbox", "list", "demo").stdout
        assert "WEB-1" in table and world.story.tickets["logo"] not in table

        chosen = next(n for n in held if n["ticket"] == "WEB-2")
        edited = "Bien reçu, on s'en occupe cette semaine. {round} reste tel quel."
        world.cli("outbox", "edit", "demo", "--id", str(chosen["id"]), "--text", edited)
        refused = world.cli("outbox", "edit", "demo", "--id", str(chosen["id"]), "--text",
                            "Done rb-0123456789", check=False)
        assert refused.returncode == 2 and "reads like a revbridge marker" in refused.stderr
        world.cli("outbox", "approve", "demo", "--id", str(chosen["id"]))
        sync_json(world)
        footer = world.story.tickets["footer"]
        posted = [body for t, body in world.notices_on_tracker() if t == footer]
        assert len(posted) == 1
        assert posted[0] == f"{edited}\n\n{find_marker(chosen['text'])}"
        sync_json(world)
        assert [b for t, b in world.notices_on_tracker() if t == footer] == posted
        after = " ".join(world.cli("sync", "demo").stdout.split())
        assert "demo: 5 notice(s) held for review" in after

        # a posted notice is on the tracker: its text can no longer be changed
        gone = world.cli("outbox", "edit", "demo", "--id", str(chosen["id"]), "--text", "x",
                         check=False)
        assert gone.returncode == 2 and "is posted" in gone.stderr
        assert "on the tracker already" in gone.stderr


def test_outbox_edit_opens_the_editor_without_the_marker(tmp_path: Path) -> None:
    with story_world("jira", tmp_path, comments={"mode": "review"}) as world:
        world.cli("sync", "demo")
        chosen = outbox(world)[0]
        marker = find_marker(chosen["text"])
        assert marker is not None
        editor = tmp_path / "editor.py"
        seen = tmp_path / "seen.txt"
        editor.write_text(
            "import shutil, sys\n"
            f"shutil.copy(sys.argv[1], {str(seen)!r})\n"
            "open(sys.argv[1], 'w', encoding='utf-8').write('Merci, c\\'est noté.\\n')\n",
            encoding="utf-8")
        import sys
        world.cli("outbox", "edit", "demo", "--id", str(chosen["id"]),
                  env={"EDITOR": f"{sys.executable} {editor}", "VISUAL": ""})
        assert marker not in seen.read_text()
        assert seen.read_text().strip() == chosen["text"].removesuffix(marker).strip()
        (after,) = [n for n in outbox(world) if n["id"] == chosen["id"]]
        assert after["text"] == f"Merci, c'est noté.\n\n{marker}"
        assert after["edited_at"] is not None


def test_outbox_list_shows_an_untrusted_title_as_written(tmp_path: Path) -> None:
    with history_world(tmp_path, tickets=0, comments={"mode": "review"}) as world:
        world.cli("sync", "demo")  # the first sync: nothing yet
        time.sleep(1.1)
        world.fake.create_ticket("[bold red]Urgent[/] fix\x1b[2J it\x07", world.story.client)
        world.cli("sync", "demo")
        text = world.cli("outbox", "list", "demo", env={"COLUMNS": "200"}).stdout
        assert "\x1b" not in text and "\x07" not in text
        assert "[bold red]Urgent[/] fix" in text


@pytest.mark.parametrize("mode", ["auto", "review"])
def test_a_dry_run_then_a_sync_is_the_same_as_a_sync_alone(mode: str, tmp_path: Path) -> None:
    def comparable(summary: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in summary.items() if k not in ("started_at", "seconds")}

    with story_world("jira", tmp_path / "alone", comments={"mode": mode}) as alone:
        expected = comparable(sync_json(alone))
    with story_world("jira", tmp_path / "dry", comments={"mode": mode}) as world:
        dry = sync_json(world, "--dry-run")
        assert world.notices_on_tracker() == []
        real = comparable(sync_json(world))
    assert real == expected
    assert dry["tickets"] == real["tickets"] > 0
    assert len(dry["would_post"]) == (real["notices_posted"] if mode == "auto" else 0)
    assert dry["notices_held"] == real["notices_held"]


def dump(store: Store) -> dict[str, list[tuple[Any, ...]]]:
    with store.session() as s:
        return {table.name: sorted(map(tuple, s.execute(select(table))), key=repr)
                for table in SQLModel.metadata.sorted_tables}


def test_a_dry_run_leaves_the_store_exactly_as_it_found_it(store_url: str,
                                                           tmp_path: Path) -> None:
    with story_world("jira", tmp_path) as world:
        world.db = store_url
        sync_json(world)
        world.fake.create_ticket("Another request", world.story.client)
        world.fake.add_comment(world.story.tickets["logo"], "and one more thing",
                               world.story.client)
        with Store.open(store_url) as store:
            before = dump(store)
        dry = sync_json(world, "--dry-run", "--full")
        assert dry["tickets"] > 0 and len(dry["would_post"]) == 1
        assert dry["would_post"][0]["key"] == "WEB-6"
        with Store.open(store_url) as store:
            assert dump(store) == before
        real = sync_json(world)
        assert real["tickets"] > 0 and real["notices_posted"] == 1


def test_a_quote_period_splits_one_project_between_two_client_files(tmp_path: Path) -> None:
    fake = make_fake("jira")
    fake.start()
    try:
        client = fake.add_person("Claire Dubois", "claire@acme.example")
        team = fake.add_person("Tom Studio", "tom@studio.example")
        story = Story(client=client, other=client, team=team, bot=fake.bot_id)
        day0 = (datetime.now(UTC) - timedelta(days=40)).replace(hour=10, minute=0, second=0,
                                                                 microsecond=0)
        first = [fake.create_ticket(f"First quote {n}", client, at=day0 + timedelta(days=n))
                 for n in range(3)]
        second = [fake.create_ticket(f"Second quote {n}", client,
                                     at=day0 + timedelta(days=20 + n)) for n in range(2)]
        # work logged in the second period on a request of the first stays with its request
        fake.log_time(first[0], 3600, team, at=day0 + timedelta(days=21))
        fake.log_time(second[0], 7200, team, at=day0 + timedelta(days=21))
        end = (day0 + timedelta(days=10)).date()
        tracker = tracker_table("jira", fake, f"env:{TOKEN_ENV}")
        since = {"since": day0 - timedelta(days=1)}
        old = story.client_file(tracker, slug="acme-2026")
        old["quote"] |= {"reference": "DEV-1", "end": end}
        old["comments"] |= since
        new = story.client_file(tracker, slug="acme-2027")
        new["quote"] |= {"reference": "DEV-2", "start": end + timedelta(days=1)}
        new["comments"] |= since
        folder = tmp_path / "clients"
        write_client_file(folder, old, slug="acme-2026")
        write_client_file(folder, new, slug="acme-2027")
        world = World("jira", fake, story, folder, f"sqlite:///{tmp_path}/rb.db")
        checked = world.cli("config", "check")
        assert checked.stdout.count("OK ") == 2
        world.cli("sync", "--all")
        statuses = {s["client"]: s for s in json.loads(world.cli("status", "--json").stdout)}
        listed = {slug: sorted(r["remote_id"] for r in s["requests"])
                  for slug, s in statuses.items()}
        assert listed == {"acme-2026": sorted(first), "acme-2027": sorted(second)}
        assert statuses["acme-2026"]["hours_spent"] == 1.0
        assert statuses["acme-2027"]["hours_spent"] == 2.0
        # each request got its notice from the one quote it belongs to
        for ticket in first + second:
            bodies = [b for _, b in fake.comment_bodies(ticket) if find_marker(b)]
            quote = "DEV-1" if ticket in first else "DEV-2"
            assert len(bodies) == 1 and f"quote {quote}" in bodies[0]
        text = world.cli("status", "acme-2027", env={"COLUMNS": "200"}).stdout
        assert f"requests from {end + timedelta(days=1)}" in text
    finally:
        fake.stop()
