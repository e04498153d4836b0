"""Trello JSON → normalized records: cards, their actions, ``/spent`` time comments.

A card's bundle is rebuilt from its actions (oldest first): the ``createCard`` action names the
requester, list moves and archive/unarchive are status changes, ``commentCard`` actions are
comments (their text is the current one; ``updateComment``/``deleteComment`` are applied too),
and team comments matching the ``spent_pattern`` setting are time entries.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from connectors.base import (
    COMPLETED_STATUS,
    Comment,
    Person,
    StatusChange,
    Ticket,
    TicketBundle,
    TimeEntry,
    parse_time,
)
from connectors.errors import BadRecordError

#: ``/spent 1h30``, ``/spent 2h``, ``/spent 45m``, ``/spent 1.5h`` (also ``1h30m``, ``1,5h``)
DEFAULT_SPENT_PATTERN = (
    r"(?im)^\s*/spent\s+(?P<duration>\d+(?:[.,]\d+)?\s*h(?:\s*\d{1,2}\s*m?)?|\d+\s*m(?:in)?)\b"
)
CREATE_TYPES = frozenset({"createCard", "copyCard", "convertToCardFromCheckItem",
                          "moveCardToBoard", "emailCard"})
#: Every action type the connector reads (board level and card level).
ACTION_FILTER = ",".join(sorted(CREATE_TYPES)) + (
    ",commentCard,updateComment,deleteComment,updateCard:idList,updateCard:closed,"
    "updateCard:name,addLabelToCard,removeLabelFromCard,deleteCard")
UNKNOWN = Person(remote_id="", name="(unknown member)")
_DURATION = re.compile(r"(?i)^(?:(?P<h>\d+(?:[.,]\d+)?)\s*h(?:\s*(?P<hm>\d{1,2})\s*m?)?"
                       r"|(?P<m>\d+)\s*m(?:in)?)$")


def id_time(object_id: str) -> datetime:
    """The creation time an ObjectId-style Trello id carries in its first 8 hex digits."""
    try:
        return datetime.fromtimestamp(int(object_id[:8], 16), UTC)
    except (ValueError, OverflowError, OSError):
        raise BadRecordError(f"not a Trello id: {object_id!r}", remote_id=object_id) from None


def spent_seconds(text: str, pattern: re.Pattern[str]) -> int | None:
    """Seconds of the first ``/spent`` command in ``text``, or None if it has none."""
    match = pattern.search(text)
    if match is None:
        return None
    raw = match.group("duration") if "duration" in pattern.groupindex else match.group(1)
    found = _DURATION.match(re.sub(r"\s+", "", raw or ""))
    if found is None:
        return None
    if found.group("m") is not None:
        return int(found.group("m")) * 60
    hours = float(found.group("h").replace(",", "."))
    return round(hours * 3600) + int(found.group("hm") or 0) * 60


def person(action: Mapping[str, Any]) -> Person:
    member = action.get("memberCreator")
    member_id = action.get("idMemberCreator")
    if isinstance(member, dict) and isinstance(member.get("id"), str):
        name = member.get("fullName") or member.get("username") or member["id"]
        return Person(remote_id=member["id"], name=str(name))
    if isinstance(member_id, str):
        return Person(remote_id=member_id, name=member_id)
    return UNKNOWN


def card_id_of(action: Mapping[str, Any]) -> str | None:
    data = action.get("data")
    card = data.get("card") if isinstance(data, dict) else None
    found = card.get("id") if isinstance(card, dict) else None
    return found if isinstance(found, str) else None


def _sort_key(action: Mapping[str, Any]) -> tuple[datetime, str]:
    return parse_time(action.get("date"), "action date"), str(action.get("id"))


def build_bundle(card: Mapping[str, Any], actions: Iterable[Mapping[str, Any]],
                 list_names: Mapping[str, str], spent: re.Pattern[str]) -> TicketBundle:
    """The complete current history of ``card`` from its actions (any order)."""
    card_id = card.get("id")
    if not isinstance(card_id, str):
        raise BadRecordError("card without an id")
    try:
        return _build(card_id, card, sorted(actions, key=_sort_key), list_names, spent)
    except BadRecordError as exc:
        raise BadRecordError(f"card {card_id}: {exc}", remote_id=card_id) from None
    except (KeyError, TypeError, AttributeError, ValueError) as exc:
        raise BadRecordError(f"card {card_id}: unexpected shape ({exc.__class__.__name__})",
                             remote_id=card_id) from None


def _build(card_id: str, card: Mapping[str, Any], actions: list[Mapping[str, Any]],
           list_names: Mapping[str, str], spent: re.Pattern[str]) -> TicketBundle:
    def list_name(ref: Any) -> str:
        if isinstance(ref, dict):
            return list_names.get(str(ref.get("id")), str(ref.get("name") or ref.get("id")))
        return list_names.get(str(ref), str(ref))

    for key, expected in (("name", str), ("idList", str), ("closed", bool), ("shortUrl", str)):
        if not isinstance(card.get(key), expected):
            raise BadRecordError(f"field {key} is missing or not a {expected.__name__}")
    updated_at = parse_time(card.get("dateLastActivity"), "dateLastActivity")
    created = next((a for a in actions if a.get("type") in CREATE_TYPES), None)
    requester = person(created) if created is not None else UNKNOWN
    created_at = (parse_time(created.get("date"), "createCard date") if created is not None
                  else id_time(card_id))
    moves = [a for a in actions if "listAfter" in a.get("data", {})]
    if created is not None and isinstance(created["data"].get("list"), dict):
        current_list = list_name(created["data"]["list"])
    elif moves:
        current_list = list_name(moves[0]["data"].get("listBefore"))
    else:
        current_list = list_name(card["idList"])
    closed = False
    changes: list[StatusChange] = []
    comments: dict[str, Comment] = {}
    times: dict[str, TimeEntry] = {}
    texts: dict[str, tuple[Mapping[str, Any], str]] = {}
    for action in actions:
        kind, data = action.get("type"), action["data"]
        before = COMPLETED_STATUS if closed else current_list
        if kind == "updateCard" and "listAfter" in data:
            current_list = list_name(data["listAfter"])
        elif kind == "updateCard" and "closed" in data.get("old", {}):
            closed = bool(data["card"].get("closed", not data["old"]["closed"]))
        elif kind == "commentCard":
            texts[str(action["id"])] = (action, str(data.get("text", "")))
        elif kind == "updateComment" and isinstance(data.get("action"), dict):
            edited = str(data["action"].get("id"))
            if edited in texts:
                texts[edited] = (texts[edited][0], str(data["action"].get("text", "")))
        elif kind == "deleteComment" and isinstance(data.get("action"), dict):
            texts.pop(str(data["action"].get("id")), None)
        after = COMPLETED_STATUS if closed else current_list
        if after != before:
            changes.append(StatusChange(
                ticket_id=card_id, at=parse_time(action.get("date"), "action date"),
                by=person(action), from_status=before, to_status=after,
                remote_id=str(action["id"])))
    for comment_id, (action, text) in texts.items():
        at, by = parse_time(action.get("date"), "comment date"), person(action)
        seconds = spent_seconds(text, spent)
        if seconds is not None:
            times[comment_id] = TimeEntry(comment_id, card_id, at, by, seconds)
        else:
            comments[comment_id] = Comment(comment_id, card_id, at, by, text)
    labels = tuple(str(label["name"]) for label in card.get("labels") or ()
                   if isinstance(label, dict) and label.get("name"))
    ticket = Ticket(
        remote_id=card_id, key=card_id, url=str(card["shortUrl"]), title=str(card["name"]),
        status=COMPLETED_STATUS if card["closed"] else list_name(card["idList"]),
        labels=labels, created_at=created_at, updated_at=updated_at, requester=requester)
    return TicketBundle(ticket, tuple(changes), tuple(comments.values()), tuple(times.values()))
