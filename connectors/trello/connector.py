"""Trello connector (py-trello 0.20, key/token query auth).

py-trello hard-codes ``https://api.trello.com/1`` and has no retries, so the client gets an
``http_service`` session that rebases URLs onto ``api_url`` and carries a
:class:`~connectors.http.RetryingAdapter` (retries, counting, pacing at 90 requests / 10 s per
token and 270 / 10 s per API key, budgets every connector of the process shares: see
``connectors.budgets``). Trello's 429 names no Retry-After: the policy waits
``rate_limited_wait`` (10 s), and so does every connector on that token.

Full pull: board actions (newest first, 1000 a page), lists, every card (labels come with it)
(``cards/all?fields=all``); bundles are built from the actions. Incremental pull: board actions
since the cursor's newest date minus an overlap (already seen ids dropped), then each touched
card is re-read with its actions nested (one request per card), or the whole board when that
costs fewer requests. A pull where nothing changed makes exactly one request.
"""

from __future__ import annotations

import logging
import math
import re
from collections import defaultdict
from collections.abc import Iterator, Mapping
from typing import Any, ClassVar

import requests
from trello import TrelloClient
from trello.board import Board
from trello.card import Card
from trello.exceptions import ResourceUnavailable, Unauthorized

from connectors.base import (
    Page,
    Person,
    SkippedRecord,
    TicketBundle,
    TrackerMap,
    TrackerPerson,
    TrackerProject,
    TrackerSettings,
    TrackerStatus,
)
from connectors.cursor import UnreadableCursor
from connectors.errors import (
    AnswerTooDeep,
    BadRecordError,
    CredentialsRefused,
    RemoteFatalError,
    RemoteRetriableError,
    error_for_status,
)
from connectors.http import RetryPolicy, mount_retrying, shared_limiters
from connectors.paging import PageGuard
from connectors.trello.cursor import OVERLAP, Cursor
from connectors.trello.records import (
    ACTION_FILTER,
    build_bundle,
    card_id_of,
)
from connectors.trello.settings import TRELLO_API, TrelloSettings

log = logging.getLogger(__name__)

PAGE = 1000  # Trello's largest action page
BUNDLES_PER_PAGE = 200
#: only what normalizing needs: about half the bytes of a default action
ACTION_FIELDS = {"fields": "id,type,date,data,idMemberCreator",
                 "memberCreator_fields": "fullName,username"}
#: a card with its actions, or a card that could not be read
Pair = tuple[dict[str, Any], list[dict[str, Any]]] | SkippedRecord
DEFAULT_POLICY = RetryPolicy(rate_limit=(90, 10.0), key_rate_limit=(270, 10.0),
                             rate_limited_wait=10.0)


class RebasedSession(requests.Session):
    """A session that sends py-trello's ``https://api.trello.com/1/...`` URLs to ``base``."""

    def __init__(self, base: str) -> None:
        super().__init__()
        self.base = base.rstrip("/")

    def request(self, method: str | bytes, url: str | bytes, *args: Any,
                **kwargs: Any) -> requests.Response:
        text = url.decode() if isinstance(url, bytes) else url
        if text.startswith(TRELLO_API):
            text = self.base + text[len(TRELLO_API):]
        return super().request(method, text, *args, **kwargs)


