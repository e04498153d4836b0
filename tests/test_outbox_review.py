"""The outbox for review, on SQLite and PostgreSQL: skipped notices, late texts rewritten,
edits (marker kept, refused when posted or marker-like), held counts, the first sync."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bridge.present.notices import find_marker, notices_for
from bridge.store import Store
from bridge.sync.outbox import approve, edit, queue_notices, refresh_overdue
from connectors.errors import ConfigError
from tests.ledger_builders import at, config, ledger, ticket

TICKETS = [ticket("1", at(2, 10)), ticket("2", at(4, 10)), ticket("3", at(9, 10))]
LIVE = {"1", "2", "3"}


def test_notices_before_since_are_skipped_and_released_only_by_id(store: Store) -> None:
    cfg = config(comments={"mode": "review"})
    found = ledger(TICKETS, now=at(9, 11))
    rows = queue_notices(store, cfg, notices_for(found, cfg), LIVE, since=at(4, 10))
    assert [(r.ticket_id, r.state) for r in rows] == [
        ("1", "skipped"), ("2", "held"), ("3", "held")]  # at == since: not before it
    assert store.held_counts() == {"acme": 2}
    assert store.held_counts(["other"]) == {}
    assert approve(store, "acme") == 2  # every held one, no skipped one
    assert {r.state for r in store.outbox("acme")} == {"skipped", "pending"}
    assert store.held_counts() == {}
    skipped = rows[0].id
    assert skipped is not None
    assert approve(store, "acme", [skipped]) == 1
    assert {r.state for r in store.outbox("acme")} == {"pending"}


def test_a_waiting_text_that_became_late_is_rewritten_unless_edited(store: Store) -> None:
    cfg = config(comments={"mode": "review"})
    fresh = [ticket("1", at(9, 10)), ticket("2", at(9, 11)), ticket("3", at(9, 12))]
    early = ledger(fresh, now=at(9, 13))
    rows = queue_notices(store, cfg, notices_for(early, cfg), LIVE)
    assert all("We will handle it by" in r.body for r in rows)
    first, second, third = (r.id for r in rows)
    assert first is not None and second is not None and third is not None
    edit(store, "acme", second, "Noted, {due} as agreed.")
    # a week later: 1, 2 and 3 are all past due (2 business days)
    late = ledger(fresh, now=at(9, 13) + timedelta(days=7))
    assert refresh_overdue(store, cfg, late) == 2
    bodies = {r.id: r.body for r in store.outbox("acme")}
    assert "It is being handled." in bodies[first] and "2026" not in bodies[first]
    assert bodies[second].startswith("Noted, {due} as agreed.\n\n")  # the freelancer's words
    assert find_marker(bodies[first]) == rows[0].marker
    assert find_marker(bodies[second]) == rows[1].marker
    assert refresh_overdue(store, cfg, late) == 0  # written once


def test_edit_refuses_posted_notices_marker_lookalikes_and_empty_texts(store: Store) -> None:
    cfg = config()
    rows = queue_notices(store, cfg, notices_for(ledger(TICKETS, now=at(9, 11)), cfg), LIVE)
    posted, other = rows[0].id, rows[1].id
    assert posted is not None and other is not None
    store.update_notice(posted, state="posted", remote_comment_id="c1")
    with pytest.raises(ConfigError, match="is posted, so its text cannot be changed: it is on "
                                          "the tracker already"):
        edit(store, "acme", posted, "new words")
    for text in ("See rb-0a1b2c3d4e", "RB-ABCDEF0123 done", "x\n\nrb-fe56fbdf31"):
        with pytest.raises(ConfigError, match="reads like a revbridge marker"):
            edit(store, "acme", other, text)
    with pytest.raises(ConfigError, match="the new text is empty"):
        edit(store, "acme", other, "  \n ")
    with pytest.raises(ConfigError, match="no notice with id 999"):
        edit(store, "acme", 999, "hello")
    store.update_notice(other, state="discarded")
    with pytest.raises(ConfigError, match="discarded and will never be posted"):
        edit(store, "acme", other, "hello")
    assert [r.body for r in store.outbox("acme")] == [r.body for r in rows]


def test_the_first_sync_is_recorded_once(store: Store) -> None:
    assert store.first_synced_at("acme") is None
    assert store.record_first_sync("acme", at(2, 10)) == at(2, 10)
    assert store.record_first_sync("acme", at(3, 10)) == at(2, 10)
    assert store.first_synced_at("acme") == at(2, 10)
    assert store.first_synced_at("beta") is None


def test_notice_lines_name_the_ticket_by_key(store: Store) -> None:
    from connectors.base import TicketBundle

    cfg = config()
    store.save_bundles("acme", [TicketBundle(TICKETS[0], (), (), ())])
    queue_notices(store, cfg, notices_for(ledger(TICKETS[:2], now=at(9, 11)), cfg), LIVE)
    lines = store.notice_lines("acme")
    assert [(line.ticket, line.title, line.url) for line in lines] == [
        ("WEB-1", "Change 1", "https://acme.example/browse/WEB-1"), (None, None, None)]
    assert [line.ticket for line in store.notice_lines("acme", ids=[lines[1].id])] == [None]
