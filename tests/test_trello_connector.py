"""The Trello connector against the fake Trello: the shared contract plus Trello specifics."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import timedelta

import pytest

from connectors import get
from connectors.base import COMPLETED_STATUS
from connectors.errors import CredentialsRefused, RemoteFatalError, RemoteRetriableError
from connectors.testing import fast_policy
from connectors.testing.contract import T0, ConnectorContract, MakeConnector, connector_maker, drain
from connectors.testing.fakes.trello import FakeTrello, settings_for
from connectors.trello.connector import TrelloConnector, TrelloSettings
from connectors.trello.records import DEFAULT_SPENT_PATTERN, spent_seconds


@pytest.fixture
def fake() -> Iterator[FakeTrello]:
    server = FakeTrello()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def make_connector(fake: FakeTrello) -> MakeConnector:
    return connector_maker("trello", fake)


class TestTrelloContract(ConnectorContract):
    pass


@pytest.fixture
def team(fake: FakeTrello) -> dict[str, str]:
    return {"client": fake.add_person("Claire Client"), "team": fake.add_person("Tom Team")}


def test_registry_and_settings(fake: FakeTrello) -> None:
    assert get("trello") is TrelloConnector
    assert TrelloConnector.Settings is TrelloSettings
    settings = TrelloSettings.model_validate(settings_for(fake))
    assert settings.secret_fields == ("token",)
    assert TrelloSettings.model_validate(
        {"type": "trello", "board": "b", "api_key": "k", "token": "env:X"}
    ).api_url == "https://api.trello.com/1"
    with pytest.raises(ValueError, match="spent_pattern"):
        TrelloSettings.model_validate(settings_for(fake, spent_pattern="/spent ("))
    with pytest.raises(ValueError, match="group"):
        TrelloSettings.model_validate(settings_for(fake, spent_pattern="/spent"))


@pytest.mark.parametrize(("text", "seconds"), [
    ("/spent 1h30", 5400), ("/spent 2h", 7200), ("/spent 45m", 2700), ("/spent 1.5h", 5400),
    ("/spent 1,25h", 4500), ("/spent 1h 15m", 4500), ("done.\n/spent 90m\nthanks", 5400),
    ("I spent 2h on it", None), ("/spent soon", None), ("/spentx 2h", None),
])
def test_spent_pattern_default(text: str, seconds: int | None) -> None:
    assert spent_seconds(text, re.compile(DEFAULT_SPENT_PATTERN)) == seconds


def test_custom_spent_pattern(fake: FakeTrello, make_connector: MakeConnector,
                              team: dict[str, str]) -> None:
    card = fake.create_ticket("Custom", team["client"], at=T0)
    fake.add_comment(card, "temps: 2h", team["team"], at=T0 + timedelta(minutes=1))
    fake.log_time(card, 600, team["team"], at=T0 + timedelta(minutes=2))
    connector = make_connector(spent_pattern=r"(?m)^temps:\s*(\S+)")
    bundle = drain(connector.pull(None))[0][card]
    assert [t.seconds for t in bundle.time_entries] == [7200]
    assert [c.body for c in bundle.comments] == ["/spent 10m"]


def test_ticket_fields_archive_and_reopen(fake: FakeTrello, make_connector: MakeConnector,
                                          team: dict[str, str]) -> None:
    card = fake.create_ticket("Hero", team["client"], labels=("round-1",), at=T0)
    fake.move(card, "In Review", team["team"], at=T0 + timedelta(hours=1))
    fake.archive(card, team["team"], at=T0 + timedelta(hours=2))
    fake.archive(card, team["client"], closed=False, at=T0 + timedelta(hours=3))
    fake.archive(card, team["team"], at=T0 + timedelta(hours=4))
    bundle = drain(make_connector().pull(None))[0][card]
    ticket = bundle.ticket
    assert (ticket.key, ticket.status, ticket.labels) == (card, COMPLETED_STATUS, ("round-1",))
    assert ticket.url == f"https://trello.com/c/{card[-8:]}"
    assert ticket.updated_at == T0 + timedelta(hours=4)
    assert [(c.from_status, c.to_status, c.by.remote_id) for c in bundle.changes] == [
        ("To Do", "In Review", team["team"]),
        ("In Review", COMPLETED_STATUS, team["team"]),
        (COMPLETED_STATUS, "In Review", team["client"]),
        ("In Review", COMPLETED_STATUS, team["team"])]


def test_renamed_list_uses_the_current_name(fake: FakeTrello, make_connector: MakeConnector,
                                            team: dict[str, str]) -> None:
    card = fake.create_ticket("Renamed", team["client"], at=T0)
    fake.move(card, "In Review", team["team"], at=T0 + timedelta(hours=1))
    fake.rename_list("In Review", "Client Review")
    bundle = drain(make_connector().pull(None))[0][card]
    assert bundle.ticket.status == "Client Review"
    assert [c.to_status for c in bundle.changes] == ["Client Review"]


def test_edited_and_deleted_comments_update_comments_and_time(
        fake: FakeTrello, make_connector: MakeConnector, team: dict[str, str]) -> None:
    card = fake.create_ticket("Edits", team["client"], at=T0)
    note = fake.add_comment(card, "first words", team["client"], at=T0 + timedelta(minutes=1))
    spent = fake.log_time(card, 3600, team["team"], at=T0 + timedelta(minutes=2))
    gone = fake.add_comment(card, "oops", team["client"], at=T0 + timedelta(minutes=3))
    connector = make_connector()
    _, cursor, _ = drain(connector.pull(None))
    fake.edit_comment(note, "second words", at=T0 + timedelta(hours=1))
    fake.edit_comment(spent, "/spent 2h30", at=T0 + timedelta(hours=1, minutes=1))
    fake.delete_comment(gone, at=T0 + timedelta(hours=1, minutes=2))
    changed, _, _ = drain(connector.pull(cursor))
    bundle = changed[card]
    assert [(c.remote_id, c.body) for c in bundle.comments] == [(note, "second words")]
    assert [(t.remote_id, t.seconds) for t in bundle.time_entries] == [(spent, 9000)]


def test_no_change_incremental_pull_makes_one_request(
        fake: FakeTrello, make_connector: MakeConnector, team: dict[str, str]) -> None:
    for i in range(5):
        fake.create_ticket(f"Card {i}", team["client"], at=T0 + timedelta(minutes=i))
    connector = make_connector()
    _, cursor, _ = drain(connector.pull(None))
    before = connector.requests_made
    pages = list(connector.pull(cursor))
    assert connector.requests_made - before == 1
    assert [p.bundles for p in pages] == [()]
    assert pages[-1].next_cursor == cursor


def test_full_pull_request_count_and_action_paging(
        fake: FakeTrello, make_connector: MakeConnector, team: dict[str, str]) -> None:
    card = fake.create_ticket("Busy", team["client"], at=T0)
    for i in range(2100):
        fake.add_comment(card, f"note {i}", team["client"], at=T0 + timedelta(seconds=i + 1))
    other = fake.create_ticket("Quiet", team["team"], at=T0 + timedelta(hours=2))
    connector = make_connector()
    bundles, _, _ = drain(connector.pull(None))
    assert len(bundles[card].comments) == 2100
    assert bundles[other].ticket.requester.remote_id == team["team"]
    # 3 action pages (2102 actions), lists, cards (their labels come with them)
    assert connector.requests_made == 5
    pages = fake.requests_to("/actions")
    assert [p.query.get("before") is not None for p in pages] == [False, True, True]


def test_incremental_rereads_each_touched_card_once(
        fake: FakeTrello, make_connector: MakeConnector, team: dict[str, str]) -> None:
    cards = [fake.create_ticket(f"C{i}", team["client"], at=T0 + timedelta(minutes=i))
             for i in range(10)]
    connector = make_connector()
    _, cursor, _ = drain(connector.pull(None))
    fake.move(cards[1], "In Progress", team["team"], at=T0 + timedelta(hours=1))
    fake.add_comment(cards[1], "go", team["client"], at=T0 + timedelta(hours=1, minutes=1))
    fake.add_comment(cards[2], "hi", team["client"], at=T0 + timedelta(hours=1, minutes=2))
    fake.log.clear()
    changed, cursor2, _ = drain(connector.pull(cursor))
    assert set(changed) == {cards[1], cards[2]}
    assert changed[cards[1]].ticket.status == "In Progress"
    assert changed[cards[1]].ticket.requester.remote_id == team["client"]
    assert sorted(r.path.split("/")[2] for r in fake.log) == ["boards", "boards", "cards",
                                                              "cards"]
    assert json.loads(cursor2 or "")["since"] > json.loads(cursor or "")["since"]


def test_many_touched_cards_reread_the_board_instead(
        fake: FakeTrello, make_connector: MakeConnector, team: dict[str, str]) -> None:
    cards = [fake.create_ticket(f"C{i}", team["client"], at=T0 + timedelta(seconds=i))
             for i in range(30)]
    connector = make_connector()
    _, cursor, _ = drain(connector.pull(None))
    for i, card in enumerate(cards):
        fake.move(card, "Done", team["team"], at=T0 + timedelta(hours=1, seconds=i))
    fake.log.clear()
    changed, _, _ = drain(connector.pull(cursor))
    assert set(changed) == set(cards)
    assert all(b.ticket.status == "Done" for b in changed.values())
    assert len(fake.log) == 4  # actions since, lists, all actions, all cards
    assert not fake.requests_to("/1/cards/")


def test_deleted_card_is_skipped_in_incremental_and_gone_from_list_ids(
        fake: FakeTrello, make_connector: MakeConnector, team: dict[str, str]) -> None:
    keep = fake.create_ticket("Keep", team["client"], at=T0)
    drop = fake.create_ticket("Drop", team["client"], at=T0)
    connector = make_connector()
    _, cursor, _ = drain(connector.pull(None))
    fake.add_comment(drop, "last words", team["client"], at=T0 + timedelta(hours=1))
    fake.add_comment(keep, "still here", team["client"], at=T0 + timedelta(hours=1))
    fake.delete_ticket(drop, at=T0 + timedelta(hours=2))
    changed, _, pages = drain(connector.pull(cursor))
    assert set(changed) == {keep}
    assert not [s for p in pages for s in p.skipped]
    assert connector.list_ids() == {keep}


def test_archived_cards_are_pulled_and_listed(
        fake: FakeTrello, make_connector: MakeConnector, team: dict[str, str]) -> None:
    card = fake.create_ticket("Archived", team["client"], at=T0)
    fake.archive(card, team["team"], at=T0 + timedelta(hours=1))
    connector = make_connector()
    assert drain(connector.pull(None))[0][card].ticket.status == COMPLETED_STATUS
    assert card in connector.list_ids()


def test_whoami_is_cached(fake: FakeTrello, make_connector: MakeConnector) -> None:
    connector = make_connector()
    assert connector.whoami() == connector.whoami()
    assert len(fake.requests_to("/1/members/me")) == 1


def test_query_key_token_auth_and_no_secret_in_errors(
        fake: FakeTrello, make_connector: MakeConnector) -> None:
    make_connector().whoami()
    sent = fake.requests_to("/1/members/me")[0]
    assert sent.query["key"] == [fake.key] and sent.query["token"] == [fake.token]
    assert "Authorization" not in sent.headers
    with pytest.raises(CredentialsRefused) as refused:
        make_connector(api_key="wrong-key").whoami()
    assert fake.log[-1].response_body == b"invalid key"
    assert fake.token not in str(refused.value) and refused.value.__cause__ is None


def test_unknown_board_is_fatal(make_connector: MakeConnector) -> None:
    with pytest.raises(RemoteFatalError) as err:
        drain(make_connector(board="0" * 24).pull(None))
    assert err.value.status == 404 and not isinstance(err.value, CredentialsRefused)


def test_trello_429_without_retry_after_is_retried_then_retriable(
        fake: FakeTrello, make_connector: MakeConnector, team: dict[str, str]) -> None:
    fake.create_ticket("x", team["client"], at=T0)
    waits: list[float] = []
    policy = fast_policy(timeout=1.0, rate_limited_wait=10.0, sleep=waits.append,
                         max_total_wait=100.0)
    fake.limiter.limits = type(fake.limiter.limits)(per_token=(0, 10.0))
    with pytest.raises(RemoteRetriableError) as err:
        drain(make_connector(policy=policy).pull(None))
    assert err.value.status == 429
    assert waits and all(w >= 10.0 for w in waits)
    body = json.loads(fake.log[-1].response_body)
    assert body["error"] == "API_TOKEN_LIMIT_EXCEEDED"
    assert "Retry-After" not in fake.log[-1].response_headers


def test_garbage_cursor_falls_back_to_a_full_pull(
        fake: FakeTrello, make_connector: MakeConnector, team: dict[str, str]) -> None:
    card = fake.create_ticket("x", team["client"], at=T0)
    assert card in drain(make_connector().pull("not json"))[0]


def test_incremental_pages_a_long_card_history(
        fake: FakeTrello, make_connector: MakeConnector, team: dict[str, str]) -> None:
    card = fake.create_ticket("Chatty", team["client"], at=T0)
    for i in range(1100):
        fake.add_comment(card, f"c{i}", team["client"], at=T0 + timedelta(seconds=i + 1))
    connector = make_connector()
    _, cursor, _ = drain(connector.pull(None))
    fake.move(card, "Done", team["team"], at=T0 + timedelta(hours=2))
    before = connector.requests_made
    bundle = drain(connector.pull(cursor))[0][card]
    # actions since, lists, the card with 1000 nested actions, the rest of its actions
    assert connector.requests_made - before == 4
    assert len(bundle.comments) == 1100
    assert bundle.ticket.requester.remote_id == team["client"]
    assert [c.to_status for c in bundle.changes] == ["Done"]


def test_describe_knows_the_board_by_its_short_link(
    fake: FakeTrello, make_connector: MakeConnector
) -> None:
    found = make_connector(board=fake.board_id[-8:]).describe()
    assert found.project is not None and found.project.key == fake.board_id
    assert found.me.username == "revisionbridge" and found.me.email is None
    assert [s.name for s in found.statuses] == ["To Do", "In Progress", "In Review", "Done"]


# -- priorities (labels) ------------------------------------------------------------------------
def test_a_priority_label_replaces_the_other_and_shows_on_the_board(
    fake: FakeTrello, make_connector: MakeConnector, team: dict[str, str]
) -> None:
    card = fake.create_ticket("Site down", team["client"], labels=("round-1",), at=T0)
    fake.set_priority(card, "High", at=T0 + timedelta(minutes=1))
    fake.set_priority(card, "Urgent", at=T0 + timedelta(minutes=2), by=team["client"])
    fake.set_priority(card, "Bloquant", at=T0 + timedelta(minutes=3))  # a new priority label
    connector = make_connector()
    bundles, _, _ = drain(connector.pull(None))
    assert bundles[card].ticket.labels == ("round-1", "Bloquant")
    assert bundles[card].ticket.priority is None and bundles[card].ticket.custom_fields == ()
    assert fake.priorities == ("Urgent", "High", "Low", "Bloquant")
    kinds = [(a["type"], a["data"]["label"]["name"]) for a in fake._actions
             if a["type"].endswith("LabelToCard") or a["type"].endswith("LabelFromCard")]
    assert kinds == [("addLabelToCard", "round-1"), ("addLabelToCard", "High"),
                     ("removeLabelFromCard", "High"), ("addLabelToCard", "Urgent"),
                     ("removeLabelFromCard", "Urgent"), ("addLabelToCard", "Bloquant")]
    found = make_connector().describe()
    assert {"High", "Urgent", "Bloquant"} <= set(found.labels)  # the board's labels
    assert found.priorities is None and found.custom_fields is None
    fake.set_priority(card, None, at=T0 + timedelta(minutes=4))
    assert drain(make_connector().pull(None))[0][card].ticket.labels == ("round-1",)
