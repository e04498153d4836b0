"""Status comments posted back on requests (docs/architecture.md §6).

A notice's idempotency key is ``{client}/{ticket remote id}/{request time, UTC, to the
second}/{kind}``; its marker, ``rb-`` and the first 10 hex digits of the key's sha256, ends the
comment, so the sync recognises its own comments (:func:`find_marker`): read back, the marker
is the comment's last word, however a tracker or a person re-flowed the text around it.

Texts exist in English and French; a client file overrides them per kind in
``[comments.texts]`` with ``str.format`` templates. The placeholders are listed in
:data:`PLACEHOLDERS`. A template with an unknown placeholder or a bad format is reported by
:func:`validate_texts` and, at posting time, replaced by the default text (never a crash).
Values taken from a ticket (key, title, requester, priority) are flattened to one line, and the
marker is always appended after the text on a line of its own, so nothing a client types can
change the structure of the comment. The default texts themselves are in
:mod:`bridge.present.notice_texts`.
"""

from __future__ import annotations

import hashlib
import re
import string
from collections.abc import Container, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from bridge.clientfile.schema import ClientConfig
from bridge.engine.ledger import Ledger, NoticeKind, Request
from bridge.present.notice_texts import (
    DEFAULT_TEXTS,
    OVERDUE_TEXTS,
    billing,
    default_text,
    duration,
    format_moment,
    money,
    quote_left,
    quote_name,
    rounds_left,
)

__all__ = ["DEFAULT_TEXTS", "KINDS", "OVERDUE_TEXTS", "PLACEHOLDERS", "Notice", "NoticeContext",
           "find_marker", "format_moment", "marker_for", "money", "notice_for", "notice_key",
           "notices_for", "validate_texts"]

KINDS: tuple[NoticeKind, ...] = ("ack", "extra", "not_designated", "out_of_scope", "delivered")
MARKER = re.compile(r"rb-[0-9a-f]{10}")
MARKER_LENGTH = 13
#: one HTML tag (``</p>``, ``</body>``, ``<br/>``...), as trackers wrap comment text in them
_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9]*(?:\s[^<>]*)?/?>")
#: characters an editor may leave around a word that are not whitespace to ``str.isspace``
_INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff"
_SPACE_ENTITIES = ("&nbsp;", "&#160;", "&#xa0;")

PLACEHOLDERS: dict[str, str] = {
    "client": "the client's name (or slug)",
    "ticket": "the ticket key, e.g. WEB-12",
    "title": "the ticket title, on one line",
    "requester": "the name of the person who made the request",
    "round": "the request's round number (empty when it has none)",
    "rounds_included": "rounds included in the quote",
    "rounds_left": "included rounds left after the request's round (a number)",
    "rounds_left_text": "the same in words: '2 rounds left after this one'",
    "quote": "'quote DEV-2026-014' / 'le devis DEV-2026-014' ('the quote' without reference)",
    "reference": "the quote reference alone",
    "due": "when it will be handled, in the client's time zone and language (an ack or extra "
           "using it is replaced by the default one once that moment has passed: no date in "
           "the past)",
    "billing": "how an extra round is billed: 'at the round price of €300'",
    "round_price": "the round price with its currency (empty without one)",
    "hourly_rate": "the hourly rate with its currency",
    "priority": "the ticket's priority as the tracker names it, on one line (empty without one)",
    "delivered": "when it was first delivered, written like {due} (empty before)",
    "time_spent": "the time logged on it: '2 h 30 min' / '2 h 30'",
    "hours_included": "the hours the quote includes: '6 h' (empty without hours_included)",
    "hours_left": "those hours not used yet by the included rounds, as the notice is written "
                  "(empty without hours_included)",
    "quote_left": "what is left on the quote, in sentences: the request's round and the rounds "
                  "after it (or that it is beyond them), then the hours left",
}


@dataclass(frozen=True, slots=True)
class Notice:
    key: str
    marker: str
    kind: NoticeKind
    ticket_id: str
    body: str
    #: when the request was made (the moment in the key): ``[comments] since`` is compared to it
    at: datetime


