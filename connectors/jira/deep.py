"""A search page nested too deeply to read (``RecursionError`` in the JSON parser), read again
issue by issue, so one poisoned issue is left out and reported instead of failing every sync
(:mod:`connectors.unreadable`).

The page is asked again with only ``updated`` (ids and times: nothing a person wrote), then
each issue alone with the fields and expansions of the search.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from connectors.errors import AnswerTooDeep, BadRecordError
from connectors.jira import records
from connectors.unreadable import Unreadable, unreadable_reason

log = logging.getLogger(__name__)

#: what the page is asked again with: ids come with every hit
LEAN_FIELDS = ("updated",)


def issue_alone(get: Callable[[str, dict[str, Any]], dict[str, Any]], lean: Any,
                fields: tuple[str, ...], expand: str | None) -> Any:
    """The issue of the lean hit ``lean`` as the search would have served it, or an
    :class:`Unreadable` when its own answer is too deep too. ``get(path, params)`` is the
    connector's GET."""
    if not isinstance(lean, Mapping) or lean.get("id") is None:
        return lean  # the pull reports it as a bad hit
    issue_id = str(lean["id"])
    params: dict[str, Any] = {"fields": ",".join(fields)}
    if expand:
        params["expand"] = expand
    try:
        return get(f"issue/{issue_id}", params)
    except AnswerTooDeep:
        log.warning("jira: issue %s: its answer is nested too deeply to read; left out",
                    issue_id)
        return Unreadable(issue_id, _updated(lean), unreadable_reason("Jira", "issue"))


def one_by_one(get: Callable[[str, dict[str, Any]], dict[str, Any]], lean_page: Any,
               fields: tuple[str, ...], expand: str | None) -> Any:
    """``lean_page`` (the page asked again with :data:`LEAN_FIELDS`) with each hit replaced
    by its issue read alone (:func:`issue_alone`)."""
    hits = lean_page.get("issues") if isinstance(lean_page, dict) else None
    if isinstance(hits, list):
        log.warning("jira: a search page is nested too deeply to read; reading its %d issues "
                    "one by one", len(hits))
        lean_page["issues"] = [issue_alone(get, hit, fields, expand) for hit in hits]
    return lean_page


def _updated(lean: Mapping[str, Any]) -> datetime | None:
    fields = lean.get("fields")
    try:
        return records.parse_time(fields.get("updated") if isinstance(fields, Mapping) else None,
                                  "updated")
    except BadRecordError:
        return None


def is_lean(fields: tuple[str, ...]) -> bool:
    """A listing of ids only (``list_ids``, the lean page itself): nothing to read again."""
    return set(fields) <= {"id", *LEAN_FIELDS}
