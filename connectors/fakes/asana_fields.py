"""Asana's ``opt_fields`` projection for the fake: compact records by default, else only the
requested (possibly nested, ``created_by.name``) fields, always with ``gid``/``resource_type``."""

from __future__ import annotations

from typing import Any

#: Fields of each resource's compact representation (what a listing returns by default).
COMPACT: dict[str, tuple[str, ...]] = {
    "task": ("name", "resource_subtype"),
    "story": ("created_at", "created_by", "resource_subtype", "text", "type"),
    "user": ("name",),
    "project": ("name",),
    "section": ("name",),
    "tag": ("name",),
    "time_tracking_entry": ("duration_minutes", "entered_on", "attributable_to", "created_by"),
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
