"""The subset of JQL the fake Jira understands.

``clause (AND clause)* [ORDER BY field [ASC|DESC]]`` where a clause is ``( ... )`` or
``field op value``; fields ``project``, ``key``, ``id``, ``labels``, ``status``, ``updated``,
``created``; ops ``=``, ``!=``, ``>=``, ``>``, ``<=``, ``<``, ``in``. Date literals are
``"yyyy-MM-dd HH:mm"``, ``"yyyy/MM/dd HH:mm"`` or a bare date, read in the searching user's time
zone with minute precision, as Jira does. Anything else is a 400, as on the real server.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any

_TOKEN = re.compile(r'\s*(?:(?P<str>"(?:[^"\\]|\\.)*"|\'[^\']*\')|(?P<op>>=|<=|!=|=|>|<|\(|\)|,)'
                    r'|(?P<word>[^\s=!<>(),"\']+))')
_DATE_FORMATS = ("%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M", "%Y-%m-%d", "%Y/%m/%d")
DATE_FIELDS = ("updated", "created")
FIELDS = ("project", "key", "id", "labels", "status", *DATE_FIELDS)


class JqlError(ValueError):
    """The query is outside the subset or malformed (the fake answers 400)."""


@dataclass(frozen=True)
class Query:
    """A parsed query: a predicate over issue views and an ordering."""

    matches: Callable[[dict[str, Any]], bool]
    order_field: str | None
    descending: bool


def _tokens(text: str) -> list[str]:
    out: list[str] = []
    pos = 0
    text = text.rstrip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None or m.end() == pos:
            raise JqlError(f"cannot read JQL at {text[pos:pos + 20]!r}")
        out.append(m.group(m.lastgroup or "word"))
        pos = m.end()
    return out


def _unquote(token: str) -> str:
    if token[:1] in ('"', "'"):
        return token[1:-1].replace('\\"', '"')
    return token


def parse_date(literal: str, zone: tzinfo) -> datetime:
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(literal, fmt).replace(tzinfo=zone)
        except ValueError:
            continue
    raise JqlError(f"Date value '{literal}' for field is invalid.")


class _Parser:
    def __init__(self, text: str, zone: tzinfo) -> None:
        self.tokens = _tokens(text)
        self.pos = 0
        self.zone = zone

    def peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> str:
        token = self.peek()
        if token is None:
            raise JqlError("unexpected end of JQL")
        self.pos += 1
        return token

    def parse(self) -> Query:
        predicate: Callable[[dict[str, Any]], bool] = _always
        if self.peek() is not None and (self.peek() or "").upper() != "ORDER":
            predicate = self.expr()
        order_field: str | None = None
        descending = False
        if (self.peek() or "").upper() == "ORDER":
            self.take()
            if self.take().upper() != "BY":
                raise JqlError("expected BY after ORDER")
            order_field = self.take().lower()
            if order_field not in FIELDS:
                raise JqlError(f"cannot order by {order_field}")
            if (self.peek() or "").upper() in ("ASC", "DESC"):
                descending = self.take().upper() == "DESC"
        if self.peek() is not None:
            raise JqlError(f"unexpected {self.peek()!r}")
        return Query(predicate, order_field, descending)

    def expr(self) -> Callable[[dict[str, Any]], bool]:
        parts = [self.term()]
        while (self.peek() or "").upper() == "AND":
            self.take()
            parts.append(self.term())
        return lambda view: all(p(view) for p in parts)

    def term(self) -> Callable[[dict[str, Any]], bool]:
        if self.peek() == "(":
            self.take()
            inner = self.expr()
            if self.take() != ")":
                raise JqlError("expected )")
            return inner
        field = self.take().lower()
        if field not in FIELDS:
            raise JqlError(f"Field '{field}' does not exist or you do not have permission.")
        op = self.take().lower()
        if op == "in":
            return self._in(field)
        if op not in ("=", "!=", ">=", ">", "<=", "<"):
            raise JqlError(f"unsupported operator {op!r}")
        literal = _unquote(self.take())
        if field in DATE_FIELDS:
            return _compare(field, op, parse_date(literal, self.zone))
        if op not in ("=", "!="):
            raise JqlError(f"operator {op} not supported for {field}")
        want = op == "="
        return lambda view: (_has(view, field, literal)) == want

    def _in(self, field: str) -> Callable[[dict[str, Any]], bool]:
        if self.take() != "(":
            raise JqlError("expected ( after in")
        values: list[str] = []
        while True:
            values.append(_unquote(self.take()))
            sep = self.take()
            if sep == ")":
                break
            if sep != ",":
                raise JqlError("expected , or )")
        return lambda view: any(_has(view, field, v) for v in values)


def _always(_view: dict[str, Any]) -> bool:
    return True


def _has(view: dict[str, Any], field: str, literal: str) -> bool:
    value = view[field]
    if isinstance(value, (list, tuple, set, frozenset)):
        return literal in value
    return str(value).lower() == literal.lower()


def _compare(field: str, op: str, bound: datetime) -> Callable[[dict[str, Any]], bool]:
    tests: dict[str, Callable[[datetime], bool]] = {
        ">=": lambda v: v >= bound, ">": lambda v: v > bound, "<=": lambda v: v <= bound,
        "<": lambda v: v < bound, "=": lambda v: v == bound, "!=": lambda v: v != bound,
    }
    test = tests[op]
    return lambda view: test(view[field])


def parse(text: str, zone: tzinfo) -> Query:
    """Parse ``text``; date literals are read in ``zone``."""
    return _Parser(text, zone).parse()
