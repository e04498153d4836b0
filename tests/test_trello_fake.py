"""The fake Trello is honest: payload shapes, paging, auth, comment edits, rate limits."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests
from trello import TrelloClient
from trello.board import Board
from trello.card import Card

from connectors.errors import RemoteRetriableError
from connectors.http import RetryPolicy
from connectors.testing import fast_policy
from connectors.testing.contract import T0, drain
from connectors.testing.fakes.trello import FakeTrello, settings_for
from connectors.testing.fakes.trello_limits import TrelloLimits
from connectors.trello.connector import TrelloConnector, TrelloSettings
from tests.shared_trackers import SHARED_TRACKERS

PAYLOADS = SHARED_TRACKERS / "payloads" / "trello"
needs_payloads = pytest.mark.skipif(not PAYLOADS.is_dir(), reason="payload examples not here")


@pytest.fixture
def fake() -> Iterator[FakeTrello]:
    server = FakeTrello()
    server.start()
    yield server
    server.stop()


def get(fake: FakeTrello, path: str, token: str | None = None, **params: Any) -> Any:
    params.update(key=fake.key, token=token or fake.token)
    response = requests.get(f"{fake.base_url}{path}", params=params, timeout=5)
    assert response.status_code == 200, response.text
    return response.json()


def shape(value: Any) -> Any:
    """Keys and JSON types of a payload (first element of arrays); null is its own type."""
    if isinstance(value, dict):
        return {k: shape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [shape(value[0])] if value else []
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    return type(value).__name__


def same_shape(mine: Any, example: Any, where: str = "") -> None:
    """Assert ``mine`` has the example's keys and types (an empty array matches any array)."""
    if isinstance(example, dict):
        assert isinstance(mine, dict), where
        assert set(mine) == set(example), (where, set(mine) ^ set(example))
        for key in example:
            same_shape(mine[key], example[key], f"{where}/{key}")
    elif isinstance(example, list):
        assert isinstance(mine, list), where
        if mine and example:
            same_shape(mine[0], example[0], f"{where}[0]")
    else:
        assert shape(mine) == shape(example), where


def payload(name: str) -> Any:
    return json.loads((PAYLOADS / name).read_text())


@pytest.fixture
def seeded(fake: FakeTrello) -> dict[str, str]:
    client, team = fake.add_person("Dana Client"), fake.add_person("Fran Lancer")
    card = fake.create_ticket("Hero banner", client, labels=("change-request",), at=T0)
    fake.move(card, "In Progress", team, at=T0 + timedelta(hours=1))
    fake.add_comment(card, "Darker photo please", client, at=T0 + timedelta(hours=2))
    fake.set_labels(card, ("change-request", "bug"), at=T0 + timedelta(hours=3))
    return {"card": card, "client": client, "team": team}


@needs_payloads
def test_response_shapes_match_the_payload_examples(fake: FakeTrello,
                                                    seeded: dict[str, str]) -> None:
    board = fake.board_id
    same_shape(get(fake, f"/boards/{board}"), payload("board.json"))
    same_shape(get(fake, "/members/me"), payload("members_me.json"))
    same_shape(get(fake, f"/boards/{board}/lists"), payload("board_lists.json"))
    cards = get(fake, f"/boards/{board}/cards/all", fields="all")
    same_shape(cards, payload("board_cards.json"))
    actions = get(fake, f"/boards/{board}/actions", filter="all", limit=1000)
    by_type = {(a["type"], "listAfter" in a["data"]): a for a in actions}
    for example in payload("board_actions.json"):
        mine = by_type[(example["type"], "listAfter" in example["data"])]
        same_shape(mine, example)
    comments = get(fake, f"/cards/{seeded['card']}/actions", filter="commentCard")
    same_shape(comments, payload("card_comments.json"))
    posted = requests.post(f"{fake.base_url}/cards/{seeded['card']}/actions/comments",
                           params={"key": fake.key, "token": fake.token},
                           json={"text": "[revbridge] hello"}, timeout=5).json()
    same_shape(posted, payload("add_comment_response.json"))


