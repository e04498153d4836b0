"""Writing a new client file (``revbridge init``): TOML with comments, like config.example.toml.

Values go through ``tomli_w`` (so any tracker string is quoted and escaped as TOML needs);
the comments are ours. The result is read back with the loader before it is saved.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import tomli_w

STATES = ("open", "in_progress", "delivered", "done")


@dataclass
class NewClient:
    """Everything ``init`` gathered; ``render`` turns it into the file's text."""

    slug: str
    name: str
    timezone: str
    language: str
    tracker: dict[str, Any]  # type, url/api_url, project/board, email/api_key, token
    statuses: dict[str, list[str]]  # state -> tracker names
    client_contacts: list[str]
    team: list[str]
    quote: dict[str, Any]
    handle_within: str = "2d"
    business_hours: str = "09:00-18:00"
    #: remote id -> display name, written as comments beside the ids
    people: dict[str, str] = field(default_factory=dict)
    project_name: str = ""


def _value(value: Any) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    return tomli_w.dumps({"v": value}).partition(" = ")[2].rstrip("\n")


def _line(key: str, value: Any, comment: str = "") -> str:
    text = f"{key} = {_value(value)}"
    return f"{text:<39} # {comment}" if comment else text


def _ids(ids: Sequence[str], people: Mapping[str, str]) -> str:
    if not ids:
        return "[]"
    rows = [f"    {_value(i)},  # {_comment(people.get(i, ''))}" for i in ids]
    return "[\n" + "\n".join(rows) + "\n]"


def _comment(text: str) -> str:
    """A tracker string inside a comment: one line, printable."""
    return "".join(ch if ch.isprintable() else " " for ch in text)


def render(new: NewClient) -> str:
    """The client file's text."""
    t = new.tracker
    project_key = "board" if "board" in t else "project"
    lines = [
        f"# Client file written by `revbridge init` for {_comment(new.name or new.slug)}.",
        "# Every key is documented in config.example.toml; check it with",
        f"#   revbridge config check {new.slug} --online",
        "",
        _line("client", new.slug, "slug: the name commands take"),
        _line("name", new.name),
        _line("timezone", new.timezone, "the client's time zone (deadlines, business hours)"),
        _line("language", new.language, "language of the comments posted: fr | en"),
        "",
        "[tracker]",
        _line("type", t["type"]),
    ]
    for key, note in (("url", "the Jira site"), ("api_url", "API base URL")):
        if key in t:
            lines.append(_line(key, t[key], note))
    lines.append(_line(project_key, t[project_key], _comment(new.project_name)))
    if "email" in t:
        lines.append(_line("email", t["email"], "Jira Cloud: the API token's account"))
    if "api_key" in t:
        lines.append(_line("api_key", t["api_key"], "Trello app key (not a secret)"))
    lines.append(_line("token", t["token"], "a reference, never the token itself"))
    lines += ["", "[tracker.statuses]",
              "# the tracker's own names; a status not listed counts as open"]
    lines += [_line(state, new.statuses.get(state, [])) for state in STATES]
    q = new.quote
    lines += ["", "[quote]", _line("reference", q.get("reference", ""), "the signed quote"),
              _line("rounds_included", q["rounds_included"], "revision rounds in the quote")]
    if q.get("hours_included") is not None:
        lines.append(_line("hours_included", q["hours_included"], "hours in the quote"))
    lines.append(_line("hourly_rate", q.get("hourly_rate", 0), "for hours beyond the quote"))
    if q.get("round_price") is not None:
        lines.append(_line("round_price", q["round_price"], "price of an extra round"))
    lines += [_line("currency", q.get("currency", "EUR")),
              "", "[rounds]", _line("grouping", "delivery", "delivery | window | label | slots"),
              "", "[contacts]",
              "# remote ids (`revbridge discover` lists the people)",
              f"client = {_ids(new.client_contacts, new.people)}",
              f"team = {_ids(new.team, new.people)}",
              _line("non_designated", "count", "count | ignore"),
              "", "[sla]", _line("handle_within", new.handle_within, "business time: 4h, 2d"),
              _line("business_hours", new.business_hours),
              "", "[comments]",
              _line("mode", "review", "review: approve with `revbridge outbox`; auto | off"),
              ""]
    return "\n".join(lines)


def machine_timezone() -> str:
    """This machine's IANA time zone (``$TZ``, else where /etc/localtime points), else UTC."""
    candidates = [os.environ.get("TZ", "").lstrip(":")]
    try:
        target = os.path.realpath("/etc/localtime")
        candidates.append(target.partition("zoneinfo/")[2])
    except OSError:
        pass
    for name in candidates:
        if name:
            try:
                ZoneInfo(name)
            except (ZoneInfoNotFoundError, ValueError):
                continue
            return name
    return "UTC"
