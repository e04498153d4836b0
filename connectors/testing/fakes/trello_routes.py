"""The HTTP routes of the fake Trello (the ``/1/...`` endpoints py-trello and the connector use)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from connectors.testing.fakes.base import Request, Response

if TYPE_CHECKING:
    from connectors.testing.fakes.trello import FakeTrello

NOT_FOUND = Response(404, b"The requested resource was not found.",
                     {"Content-Type": "text/plain; charset=utf-8"})
ID = r"(?P<id>[^/]+)"
CARD_ACTIONS_DEFAULT = "commentCard,updateCard:idList"
#: another open board of the token's member (discovery lists it; it holds nothing)
OTHER_BOARD = {"id": "5f1e2d3c4b5a69788796a5b4", "name": "Agency retainer",
               "shortLink": "aG3ncyR7"}


def install_routes(fake: FakeTrello) -> None:
    """Register every route of the fake on ``fake``."""
    def member_me(req: Request) -> Response:
        member = fake.members[fake.tokens[req.arg("token") or ""]]
        return Response(200, {**member, "idBoards": [fake.board_id],
                              "idOrganizations": ["5e0a1b2c3d4e5f6a7b8c9d0e"],
                              "memberType": "normal", "confirmed": True,
                              "url": f"https://trello.com/{member['username']}"})

    def member(req: Request) -> Response:
        found = fake.members.get(req.params["id"])
        return Response(200, found) if found else NOT_FOUND

    def my_boards(req: Request) -> Response:
        wanted = req.arg("filter") or "all"
        if wanted not in ("all", "open", "members", "organization", "public", "closed",
                          "starred", "pinned", "unpinned"):
            return Response(400, b"invalid value for filter",
                            {"Content-Type": "text/plain; charset=utf-8"})
        boards = [{"id": fake.board_id, "name": fake.board["name"],
                   "shortLink": fake.board_id[-8:]}, dict(OTHER_BOARD)]
        return Response(200, [] if wanted == "closed" else boards)

    def board_members(req: Request) -> Response:
        if not board_or_404(req):
            return NOT_FOUND
        return Response(200, [{"id": m["id"], "fullName": m["fullName"],
                               "username": m["username"]} for m in fake.members.values()])

    def board_or_404(req: Request) -> bool:
        return req.params["id"] in (fake.board_id, fake.board_id[-8:])

    def board(req: Request) -> Response:
        if not board_or_404(req):
            return NOT_FOUND
        return Response(200, {
            "id": fake.board_id, "name": fake.board["name"], "desc": "", "descData": None,
            "closed": False, "idOrganization": "5e0a1b2c3d4e5f6a7b8c9d0e", "idEnterprise": None,
            "pinned": False, "url": f"https://trello.com/b/{fake.board_id[-8:]}/board",
            "shortUrl": f"https://trello.com/b/{fake.board_id[-8:]}",
            "prefs": {"permissionLevel": "private", "background": "blue"},
            "labelNames": {c: "" for c in ("green", "yellow", "orange", "red", "purple", "blue")}})

    def lists(req: Request) -> Response:
        if not board_or_404(req):
            return NOT_FOUND
        wanted = req.params.get("filter") or req.arg("filter") or "open"
        out = [dict(lst) for lst in fake.lists.values()
               if wanted == "all" or lst["closed"] == (wanted == "closed")]
        return Response(200, out)

    def labels(req: Request) -> Response:
        if not board_or_404(req):
            return NOT_FOUND
        limit = int(req.arg("limit", "50") or "50")
        return Response(200, [dict(label) for label in fake.labels.values()][:limit])

    def cards(req: Request) -> Response:
        if not board_or_404(req):
            return NOT_FOUND
        wanted = req.params.get("filter") or req.arg("filter") or "open"
        if wanted not in ("all", "open", "closed", "visible"):
            return Response(400, b"invalid value for filter", {"Content-Type": "text/plain"})
        out = [fake.card_json(card, req.arg("fields")) for card in fake.cards.values()
               if wanted == "all" or card["closed"] == (wanted == "closed")]
        return Response(200, out)

    def actions(req: Request) -> Response:
        if not board_or_404(req):
            return NOT_FOUND
        found = fake.query_actions(None, req.arg("filter") or "all", req.arg("limit", "50") or "",
                                   req.arg("since"), req.arg("before"))
        if isinstance(found, Response):
            return found
        return Response(200, fake.encode_actions(found, req.arg("fields"),
                                                 req.arg("memberCreator_fields")))

    def card(req: Request) -> Response:
        found = fake.cards.get(req.params["id"])
        if found is None:
            return NOT_FOUND
        body = fake.card_json(found, req.arg("fields"))
        nested = req.arg("actions")
        if nested:
            got = fake.query_actions(found["id"], nested, req.arg("actions_limit", "50") or "",
                                     req.arg("actions_since"), req.arg("actions_before"))
            if isinstance(got, Response):
                return got
            body["actions"] = got
        return Response(200, body)

    def card_actions(req: Request) -> Response:
        if req.params["id"] not in fake.cards:
            return NOT_FOUND
        found = fake.query_actions(req.params["id"], req.arg("filter") or CARD_ACTIONS_DEFAULT,
                                   req.arg("limit", "50") or "", req.arg("since"),
                                   req.arg("before"))
        if isinstance(found, Response):
            return found
        return Response(200, fake.encode_actions(found, req.arg("fields"),
                                                 req.arg("memberCreator_fields")))

    def post_comment(req: Request) -> Response:
        card_id = req.params["id"]
        if card_id not in fake.cards:
            return NOT_FOUND
        text = _text(req, "text")
        if not text:
            return Response(400, b"invalid value for text", {"Content-Type": "text/plain"})
        author = fake.tokens[req.arg("token") or ""]
        comment_id = fake.add_comment(card_id, text, author, datetime.now(UTC))
        return Response(200, _with_display(fake.action(comment_id)))

    def own_comment(req: Request) -> dict[str, Any] | Response:
        """The comment action ``id`` if the token's member wrote it, else the error answer."""
        action = fake.action(req.params["id"])
        if action is None or action["type"] != "commentCard":
            return NOT_FOUND
        if action["idMemberCreator"] != fake.tokens[req.arg("token") or ""]:
            return Response(401, b"unauthorized comment permission requested",
                            {"Content-Type": "text/plain"})
        return action

    def edit_comment(req: Request) -> Response:
        action = own_comment(req)
        if isinstance(action, Response):
            return action
        text = _text(req, "value" if req.path.endswith("/text") else "text")
        if not text:
            return Response(400, b"invalid value for text", {"Content-Type": "text/plain"})
        return Response(200, fake.edit_comment(action["id"], text))

    def delete_action(req: Request) -> Response:
        action = own_comment(req)
        if isinstance(action, Response):
            return action
        fake.delete_comment(action["id"])
        return Response(200, {"_value": None})

    def delete_card(req: Request) -> Response:
        if req.params["id"] not in fake.cards:
            return NOT_FOUND
        fake.delete_ticket(req.params["id"], fake.tokens[req.arg("token") or ""])
        return Response(200, {"limits": {}})

    fake.route("GET", "/1/members/me", member_me)
    fake.route("GET", "/1/members/me/boards", my_boards)
    fake.route("GET", f"/1/members/{ID}", member)
    fake.route("GET", f"/1/boards/{ID}/members", board_members)
    fake.route("GET", f"/1/boards/{ID}", board)
    fake.route("GET", f"/1/boards/{ID}/lists(?:/(?P<filter>[a-z]+))?", lists)
    fake.route("GET", f"/1/boards/{ID}/labels", labels)
    fake.route("GET", f"/1/boards/{ID}/cards(?:/(?P<filter>[a-z]*))?", cards)
    fake.route("GET", f"/1/boards/{ID}/actions", actions)
    fake.route("GET", f"/1/cards/{ID}", card)
    fake.route("GET", f"/1/cards/{ID}/actions", card_actions)
    fake.route("POST", f"/1/cards/{ID}/actions/comments", post_comment)
    fake.route("PUT", f"/1/actions/{ID}", edit_comment)
    fake.route("PUT", f"/1/actions/{ID}/text", edit_comment)
    fake.route("DELETE", f"/1/actions/{ID}", delete_action)
    fake.route("DELETE", f"/1/cards/{ID}", delete_card)


