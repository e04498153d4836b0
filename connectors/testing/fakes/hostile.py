"""How each fake serves the hostile faults ``looping-page``, ``foreign`` and ``deeply-nested``
(see :class:`connectors.testing.fakes.base.Fault`): the vendor's own paging fields, looping; a
record of another project or board slipped into an answer; one record's field nested deeper
than any JSON parser goes."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from connectors.testing.fakes.base import FakeServer, Fault, Response

def answer(server: FakeServer, fault: Fault, path: str, response: Response) -> Response:
    """The answer of a ``looping-page``, ``foreign`` or ``deeply-nested`` fault, made from the
    normal one by the fake's :meth:`~FakeServer.looped`, :meth:`~FakeServer.foreign` or
    :meth:`~FakeServer.nested`."""
    from connectors.testing.fakes.base import Response  # base imports this module

    if fault.kind == "looping-page" and fault.replay is not None:
        return Response(200, fault.replay, dict(response.headers))
    if not 200 <= response.status < 300:
        return response
    body = response.body
    if isinstance(body, bytes):
        try:
            body = json.loads(body)
        except ValueError:
            return response
    if fault.kind == "looping-page":
        body = fault.replay = server.looped(path, body)
    elif fault.kind == "deeply-nested":
        body = encode_nested(server.nested(path, body, fault))
    else:
        body = server.foreign(path, body)
    return Response(response.status, body, dict(response.headers))


LOOP_TOKEN = "loop-token"
FOREIGN_PROJECT = {"id": "66666", "key": "EVIL", "name": "Someone else's project"}
FOREIGN_BOARD = "5f0000000000000000000bad"
TRELLO_PAGE = 1000  # Trello's largest action page: a full page asks for the next one


def jira_looped(body: Any) -> Any:
    """A search or ``startAt`` listing that names the same next page again and again."""
    if isinstance(body, dict) and isinstance(body.get("issues"), list):
        body["nextPageToken"] = body.get("nextPageToken") or LOOP_TOKEN
        body["isLast"] = False
        body["total"] = 10**9
    elif isinstance(body, dict):
        body["isLast"], body["total"] = False, 10**9
    return body


def jira_foreign(body: Any) -> Any:
    """The first issue of a search page moved to another project."""
    issues = body.get("issues") if isinstance(body, dict) else None
    if isinstance(body, dict) and "fields" in body and "key" in body:
        issues = [body]
    for issue in issues or []:
        fields = issue.get("fields") if isinstance(issue, dict) else None
        if isinstance(fields, dict):
            fields["project"] = dict(FOREIGN_PROJECT)
            issue["key"] = f"EVIL-{issue.get('id')}"
            return body
    return body


def trello_looped(body: Any) -> Any:
    """An action page that is always full and always ends on the same action."""
    if isinstance(body, list) and body:
        return (body * (TRELLO_PAGE // len(body) + 1))[:TRELLO_PAGE]
    return body


def trello_foreign(body: Any) -> Any:
    """The first card of the answer on another board."""
    cards = body if isinstance(body, list) else [body]
    for card in cards:
        if isinstance(card, dict) and "idList" in card:
            card["idBoard"] = FOREIGN_BOARD
            return body
    return body


def asana_looped(body: Any) -> Any:
    """A listing whose ``next_page.offset`` is the same on every page."""
    if isinstance(body, dict) and isinstance(body.get("data"), list):
        body["next_page"] = {"offset": LOOP_TOKEN, "path": f"?offset={LOOP_TOKEN}",
                             "uri": f"?offset={LOOP_TOKEN}"}
    return body


def asana_foreign(body: Any) -> Any:
    """The first task of the answer homed in another project only."""
    data = body.get("data") if isinstance(body, dict) else None
    tasks = data if isinstance(data, list) else [data]
    for task in tasks:
        if isinstance(task, dict) and "memberships" in task:
            task["memberships"] = [{"project": {"gid": "66666", "name": "Elsewhere"},
                                    "section": {"gid": "66667", "name": "To Do"}}]
            return body
    return body


#: stands for the nested value until the answer is encoded (``json.dumps`` of a value that
#: deep would itself hit the recursion limit)
NESTED_MARK = "\x00rb-deeply-nested\x00"
NESTED_DEPTH = 100_000


def _rich_parts(body: Any) -> list[tuple[str, dict[str, Any], str]]:
    """(record id, object, key) of each record in an answer of any of the three fakes, with
    the key of a field only a full read asks for: a Jira issue's ``comment`` (rich text, ADF
    on Cloud), a Trello card's ``desc``, an Asana task's ``custom_fields``."""
    if isinstance(body, dict) and isinstance(body.get("issues"), list):
        issues = body["issues"]
    elif isinstance(body, dict) and "fields" in body and "key" in body:
        issues = [body]
    else:
        issues = []
    parts = [(str(i.get("id")), i["fields"], "comment") for i in issues
             if isinstance(i, dict) and isinstance(i.get("fields"), dict)
             and "comment" in i["fields"]]
    cards = body if isinstance(body, list) else [body]
    parts += [(str(c.get("id")), c, "desc") for c in cards
              if isinstance(c, dict) and "idList" in c and "desc" in c]
    data = body.get("data") if isinstance(body, dict) else None
    tasks = data if isinstance(data, list) else [data]
    parts += [(str(t.get("gid")), t, "custom_fields") for t in tasks
              if isinstance(t, dict) and "gid" in t and "name" in t and "created_at" in t]
    return parts


def nested(body: Any, fault: Any) -> Any:
    """``body`` with one record's rich field (see :func:`_rich_parts`) nested
    :data:`NESTED_DEPTH` deep: the record ``fault.victim``, else the first one served, which
    becomes the victim. Encode the result with :func:`encode_nested`."""
    for record_id, holder, key in _rich_parts(body):
        if fault.victim is None:
            fault.victim = record_id
        if record_id == fault.victim:
            holder[key] = NESTED_MARK
    return body


def encode_nested(body: Any) -> bytes:
    """``body`` as JSON, :data:`NESTED_MARK` replaced by arrays nested 100,000 deep."""
    mark = json.dumps(NESTED_MARK).encode()
    return json.dumps(body).encode().replace(
        mark, b"[" * NESTED_DEPTH + b"]" * NESTED_DEPTH)