class TrelloConnector:
    """Pulls one Trello board's cards and posts comments on them."""

    name: ClassVar[str] = "trello"
    Settings: ClassVar[type[TrackerSettings]] = TrelloSettings

    def __init__(self, settings: TrelloSettings | Mapping[str, Any],
                 secrets: Mapping[str, str], policy: RetryPolicy | None = None) -> None:
        self.settings = (settings if isinstance(settings, TrelloSettings)
                         else TrelloSettings.model_validate(settings))
        self._spent = re.compile(self.settings.spent_pattern)
        self._session = RebasedSession(self.settings.api_url)
        policy = policy or DEFAULT_POLICY
        # the token's and the API key's budgets are shared by every connector of the process
        limiters = shared_limiters(policy, "trello", self.settings.api_url, secrets["token"],
                                   key=self.settings.api_key)
        self._adapter = mount_retrying(self._session, policy, "trello", limiters)
        self._client = TrelloClient(api_key=self.settings.api_key, api_secret=secrets["token"],
                                    http_service=self._session)
        self._board = Board(client=self._client, board_id=self.settings.board)
        self._me: Person | None = None
        self._board_id: str | None = None  # the board's id, when the setting is its short link
        self._username: str | None = None

    @property
    def requests_made(self) -> int:
        return self._adapter.requests_made

    # -- protocol -------------------------------------------------------------------------------
    def whoami(self) -> Person:
        """The token's member (``/members/me``, its own 100 / 900 s limit: asked once)."""
        if self._me is None:
            me = self._fetch("/members/me", "who am I")
            if not isinstance(me, dict) or not isinstance(me.get("id"), str):
                raise RemoteFatalError("trello: /members/me answered without an id",
                                       tracker="trello")
            self._me = Person(remote_id=me["id"],
                              name=str(me.get("fullName") or me.get("username") or me["id"]))
            self._username = str(me["username"]) if me.get("username") else None
        return self._me

    def describe(self) -> TrackerMap:
        """Open boards of the token's member, then the board's open lists (board order),
        members (with username; Trello never shows e-mails) and named labels: 5 requests."""
        me = self.whoami()
        mine = TrackerPerson(me.remote_id, me.name, None, self._username)
        rows = [b for b in _rows(self._fetch("/members/me/boards", "list boards", {
            "filter": "open", "fields": "name,shortLink"}), "boards")
            if isinstance(b.get("id"), str)]
        boards = tuple(TrackerProject(str(b["id"]), str(b.get("name") or b["id"])) for b in rows)
        wanted = self.settings.board  # the id, or the short link of the board's URL
        chosen = next((p for p, b in zip(boards, rows, strict=True)
                       if wanted and wanted in (b["id"], b.get("shortLink"))), None)
        if chosen is None:
            return TrackerMap("trello", mine, boards)
        base = f"/boards/{chosen.key}"
        lists = sorted(_rows(self._fetch(f"{base}/lists", "read lists", {"filter": "open"}),
                             "lists"), key=lambda r: float(r.get("pos") or 0))
        members = _rows(self._fetch(f"{base}/members", "read members",
                                    {"fields": "fullName,username"}), "members")
        labels = _rows(self._fetch(f"{base}/labels", "read labels",
                                   {"fields": "name", "limit": 1000}), "labels")
        return TrackerMap(
            "trello", mine, boards, chosen,
            tuple(TrackerStatus(str(r["name"])) for r in lists if isinstance(r.get("name"), str)),
            tuple(TrackerPerson(str(m["id"]), str(m.get("fullName") or m.get("username")),
                                None, str(m["username"]) if m.get("username") else None)
                  for m in members if isinstance(m.get("id"), str)),
            tuple(sorted({str(lb["name"]) for lb in labels if lb.get("name")},
                         key=str.casefold)))

    def pull(self, cursor: str | None) -> Iterator[Page]:
        """Yield pages of bundles; ``None`` is a full pull. Only the last page has a cursor."""
        state: Cursor | None = None
        if cursor:
            try:
                state = Cursor.load(cursor)
            except UnreadableCursor:
                log.warning("trello: unreadable cursor, doing a full pull")
        if state is None:
            yield from self._full_pull()
        else:
            yield from self._incremental_pull(state)

    def list_ids(self) -> set[str]:
        """Every card of the board, archived ones included (they are tickets marked done)."""
        cards = self._fetch(f"/boards/{self.settings.board}/cards/all", "list cards",
                            {"fields": "id"})
        return {str(c["id"]) for c in _rows(cards, "cards") if isinstance(c.get("id"), str)}

    def post_comment(self, ticket_id: str, body: str) -> str:
        """Post ``body`` on the card; returns the ``commentCard`` action id (= comment id)."""
        card = Card(self._board, ticket_id)
        action = self._call(lambda: card.comment(body), f"comment on card {ticket_id}")
        if not isinstance(action, dict) or not isinstance(action.get("id"), str):
            raise RemoteFatalError("trello: the comment was posted but no id came back",
                                   tracker="trello")
        return str(action["id"])

    def find_comment(self, ticket_id: str, marker: str) -> str | None:
        """The id of the card's comment containing ``marker``, newest first, page by page."""
        for rows in self._action_pages(f"/cards/{ticket_id}/actions", None, None, "commentCard"):
            for action in rows:
                text = action.get("data", {}).get("text")
                if isinstance(text, str) and marker in text:
                    return str(action["id"])
        return None

    # -- pulling --------------------------------------------------------------------------------
    def _full_pull(self) -> Iterator[Page]:
        # actions first: anything newer than them is after the cursor and seen next time
        actions = self._board_actions(since=None)
        cursor = Cursor.start().advanced(actions, len(actions))
        lists = self._lists()
        yield from self._pages(self._board_cards(actions, None), lists, cursor)

    def _incremental_pull(self, state: Cursor) -> Iterator[Page]:
        since = (state.since - OVERLAP).isoformat() if state.since else None
        window = self._board_actions(since=since)
        new = [a for a in window if str(a.get("id")) not in state.seen]
        cursor = state.advanced(window, len(new))
        touched = list(dict.fromkeys(c for c in map(card_id_of, new) if c is not None))
        if not touched:
            yield Page((), cursor.dump())
            return
        lists = self._lists()
        board_wide_cost = 1 + math.ceil((cursor.actions + 1) / PAGE)
        if len(touched) > board_wide_cost:
            log.info("trello: %d cards changed, re-reading the whole board", len(touched))
            pairs = self._board_cards(self._board_actions(since=None), set(touched))
            yield from self._pages(pairs, lists, cursor)
            return
        yield from self._pages(self._cards_one_by_one(touched), lists, cursor)

    def _board_cards(self, actions: list[dict[str, Any]],
                     wanted: set[str] | None) -> Iterator[Pair]:
        """Every card of the board (or the ``wanted`` ones) with its actions, in one read; when
        that answer is nested too deeply to read, card by card (the poisoned one is skipped)."""
        try:
            cards = _rows(self._fetch(f"/boards/{self.settings.board}/cards/all", "read cards",
                                      {"fields": "all"}), "cards")
        except AnswerTooDeep:
            ids = [card_id for card_id in self.list_ids() if wanted is None or card_id in wanted]
            log.warning("trello: the board's cards are nested too deeply to read; reading its "
                        "%d cards one by one", len(ids))
            return self._cards_one_by_one(sorted(ids))
        by_card: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for action in actions:
            card_id = card_id_of(action)
            if card_id is not None and (wanted is None or card_id in wanted):
                by_card[card_id].append(action)
        return ((card, by_card.get(str(card.get("id")), [])) for card in cards
                if wanted is None or card.get("id") in wanted)

    def _cards_one_by_one(self, card_ids: list[str]) -> Iterator[Pair]:
        for card_id in card_ids:
            try:
                card = self._fetch(f"/cards/{card_id}", "read card", {
                    "fields": "all", "actions": ACTION_FILTER, "actions_limit": PAGE})
            except AnswerTooDeep as exc:
                log.warning("trello: skipped card %s: %s", card_id, exc)
                yield SkippedRecord(card_id, f"{exc}: left out until it changes")
                continue
            except RemoteFatalError as exc:
                if exc.status == 404:  # deleted since: list_ids reconciliation marks it
                    log.debug("trello: card %s is gone", card_id)
                    continue
                raise
            if not isinstance(card, dict):
                raise RemoteRetriableError(f"trello: card {card_id}: unexpected answer",
                                           tracker="trello")
            actions = _rows(card.pop("actions", []), "card actions")
            if len(actions) >= PAGE:
                actions += self._paged(f"/cards/{card_id}/actions", since=None,
                                       before=str(actions[-1]["id"]))
            yield card, actions

    def _pages(self, pairs: Iterator[Pair], lists: dict[str, str],
               cursor: Cursor) -> Iterator[Page]:
        bundles: list[TicketBundle] = []
        skipped: list[SkippedRecord] = []
        for pair in pairs:
            if isinstance(pair, SkippedRecord):
                skipped.append(pair)
                continue
            card, actions = pair
            try:
                self._check_board(card)
                bundles.append(build_bundle(card, actions, lists, self._spent))
            except BadRecordError as exc:
                log.warning("trello: skipped a card: %s", exc)
                skipped.append(SkippedRecord(exc.remote_id, str(exc)))
            except RecursionError:
                log.warning("trello: skipped a card nested too deeply to read")
                skipped.append(SkippedRecord(str(card.get("id") or "") or None,
                                             "nested too deeply to read"))
            if len(bundles) >= BUNDLES_PER_PAGE:
                yield Page(tuple(bundles), None, tuple(skipped))
                bundles, skipped = [], []
        yield Page(tuple(bundles), cursor.dump(), tuple(skipped))

    def _check_board(self, card: dict[str, Any]) -> None:
        """A card of another board (moved away, or served by mistake) is not the client's: it
        is refused, so nothing is read from it or posted on it."""
        board = card.get("idBoard")
        if board == self.settings.board:
            return
        if self._board_id is None and isinstance(board, str):
            # the setting may be the board's short link: its id, asked once
            found = self._fetch(f"/boards/{self.settings.board}", "read board", {"fields": "id"})
            self._board_id = str(found.get("id")) if isinstance(found, dict) else ""
        if board is None or board != self._board_id:
            raise BadRecordError(f"card is on board {str(board)[:40]!r}, not the client's board "
                                 f"{self.settings.board!r}: left alone",
                                 remote_id=str(card.get("id") or "") or None)

    def _board_actions(self, since: str | None) -> list[dict[str, Any]]:
        return self._paged(f"/boards/{self.settings.board}/actions", since=since, before=None)

    def _paged(self, path: str, since: str | None, before: str | None) -> list[dict[str, Any]]:
        """Every action newer than ``since`` (and older than ``before``), newest first."""
        return [row for rows in self._action_pages(path, since, before, ACTION_FILTER)
                for row in rows]

    def _action_pages(self, path: str, since: str | None, before: str | None,
                      action_filter: str) -> Iterator[list[dict[str, Any]]]:
        """Pages of actions, newest first, each read only when the previous one is done with."""
        guard = PageGuard("trello", path)
        while True:
            guard.next(before)
            params: dict[str, Any] = {"filter": action_filter, "limit": PAGE, **ACTION_FIELDS}
            if since:
                params["since"] = since
            if before:
                params["before"] = before
            rows = _rows(self._fetch(path, "read actions", params), "actions")
            yield rows
            if len(rows) < PAGE:
                return
            before = str(rows[-1].get("id"))

    def _lists(self) -> dict[str, str]:
        rows = self._fetch(f"/boards/{self.settings.board}/lists", "read lists",
                           {"filter": "all", "cards": "none"})
        return {str(r["id"]): str(r["name"]) for r in _rows(rows, "lists")
                if isinstance(r.get("id"), str) and isinstance(r.get("name"), str)}

    # -- HTTP and error mapping -------------------------------------------------------------------
    def _fetch(self, path: str, what: str, params: dict[str, Any] | None = None) -> Any:
        log.debug("trello: GET %s", path)
        return self._call(lambda: self._client.fetch_json(path, query_params=dict(params or {})),
                          f"{what} ({path})")

    def _call(self, send: Any, what: str) -> Any:
        """Run one library call; map every failure onto the error hierarchy, token-free."""
        try:
            return send()
        except Unauthorized:
            raise CredentialsRefused(f"trello: {what}: the key or token was refused (HTTP 401)",
                                     tracker="trello", status=401) from None
        except ResourceUnavailable as exc:
            status = int(getattr(exc, "_status", 0) or 0)
            raise error_for_status(f"trello: {what}: HTTP {status}", tracker="trello",
                                   status=status) from None
        except RecursionError:
            raise AnswerTooDeep(f"trello: {what}: an answer nested too deeply to read",
                                tracker="trello") from None
        except requests.exceptions.JSONDecodeError:
            raise RemoteRetriableError(f"trello: {what}: malformed JSON in the answer",
                                       tracker="trello") from None
        except requests.RequestException as exc:
            raise RemoteRetriableError(f"trello: {what}: {exc.__class__.__name__}",
                                       tracker="trello") from None


def _rows(value: Any, what: str) -> list[dict[str, Any]]:
    """A JSON array of objects, or a retriable error (the answer was not what Trello sends)."""
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise RemoteRetriableError(f"trello: {what}: expected a JSON array of objects",
                                   tracker="trello")
    return value