def notice_key(client: str, ticket_id: str, at: datetime, kind: str) -> str:
    return f"{client}/{ticket_id}/{at.astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}/{kind}"


def marker_for(key: str) -> str:
    return "rb-" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:10]


#: anything a reader could take for a marker, anywhere in a text (edited texts are refused)
MARKER_LOOKALIKE = re.compile(r"rb-[0-9a-f]{10}", re.IGNORECASE)


def marker_lookalike(text: str) -> str | None:
    """The first marker-like word in ``text`` (``rb-`` and 10 hex digits), if any."""
    match = MARKER_LOOKALIKE.search(text)
    return match.group(0) if match else None


def find_marker(text: str) -> str | None:
    """The marker that is the last word of ``text``, if any.

    Whatever precedes it (a newline, a space, a non-breaking space, a tag) and whatever
    whitespace or HTML tags follow it: trackers and people re-flow text. A marker inside the
    text (quoted by someone) is not one. Linear in the text's length, whatever it holds.
    """
    end = _skip_blank(text, len(text))
    while end and text[end - 1] == ">":  # closing tags around the last word: </p></body>
        start = text.rfind("<", 0, end)
        if start < 0 or not _TAG.fullmatch(text, start, end):
            return None
        end = _skip_blank(text, start)
    begin = end - MARKER_LENGTH
    if begin < 0 or not MARKER.fullmatch(text, begin, end):
        return None
    before = text[max(0, begin - 8):begin].rstrip(_INVISIBLE)
    if before and not (before[-1].isspace() or before[-1] == ">"
                       or before.endswith(_SPACE_ENTITIES)):
        return None
    return text[begin:end]


def _skip_blank(text: str, end: int) -> int:
    """Where ``text[:end]`` ends once trailing whitespace and invisible characters are off."""
    while end and (text[end - 1].isspace() or text[end - 1] in _INVISIBLE):
        end -= 1
    return end


@dataclass(frozen=True, slots=True)
class NoticeContext:
    """What the whole ledger tells the text of each of its notices."""

    #: when the texts are written (the ledger's ``computed_at``)
    now: datetime
    #: the numbers of the rounds beyond the quote
    extra_rounds: frozenset[int]
    #: seconds of ``[quote] hours_included`` the included rounds have not used (``None``
    #: without ``hours_included``)
    hours_left: int | None

    @classmethod
    def of(cls, ledger: Ledger) -> NoticeContext:
        hours_included = ledger.quote.hours_included
        left = None
        if hours_included is not None:
            used = sum(found.seconds for found in ledger.rounds if not found.extra)
            left = max(0, round(hours_included * 3600) - used)
        return cls(ledger.computed_at,
                   frozenset(found.number for found in ledger.rounds if found.extra), left)


def notices_for(ledger: Ledger, config: ClientConfig,
                skip: Container[str] = frozenset()) -> list[Notice]:
    """Every notice the ledger's requests call for now, in request order, but those whose key
    is in ``skip`` (left out before their text is written: a sync skips the outbox's keys)."""
    notices: list[Notice] = []
    context: NoticeContext | None = None
    for request in ledger.requests:
        for kind in request.notices:
            key = notice_key(ledger.client, request.remote_id, request.at, kind)
            if key not in skip:
                context = context or NoticeContext.of(ledger)
                notices.append(notice_for(request, kind, config, context, key))
    return notices


def notice_for(request: Request, kind: NoticeKind, config: ClientConfig,
               context: NoticeContext, key: str | None = None) -> Notice:
    """The notice of ``kind`` on ``request``, its text written at ``context.now``."""
    key = key or notice_key(config.client, request.remote_id, request.at, kind)
    marker = marker_for(key)
    overdue = request.due_at is not None and request.due_at <= context.now
    values = placeholder_values(request, config, context)
    text = notice_text(kind, values, config, overdue=overdue)
    return Notice(key, marker, kind, request.remote_id, with_marker(text, marker), request.at)