def _text(req: Request, name: str) -> str | None:
    """A comment text from the query (the spec's form) or the JSON body (py-trello's form)."""
    value = req.arg(name)
    if value:
        return value
    try:
        body: Any = req.json()
    except ValueError:
        return None
    if isinstance(body, dict) and isinstance(body.get(name), str):
        return str(body[name])
    return None


def _with_display(action: dict[str, Any] | None) -> dict[str, Any]:
    assert action is not None
    card = action["data"]["card"]
    member = action["memberCreator"]
    return {**action, "display": {
        "translationKey": "action_comment_on_card",
        "entities": {
            "contextOn": {"type": "translatable", "translationKey": "action_on",
                          "hideIfContext": True, "idContext": card["id"]},
            "card": {"type": "card", "hideIfContext": True, "id": card["id"],
                     "shortLink": card["shortLink"], "text": card["name"]},
            "comment": {"type": "comment", "text": action["data"]["text"]},
            "memberCreator": {"type": "member", "id": member["id"],
                              "username": member["username"], "text": member["fullName"]}}},
        "entities": []}


CARD_FIELDS_DEFAULT = ("badges,checkItemStates,closed,dateLastActivity,desc,descData,due,"
                       "dueComplete,email,idBoard,idChecklists,idLabels,idList,idMembers,idShort,"
                       "labels,manualCoverAttachment,name,pos,shortUrl,url")


