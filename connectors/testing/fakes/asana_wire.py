"""Asana's wire format for the fake: timestamps, error bodies, ``opt_fields`` and paging.

``opt_fields``: compact records by default, else only the requested (possibly nested,
``assignee.name``) fields, always with ``gid``/``resource_type``. Paging: ``limit`` 1-100,
opaque ``offset`` tokens, ``next_page`` ``{offset, path, uri}`` or null.
"""

from __future__ import annotations

import base64
import json
from typing import Any
from urllib.parse import urlencode

from connectors.testing.fakes.base import Request, Response

#: Fields of each resource's compact representation (what a listing returns by default).
COMPACT: dict[str, tuple[str, ...]] = {
    "task": ("name", "resource_subtype"),
    "story": ("created_at", "created_by", "resource_subtype", "text", "type"),
    "user": ("name",),
    "project": ("name",),
    "section": ("name",),
    "tag": ("name",),
    "time_tracking_entry": ("duration_minutes", "entered_on", "attributable_to", "created_by"),
    "custom_field": ("name", "type", "enum_options", "enum_value", "enabled",
                     "representation_type", "id_prefix", "is_formula_field", "display_value"),
    "enum_option": ("name", "enabled", "color"),
    "custom_field_setting": (),
}

Tree = dict[str, "Tree"]
IDENTITY = ("gid", "resource_type")


def field_tree(fields: str) -> Tree:
    """``"a,b.c,b.d"`` → ``{"a": {}, "b": {"c": {}, "d": {}}}``."""
    tree: Tree = {}
    for path in fields.split(","):
        node = tree
        for part in path.strip().split("."):
            if part:
                node = node.setdefault(part, {})
    return tree


def _compact(value: Any) -> Any:
    if isinstance(value, list):
        return [_compact(v) for v in value]
    if isinstance(value, dict):
        if "gid" in value:
            keep = COMPACT.get(str(value.get("resource_type")), ("name",))
            return {k: value[k] for k in (*IDENTITY, *keep) if k in value}
        return {k: _compact(v) for k, v in value.items()}
    return value


def _project(value: Any, tree: Tree) -> Any:
    if isinstance(value, list):
        return [_project(v, tree) for v in value]
    if not isinstance(value, dict):
        return value
    out = {k: value[k] for k in IDENTITY if k in value}
    for name, sub in tree.items():
        if name in value:
            out[name] = _project(value[name], sub) if sub else _compact(value[name])
    return out


def project_fields(value: dict[str, Any], fields: str | None) -> dict[str, Any]:
    """``value`` as Asana returns it for ``opt_fields=fields`` (``None``: the full record)."""
    if fields is None:
        return value
    result: dict[str, Any] = _project(value, field_tree(fields))
    return result


def errors(message: str, status: int) -> Response:
    """An Asana error answer: ``{"errors": [{"message", "help"}]}``."""
    return Response(status, {"errors": [{
        "message": message,
        "help": "For more information on API status codes and how to handle them, read the docs "
                "on errors: https://developers.asana.com/docs/errors"}]})


def paginate(request: Request, items: list[dict[str, Any]], kind: str, prefix: str,
             base_url: str) -> Response:
    """One page of ``items`` (ordered by gid; the token holds the last gid served)."""
    fields = request.arg("opt_fields") or ",".join(COMPACT[kind])
    limit_arg = request.arg("limit")
    items = sorted(items, key=lambda item: int(item["gid"]))
    if limit_arg is None:
        return Response(200, {"data": [project_fields(i, fields) for i in items]})
    try:
        limit = int(limit_arg)
    except ValueError:
        return errors("limit: Value is not an integer", 400)
    if not 1 <= limit <= 100:
        return errors("limit: The value must be between 1 and 100.", 400)
    offset = request.arg("offset")
    if offset:
        after = _read_offset(offset, request.path)
        if after is None:
            return errors("offset: Your pagination token is invalid.", 400)
        items = [i for i in items if int(i["gid"]) > after]
    page, rest = items[:limit], items[limit:]
    next_page = None
    if rest:
        token = _make_offset(int(page[-1]["gid"]), request.path)
        query = [(k, v) for k, vs in request.query.items() if k != "offset" for v in vs]
        path = request.path[len(prefix):] + "?" + urlencode([*query, ("offset", token)])
        next_page = {"offset": token, "path": path, "uri": base_url + path}
    return Response(200, {"data": [project_fields(i, fields) for i in page],
                          "next_page": next_page})


def _make_offset(after: int, path: str) -> str:
    raw = json.dumps({"a": after, "p": path}).encode()
    return "eyJ0eXAiOiJKV1QifQ." + base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _read_offset(token: str, path: str) -> int | None:
    try:
        body = token.split(".", 1)[1]
        data = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
        return int(data["a"]) if data["p"] == path else None
    except (IndexError, ValueError, KeyError, TypeError):
        return None
