"""A stateful fake Trello (REST API v1) for tests, the bench and ``revbridge demo``.

Shapes follow shared/trackers/payloads/trello/. Ids are ObjectId-like: 24 hex digits
whose first 8 are the creation time in unix seconds (so ``at=`` sets an id's time). Actions are
served newest first with Trello's ``filter``/``since``/``before``/``limit`` semantics; every
request must carry the app key and a known token (else 401 ``invalid key`` / ``invalid token``).
Trello's rate limits are enforced when ``rate_limits`` is on (see ``trello_limits``).
"""

from __future__ import annotations

import bisect
import itertools
import json
import random
from datetime import UTC, datetime
from typing import Any

from connectors.testing.fakes import hostile
from connectors.testing.fakes.base import STATUSES, FakeServer, Response, iso
from connectors.testing.fakes.trello_limits import RateLimitState, TrelloLimits
from connectors.testing.fakes.trello_priority import PRIORITY_LABELS, TrelloPriorities
from connectors.testing.fakes.trello_routes import (
    action_matches,
    card_json,
    install_routes,
    project_action,
)

HEX24 = 24
COLORS = ("green", "yellow", "orange", "red", "purple", "blue", "sky", "lime", "pink", "black")


def parse_date(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)


def format_spent(seconds: int) -> str:
    hours, minutes = divmod(seconds // 60, 60)
    if not hours:
        return f"{minutes}m"
    return f"{hours}h{minutes:02d}" if minutes else f"{hours}h"


class FakeTrello(FakeServer, TrelloPriorities):
    """One board (the four ``STATUSES`` as lists), a bot member owning ``token``."""

    def tracker_table(self, token: str, **overrides: Any) -> dict[str, Any]:
        """The ``[tracker]`` table of a client file pointing at this fake."""
        return settings_for(self, token=token, **overrides)

    def __init__(self, *, key: str = "fake-trello-app-key", token: str | None = None,
                 board_name: str = "Client board", rate_limits: bool | TrelloLimits = False,
                 bot_name: str = "Revision Bridge") -> None:
        super().__init__()
        self._counter = itertools.count(1)
        self._machine = random.randrange(1 << 24)
        self.key = key
        self.token = token or "".join(random.choices("0123456789abcdef", k=64))
        self.limiter = RateLimitState(limits=(
            rate_limits if isinstance(rate_limits, TrelloLimits)
            else TrelloLimits() if rate_limits else TrelloLimits.relaxed()))
        self.members: dict[str, dict[str, Any]] = {}
        self.tokens: dict[str, str] = {}
        self._bot = self.add_person(bot_name)
        self.tokens[self.token] = self._bot
        self.board: dict[str, Any] = {"id": self.new_id(), "name": board_name}
        self.lists: dict[str, dict[str, Any]] = {}
        for name in STATUSES:
            self.list_id(name)
        self.labels: dict[str, dict[str, Any]] = {}
        self.priority_names = list(PRIORITY_LABELS)
        self.cards: dict[str, dict[str, Any]] = {}
        self._actions: list[dict[str, Any]] = []
        self._keys: list[tuple[datetime, str]] = []
        self._by_id: dict[str, dict[str, Any]] = {}
        self._encoded: dict[str, dict[tuple[str, str], bytes]] = {}  # action id -> JSON
        self._sorted = True
        install_routes(self)

    # -- ids, people, lookups ------------------------------------------------------------------
    def new_id(self, at: datetime | None = None) -> str:
        secs = int((at or datetime.now(UTC)).timestamp())
        return f"{secs:08x}{self._machine:06x}{next(self._counter):010x}"

    @property
    def base_url(self) -> str:
        return f"{self.root_url}/1"

    @property
    def bot_id(self) -> str:
        return self._bot

    @property
    def board_id(self) -> str:
        return str(self.board["id"])

    def add_person(self, name: str, email: str | None = None) -> str:
        member_id = self.new_id()
        username = "".join(ch for ch in name.lower() if ch.isalnum()) or "member"
        with self.lock:
            self.members[member_id] = {
                "id": member_id, "activityBlocked": False, "avatarHash": "0" * 32,
                "avatarUrl": f"https://trello-members.s3.amazonaws.com/{member_id}/{'0' * 32}",
                "fullName": name, "idMemberReferrer": None,
                "initials": "".join(w[0] for w in name.split()).upper()[:3],
                "nonPublic": {}, "nonPublicAvailable": True, "username": username}
        return member_id

    def list_id(self, name: str) -> str:
        """The id of list ``name``; a new list at the board's end if none (like Jira's fake)."""
        for list_id, lst in self.lists.items():
            if lst["name"] == name:
                return list_id
        list_id = self.new_id()
        self.lists[list_id] = {"id": list_id, "name": name, "closed": False, "color": None,
                               "idBoard": self.board_id, "pos": 16384 * (len(self.lists) + 1),
                               "subscribed": False, "softLimit": None, "type": None,
                               "datasource": {"filter": False}}
        return list_id

    def label_id(self, name: str) -> str:
        with self.lock:
            for label_id, label in self.labels.items():
                if label["name"] == name:
                    return label_id
            label_id = self.new_id()
            self.labels[label_id] = {"id": label_id, "idBoard": self.board_id,
                                     "idOrganization": None, "name": name,
                                     "nodeId": f"ari:cloud:trello::label/workspace/x/{label_id}",
                                     "color": COLORS[len(self.labels) % len(COLORS)], "uses": 0}
            return label_id

    # -- actions -------------------------------------------------------------------------------
    def _ref(self, card: dict[str, Any]) -> dict[str, Any]:
        return {"id": card["id"], "name": card["name"], "idShort": card["idShort"],
                "shortLink": card["shortLink"]}

    def _board_ref(self) -> dict[str, Any]:
        return {"id": self.board_id, "name": self.board["name"], "shortLink": self.board_id[-8:]}

    def _list_ref(self, list_id: str) -> dict[str, Any]:
        return {"id": list_id, "name": self.lists[list_id]["name"]}

    def _act(self, kind: str, by: str, card: dict[str, Any] | None, data: dict[str, Any],
             at: datetime | None) -> dict[str, Any]:
        when = (at or datetime.now(UTC)).astimezone(UTC)
        action_id = self.new_id(when)
        if card is not None:
            data = {"card": self._ref(card), **data}
            card["dateLastActivity"] = max(card["dateLastActivity"], iso(when))
        data["board"] = self._board_ref()
        action = {"id": action_id, "idMemberCreator": by, "data": data, "appCreator": None,
                  "type": kind, "date": iso(when), "limits": {},
                  "memberCreator": self.members[by]}
        if kind == "commentCard":
            action["limits"] = {"reactions": {
                "perAction": {"status": "ok", "disableAt": 900, "warnAt": 720},
                "uniquePerAction": {"status": "ok", "disableAt": 17, "warnAt": 14}}}
        self._actions.append(action)
        self._by_id[action_id] = action
        self._sorted = False
        return action

    @property
    def action_count(self) -> int:
        return len(self._actions)

    def action(self, action_id: str) -> dict[str, Any] | None:
        with self.lock:
            return self._by_id.get(action_id)

    def _ordered(self) -> tuple[list[dict[str, Any]], list[tuple[datetime, str]]]:
        if not self._sorted:
            self._actions.sort(key=lambda a: (parse_date(a["date"]), a["id"]))
            self._keys = [(parse_date(a["date"]), a["id"]) for a in self._actions]
            self._sorted = True
        return self._actions, self._keys

    def encode_actions(self, actions: list[dict[str, Any]], fields: str | None = None,
                       member_fields: str | None = None) -> bytes:
        """A JSON array of ``actions`` cut to ``fields`` / ``memberCreator_fields``; each
        action's JSON is cached until the action changes."""
        shape = (fields or "all", member_fields or "all")
        parts = []
        for action in actions:
            cache = self._encoded.setdefault(action["id"], {})
            cached = cache.get(shape)
            if cached is None:
                cached = cache[shape] = json.dumps(project_action(action, *shape)).encode()
            parts.append(cached)
        return b"[" + b",".join(parts) + b"]"

    def _drop_actions(self, doomed: set[str]) -> None:
        self._actions = [a for a in self._actions if a["id"] not in doomed]
        for action_id in doomed:
            self._by_id.pop(action_id, None)
            self._encoded.pop(action_id, None)
        self._sorted = False

    # -- FakeTracker -----------------------------------------------------------------------------
    def create_ticket(self, title: str, by: str, *, labels: tuple[str, ...] = (),
                      status: str = "To Do", at: datetime | None = None) -> str:
        when = (at or datetime.now(UTC)).astimezone(UTC)
        with self.lock:
            card_id = self.new_id(when)
            list_id = self.list_id(status)
            short = card_id[-8:]
            card = {"id": card_id, "name": title, "desc": "", "idList": list_id, "idLabels": [],
                    "closed": False, "dateLastActivity": iso(when), "idShort": len(self.cards) + 1,
                    "shortLink": short, "pos": 16384 * (len(self.cards) + 1), "idMembers": [],
                    "comments": 0}
            self.cards[card_id] = card
            self._act("createCard", by, card, {"list": self._list_ref(list_id)}, when)
            for name in labels:
                self._label(card, name, True, by, when)
        return card_id

    def move(self, ticket_id: str, to_status: str, by: str, at: datetime | None = None) -> None:
        with self.lock:
            card = self.cards[ticket_id]
            before, after = card["idList"], self.list_id(to_status)
            card["idList"] = after
            self._act("updateCard", by, card, {
                "old": {"idList": before}, "listBefore": self._list_ref(before),
                "listAfter": self._list_ref(after)}, at)["data"]["card"]["idList"] = after

    def archive(self, ticket_id: str, by: str, closed: bool = True,
                at: datetime | None = None) -> None:
        """Archive (close) or, with ``closed=False``, reopen a card."""
        with self.lock:
            card = self.cards[ticket_id]
            card["closed"] = closed
            action = self._act("updateCard", by, card, {
                "old": {"closed": not closed}, "list": self._list_ref(card["idList"])}, at)
            action["data"]["card"]["closed"] = closed

    def rename_list(self, name: str, new_name: str) -> None:
        with self.lock:
            self.lists[self.list_id(name)]["name"] = new_name

    def add_comment(self, ticket_id: str, body: str, by: str,
                    at: datetime | None = None) -> str:
        with self.lock:
            card = self.cards[ticket_id]
            card["comments"] += 1
            action = self._act("commentCard", by, card, {
                "text": body, "textData": {"emoji": {}},
                "list": self._list_ref(card["idList"])}, at)
            return str(action["id"])

    def log_time(self, ticket_id: str, seconds: int, by: str,
                 at: datetime | None = None) -> str:
        """Trello has no time tracking: a ``/spent 1h30`` comment is how a team logs time."""
        return self.add_comment(ticket_id, f"/spent {format_spent(seconds)}", by, at)

    def edit_comment(self, comment_id: str, text: str, by: str | None = None,
                     at: datetime | None = None) -> dict[str, Any]:
        with self.lock:
            action = self._by_id[comment_id]
            card = self.cards[action["data"]["card"]["id"]]
            old = action["data"]["text"]
            self._encoded.pop(comment_id, None)
            action["data"]["text"] = text
            stamp = self._act("updateComment", by or action["idMemberCreator"], card, {
                "action": {"id": comment_id, "text": text}, "old": {"text": old}}, at)
            action["data"]["dateLastEdited"] = stamp["date"]
            return action

    def delete_comment(self, comment_id: str, by: str | None = None,
                       at: datetime | None = None) -> None:
        with self.lock:
            action = self._by_id[comment_id]
            card = self.cards[action["data"]["card"]["id"]]
            card["comments"] -= 1
            self._drop_actions({comment_id})
            self._act("deleteComment", by or action["idMemberCreator"], card,
                      {"action": {"id": comment_id}}, at)

    def _label(self, card: dict[str, Any], name: str, add: bool, by: str,
               at: datetime | None) -> None:
        label_id = self.label_id(name)
        label = self.labels[label_id]
        if add == (label_id in card["idLabels"]):
            return
        if add:
            card["idLabels"].append(label_id)
        else:
            card["idLabels"].remove(label_id)
        label["uses"] += 1 if add else -1
        self._act("addLabelToCard" if add else "removeLabelFromCard", by, card, {
            "label": {"id": label_id, "name": name, "color": label["color"]},
            "text": name, "value": label_id}, at)

    def set_labels(self, ticket_id: str, labels: tuple[str, ...],
                   at: datetime | None = None) -> None:
        with self.lock:
            card = self.cards[ticket_id]
            current = [self.labels[i]["name"] for i in card["idLabels"]]
            for name in current:
                if name not in labels:
                    self._label(card, name, False, self._bot, at)
            for name in labels:
                self._label(card, name, True, self._bot, at)

    def delete_ticket(self, ticket_id: str, by: str | None = None,
                      at: datetime | None = None) -> None:
        """Delete a card: its actions go with it; a ``deleteCard`` action stays on the board."""
        with self.lock:
            card = self.cards.pop(ticket_id)
            self._drop_actions({a["id"] for a in self._actions
                                if a["data"].get("card", {}).get("id") == ticket_id})
            action = self._act("deleteCard", by or self._bot, None, {
                "card": {"id": ticket_id, "idShort": card["idShort"],
                         "shortLink": card["shortLink"]},
                "list": self._list_ref(card["idList"])}, at)
            action["data"] = {"card": action["data"]["card"], "list": action["data"]["list"],
                              "board": action["data"]["board"]}

    def looped(self, path: str, body: Any) -> Any:
        return hostile.trello_looped(body)

    def foreign(self, path: str, body: Any) -> Any:
        return hostile.trello_foreign(body)

    def corrupt_ticket(self, ticket_id: str) -> None:
        with self.lock:
            self.cards[ticket_id]["dateLastActivity"] = None

    def comment_bodies(self, ticket_id: str) -> list[tuple[str, str]]:
        with self.lock:
            actions, _ = self._ordered()
            return [(a["id"], a["data"]["text"]) for a in actions
                    if a["type"] == "commentCard" and a["data"]["card"]["id"] == ticket_id]

    # -- representations ------------------------------------------------------------------------
    def card_json(self, card: dict[str, Any], fields: str | None = None) -> dict[str, Any]:
        return card_json(self, card, fields)

    def query_actions(self, card_id: str | None, wanted: str, limit: str,
                      since: str | None, before: str | None) -> list[dict[str, Any]] | Response:
        """Newest-first actions per Trello's ``filter``, ``since``, ``before``, ``limit``."""
        if not limit.isdigit() or not 0 <= int(limit) <= 1000:
            return Response(400, b"invalid value for limit", {"Content-Type": "text/plain"})
        rules = [w.strip() for w in wanted.split(",") if w.strip()]
        actions, keys = self._ordered()
        lo, hi = 0, len(actions)
        try:
            if since:
                lo = bisect.bisect_right(keys, self._bound(since, high=True))
            if before:
                hi = bisect.bisect_left(keys, self._bound(before, high=False))
        except ValueError:
            return Response(400, b"invalid date", {"Content-Type": "text/plain"})
        out: list[dict[str, Any]] = []
        for i in range(hi - 1, lo - 1, -1):
            if len(out) >= int(limit):
                break
            action = actions[i]
            if card_id is not None and action["data"].get("card", {}).get("id") != card_id:
                continue
            if action_matches(action, rules):
                out.append(action)
        return out

    def _bound(self, value: str, *, high: bool) -> tuple[datetime, str]:
        if len(value) == HEX24 and all(c in "0123456789abcdef" for c in value):
            known = self._by_id.get(value)
            if known is not None:
                return parse_date(known["date"]), value
            return datetime.fromtimestamp(int(value[:8], 16), UTC), value
        return parse_date(value), ("g" if high else "")

    # -- HTTP ----------------------------------------------------------------------------------
    def _dispatch(self, method: str, path: str, query: dict[str, list[str]],
                  headers: dict[str, str], body: bytes) -> Response:
        key = (query.get("key") or [""])[-1]
        token = (query.get("token") or [""])[-1]
        if key != self.key:
            return Response(401, b"invalid key", {"Content-Type": "text/plain; charset=utf-8"})
        if token not in self.tokens:
            return Response(401, b"invalid token", {"Content-Type": "text/plain; charset=utf-8"})
        with self.lock:
            refused = self.limiter.check(key, token, path)
        if refused is not None:
            return Response(429, {"error": refused[0], "message": refused[1]})
        with self.lock:
            return super()._dispatch(method, path, query, headers, body)


def settings_for(fake: FakeTrello, **overrides: Any) -> dict[str, Any]:
    """The ``[tracker]`` table of a client file pointing at ``fake``."""
    settings: dict[str, Any] = {
        "type": "trello", "board": fake.board_id, "api_key": fake.key,
        "token": "env:REVBRIDGE_FAKE_TOKEN", "api_url": fake.base_url,
        "statuses": {"open": ["To Do"], "in_progress": ["In Progress"],
                     "delivered": ["In Review"], "done": ["Done"]},
    }
    settings.update(overrides)
    return settings