def card_json(fake: FakeTrello, card: dict[str, Any], fields: str | None = None) -> dict[str, Any]:
    """A card as Trello serves it (``fields=all``: every key of the payload example)."""
    labels = [{k: v for k, v in fake.labels[i].items()} for i in card["idLabels"]]
    full: dict[str, Any] = {
        "id": card["id"],
        "badges": {"attachmentsByType": {"trello": {"board": 0, "card": 0}},
                   "externalSource": None, "location": False, "votes": 0,
                   "viewingMemberVoted": False, "subscribed": False, "fogbugz": "",
                   "checkItems": 0, "checkItemsChecked": 0, "checkItemsEarliestDue": None,
                   "comments": card["comments"], "attachments": 0,
                   "description": bool(card["desc"]), "due": None, "dueComplete": False,
                   "lastUpdatedByAi": False, "start": None},
        "checkItemStates": [], "closed": card["closed"], "dueComplete": False,
        "dateLastActivity": card["dateLastActivity"], "desc": card["desc"],
        "descData": {"emoji": {}}, "due": None, "dueReminder": None, "email": None,
        "idBoard": fake.board_id, "idChecklists": [], "idList": card["idList"],
        "idMembers": list(card["idMembers"]), "idMembersVoted": [],
        "idShort": card["idShort"], "idAttachmentCover": None, "labels": labels,
        "idLabels": list(card["idLabels"]), "manualCoverAttachment": False,
        "name": card["name"], "nodeId": f"ari:cloud:trello::card/workspace/x/{card['id']}",
        "pinned": False, "pos": card["pos"], "shortLink": card["shortLink"],
        "shortUrl": f"https://trello.com/c/{card['shortLink']}", "start": None,
        "subscribed": False,
        "url": f"https://trello.com/c/{card['shortLink']}/{card['idShort']}-card",
        "cover": {"idAttachment": None, "color": None, "idUploadedBackground": None,
                  "size": "normal", "brightness": "dark", "idPlugin": None},
        "isTemplate": False, "cardRole": None, "mirrorSourceId": None}
    if fields in (None, ""):
        fields = CARD_FIELDS_DEFAULT
    if fields == "all":
        return full
    wanted = {f.strip() for f in fields.split(",")} | {"id"}
    return {k: v for k, v in full.items() if k in wanted}


def project_action(action: dict[str, Any], fields: str, member_fields: str) -> dict[str, Any]:
    """``action`` cut to ``fields`` and its ``memberCreator`` to ``member_fields``."""
    if fields != "all":
        wanted = set(fields.split(",")) | {"id"}
        action = {k: v for k, v in action.items() if k in wanted or k == "memberCreator"}
    if member_fields != "all":
        wanted = set(member_fields.split(",")) | {"id"}
        member = action["memberCreator"]
        action = {**action, "memberCreator": {k: v for k, v in member.items() if k in wanted}}
    return action


def action_matches(action: dict[str, Any], rules: list[str]) -> bool:
    """Trello action filters: ``type`` or ``type:field`` (the field changed), or ``all``."""
    for rule in rules:
        if rule == "all":
            return True
        kind, _, field_name = rule.partition(":")
        changed = action["data"].get("old", {})
        if action["type"] == kind and (not field_name or field_name in changed):
            return True
    return False
