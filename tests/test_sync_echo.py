"""Echo loop (NOTES §5): the bridge's own comments are never read back as client input, even
when the bridge runs on the same account as a team member (so no author check can help)."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest

import connectors
from bridge.store import Store
from bridge.store.derive import ledger_input
from tests.crash import without_last_sync
from tests.e2e import story_world, write_client_file
from tests.store_reads import bridge_comment_ids

#: templates that start a line with the ticket title, which the client wrote
TITLE_FIRST = {"ack": "{title}\nReceived: round {round}.",
               "extra": "{title}\nReceived, beyond the quote: round {round}."}


@pytest.mark.parametrize("tracker", connectors.names())
def test_bridge_comments_on_a_team_members_account_are_not_read_back(
    tracker: str, tmp_path: Path
) -> None:
    with story_world(tracker, tmp_path, comments={"texts": TITLE_FIRST}) as world:
        fake, story = world.fake, world.story
        bot = fake.bot_id
        # the bridge's token is the team member's own: contacts.team is that account alone
        path = world.config_dir / "demo.toml"
        table = tomllib.loads(path.read_text())
        table["contacts"]["team"] = [bot]
        write_client_file(world.config_dir, table)
        # a client request whose title reads like Trello's time command
        spent = fake.create_ticket("/spent 8h redoing the header?", story.client)
        # the team member's own comments, on the same account, still count
        fake.add_comment(spent, "Looking into it today.", bot)
        fake.add_comment(spent, "/spent 1h", bot)

        first = json.loads(world.cli("sync", "demo", "--json").stdout)
        assert first["outcome"] == "ok" and first["notices_posted"] >= 6
        before = world.status()
        second = json.loads(world.cli("sync", "demo", "--json").stdout)
        assert (second["new_requests"], second["notices_posted"]) == (0, 0), second
        after = world.status()
        assert without_last_sync(after) == without_last_sync(before)
        requests = {r["remote_id"]: r for r in after["requests"]}
        assert requests[spent]["hours"] == (1.0 if tracker == "trello" else 0.0)

        store = Store.open(world.db)
        try:
            records = store.load_records("demo")
            posted = bridge_comment_ids(store, "demo")
        finally:
            store.close()
        assert len(posted) == first["notices_posted"]
        read_back = {c.remote_id for c in records.comments} | {
            e.remote_id for e in records.time_entries}
        assert posted <= read_back, "the second sync pulled the bridge's comments back"
        engine_input = ledger_input(records, posted)
        assert not {e.remote_id for e in engine_input.time_entries} & posted