def with_marker(text: str, marker: str) -> str:
    """A comment's full text: ``text``, a blank line, the marker as its last word."""
    return f"{text}\n\n{marker}"


def notice_text(kind: NoticeKind, values: Mapping[str, str], config: ClientConfig, *,
                overdue: bool = False) -> str:
    """The client's template for ``kind`` filled with ``values``; the default text when the
    template is missing or unusable. ``overdue``: the request's due moment has passed, so a
    text that would write it (``{due}``) gives way to one that says it is being handled. The
    default ``ack`` and ``extra`` name the priority when ``values`` has one."""
    language = config.language
    late = OVERDUE_TEXTS[language].get(kind) if overdue else None
    template = config.comments.texts.get(kind)
    if template is not None and not _template_problems(template) and not (
            late is not None and _uses_due(template)):
        try:
            return template.format_map(values).strip()
        except (ValueError, TypeError, KeyError, IndexError, AttributeError):
            pass  # reported by validate_texts; fall back to the default text
    fallback = default_text(kind, language, priority=bool(values.get("priority")),
                            overdue=overdue)
    return fallback.format_map(values).strip()


def _uses_due(template: str) -> bool:
    return any(field == "due" for _, field, _, _ in string.Formatter().parse(template))


def validate_texts(config: ClientConfig) -> list[str]:
    """Problems in ``[comments.texts]``, as messages for ``config check``."""
    problems: list[str] = []
    sample = {name: "x" for name in PLACEHOLDERS}
    for kind, template in config.comments.texts.items():
        where = f"[comments.texts] {kind}"
        if kind not in KINDS:
            problems.append(f"{where}: unknown notice kind (known: {', '.join(KINDS)})")
            continue
        found = _template_problems(template)
        if not found:
            try:
                template.format_map(sample)
            except (ValueError, TypeError, KeyError, IndexError, AttributeError) as error:
                found = [f"cannot be filled in ({error})"]
        problems.extend(f"{where}: {problem}" for problem in found)
    return problems


def _template_problems(template: str) -> list[str]:
    try:
        parsed = list(string.Formatter().parse(template))
        fields = [field for _, field, _, _ in parsed if field is not None]
    except ValueError as error:
        return [f"not a valid template ({error}); write a literal brace as {{{{ or }}}}"]
    known = ", ".join("{" + name + "}" for name in PLACEHOLDERS)
    return [f"unknown placeholder {{{field}}} (known: {known})"
            for field in fields if field not in PLACEHOLDERS]


def placeholder_values(request: Request, config: ClientConfig,
                       context: NoticeContext) -> dict[str, str]:
    quote, language, zone = config.quote, config.language, config.zone
    left = None if request.round is None else max(0, quote.rounds_included - request.round)
    values = {
        "client": config.name or config.client,
        "ticket": _one_line(request.ticket),
        "title": _one_line(request.title),
        "requester": _one_line(request.by_name),
        "round": "" if request.round is None else str(request.round),
        "rounds_included": str(quote.rounds_included),
        "rounds_left": "" if left is None else str(left),
        "rounds_left_text": rounds_left(left, language),
        "quote": quote_name(quote, language),
        "reference": quote.reference,
        "due": "" if request.due_at is None else format_moment(request.due_at, zone, language),
        "billing": billing(quote, language),
        "round_price": "" if quote.round_price is None else money(quote.round_price,
                                                                   quote.currency, language),
        "hourly_rate": money(quote.hourly_rate, quote.currency, language),
        "priority": _one_line(request.priority or "", 60),
        "delivered": "" if request.delivered_at is None else format_moment(
            request.delivered_at, zone, language),
        "time_spent": duration(request.seconds, language),
        "hours_included": "" if quote.hours_included is None else duration(
            round(quote.hours_included * 3600), language),
        "hours_left": "" if context.hours_left is None else duration(context.hours_left,
                                                                     language),
    }
    values["quote_left"] = quote_left(values, request.round in context.extra_rounds,
                                      context.hours_left, language)
    return values


def _one_line(text: str, limit: int = 120) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