def test_py_trello_parses_the_fake(fake: FakeTrello, seeded: dict[str, str]) -> None:
    client = TrelloClient(api_key=fake.key, api_secret=fake.token)
    _rebase(client, fake)
    board = Board.from_json(client, json_obj=client.fetch_json(f"/boards/{fake.board_id}"))
    cards = board.get_cards({"fields": "all"}, card_filter="all")
    assert [c.name for c in cards] == ["Hero banner"]
    assert sorted(label.name for label in cards[0].labels) == ["bug", "change-request"]
    assert [lst.name for lst in board.list_lists("open")][:2] == ["To Do", "In Progress"]
    comments = cards[0].fetch_comments(force=True, limit=1000)
    assert [c["data"]["text"] for c in comments] == ["Darker photo please"]


def _rebase(client: TrelloClient, fake: FakeTrello) -> None:
    """Point py-trello's client at the fake (its URLs are absolute api.trello.com ones)."""
    from connectors.trello.connector import RebasedSession

    client.http_service = RebasedSession(fake.base_url)


def test_ids_carry_their_creation_time(fake: FakeTrello, seeded: dict[str, str]) -> None:
    assert datetime.fromtimestamp(int(seeded["card"][:8], 16), UTC) == T0
    for action in get(fake, f"/boards/{fake.board_id}/actions", filter="all"):
        stamp = datetime.fromtimestamp(int(action["id"][:8], 16), UTC)
        assert stamp == datetime.fromisoformat(action["date"]).replace(microsecond=0)


def test_actions_filter_since_before_limit(fake: FakeTrello, seeded: dict[str, str]) -> None:
    board = fake.board_id
    every = get(fake, f"/boards/{board}/actions", filter="all", limit=1000)
    dates = [a["date"] for a in every]
    assert dates == sorted(dates, reverse=True)
    assert len(get(fake, f"/boards/{board}/actions", filter="all")) == len(every)  # default 50
    moves = get(fake, f"/boards/{board}/actions", filter="updateCard:idList")
    assert [m["data"]["listAfter"]["name"] for m in moves] == ["In Progress"]
    assert get(fake, f"/boards/{board}/actions", filter="updateCard:closed") == []
    first, second = get(fake, f"/boards/{board}/actions", filter="all", limit=2)
    older = get(fake, f"/boards/{board}/actions", filter="all", before=second["id"])
    assert [a["id"] for a in older] == [a["id"] for a in every[2:]]
    newer = get(fake, f"/boards/{board}/actions", filter="all", since=second["id"])
    assert [a["id"] for a in newer] == [first["id"]]
    since_date = get(fake, f"/boards/{board}/actions", filter="all",
                     since=(T0 + timedelta(minutes=90)).isoformat())
    assert {a["type"] for a in since_date} == {"commentCard", "addLabelToCard"}
    slim = get(fake, f"/boards/{board}/actions", filter="all", fields="type,date",
               memberCreator_fields="fullName")
    assert {k for a in slim for k in a} == {"id", "type", "date", "memberCreator"}
    assert {k for a in slim for k in a["memberCreator"]} == {"id", "fullName"}
    too_many = requests.get(f"{fake.base_url}/boards/{board}/actions", timeout=5,
                            params={"key": fake.key, "token": fake.token, "limit": 1001})
    assert too_many.status_code == 400


def test_auth_is_checked_on_every_request(fake: FakeTrello) -> None:
    for params in ({"key": "nope", "token": fake.token}, {"key": fake.key, "token": "nope"}, {}):
        answer = requests.get(f"{fake.base_url}/boards/{fake.board_id}/cards", params=params,
                              timeout=5)
        assert answer.status_code == 401
        assert answer.text in ("invalid key", "invalid token")


