"""How each fake serves the hostile faults ``looping-page`` and ``foreign`` (see
:class:`connectors.testing.fakes.base.Fault`): the vendor's own paging fields, looping; a
record of another project or board slipped into an answer."""

from __future__ import annotations

from typing import Any

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