def test_comment_edit_and_delete_over_http(fake: FakeTrello, seeded: dict[str, str]) -> None:
    client = TrelloClient(api_key=fake.key, api_secret=fake.token)
    _rebase(client, fake)
    card = Card(Board(client=client, board_id=fake.board_id), seeded["card"])
    posted = card.comment("first")
    edited = card.update_comment(posted["id"], "second")
    assert edited["data"]["text"] == "second"
    requests.put(f"{fake.base_url}/actions/{posted['id']}/text", timeout=5,
                 params={"key": fake.key, "token": fake.token, "value": "third"})
    assert (posted["id"], "third") in fake.comment_bodies(seeded["card"])
    client_comment = fake.comment_bodies(seeded["card"])[0][0]
    refused = requests.put(f"{fake.base_url}/actions/{client_comment}", timeout=5,
                           params={"key": fake.key, "token": fake.token, "text": "hijack"})
    assert refused.status_code == 401
    not_deleted = requests.delete(f"{fake.base_url}/actions/{client_comment}", timeout=5,
                                  params={"key": fake.key, "token": fake.token})
    assert not_deleted.status_code == 401
    assert client_comment in dict(fake.comment_bodies(seeded["card"]))
    not_a_comment = next(a["id"] for a in get(fake, f"/boards/{fake.board_id}/actions",
                                              filter="all") if a["type"] != "commentCard")
    for action_id in (not_a_comment, "5f0000000000000000000000"):
        for method in ("PUT", "DELETE"):
            missing = requests.request(method, f"{fake.base_url}/actions/{action_id}",
                                       timeout=5, params={"key": fake.key, "token": fake.token,
                                                          "text": "x"})
            assert missing.status_code == 404, (method, action_id)
    client.fetch_json(f"/actions/{posted['id']}", http_method="DELETE")
    assert posted["id"] not in dict(fake.comment_bodies(seeded["card"]))
    kinds = [a["type"] for a in get(fake, f"/boards/{fake.board_id}/actions", filter="all")]
    assert kinds[:3] == ["deleteComment", "updateComment", "updateComment"]


def test_rate_limits_are_trellos(fake: FakeTrello) -> None:
    fake.limiter.limits = TrelloLimits()
    other = "second-token"
    fake.tokens[other] = fake.bot_id
    session = requests.Session()
    statuses = [session.get(f"{fake.base_url}/boards/{fake.board_id}/lists", timeout=5,
                            params={"key": fake.key, "token": fake.token}).status_code
                for _ in range(101)]
    assert statuses == [200] * 100 + [429]
    refused = fake.log[-1]
    assert json.loads(refused.response_body)["error"] == "API_TOKEN_LIMIT_EXCEEDED"
    assert "Retry-After" not in refused.response_headers
    # another token of the same key still has its own 100
    answer = session.get(f"{fake.base_url}/members/me", timeout=5,
                         params={"key": fake.key, "token": other})
    assert answer.status_code == 200
    fake.limiter.limits = TrelloLimits(per_key=(101, 10.0))
    answer = session.get(f"{fake.base_url}/members/me", timeout=5,
                         params={"key": fake.key, "token": other})
    assert answer.json()["error"] == "API_KEY_LIMIT_EXCEEDED"
    fake.limiter.limits = TrelloLimits(members=(1, 900.0))
    fake.tokens["third"] = fake.bot_id
    codes = [session.get(f"{fake.base_url}{path}", timeout=5,
                         params={"key": fake.key, "token": "third"}).status_code
             for path in ("/members/me", "/members/me", f"/boards/{fake.board_id}")]
    assert codes == [200, 429, 200]
    assert fake.limiter.refused == 3


def test_connector_pacing_keeps_under_the_fakes_limit() -> None:
    limits = TrelloLimits(per_token=(10, 1.0), per_key=(30, 1.0))
    with FakeTrello(rate_limits=limits) as fake:
        assert isinstance(fake, FakeTrello)
        client = fake.add_person("Claire")
        card = fake.create_ticket("Busy", client, at=T0)
        for i in range(2500):
            fake.add_comment(card, f"n{i}", client, at=T0 + timedelta(seconds=i))
        policy = RetryPolicy(rate_limit=(9, 1.0), timeout=5.0)
        settings = TrelloSettings.model_validate(settings_for(fake))
        connector = TrelloConnector(settings, {"token": fake.token}, policy=policy)
        started = time.monotonic()
        for _ in range(5):
            drain(connector.pull(None))
        elapsed = time.monotonic() - started
        assert connector.requests_made == 25 and fake.limiter.refused == 0
        assert elapsed >= 1.5  # 25 requests at 9 per second cannot take less
        unpaced = TrelloConnector(settings, {"token": fake.token},
                                  policy=fast_policy(max_attempts=1))
        with pytest.raises(RemoteRetriableError, match="429"):
            for _ in range(3):
                drain(unpaced.pull(None))
        assert fake.limiter.refused >= 1
