"""A report as Markdown (GitHub-flavoured tables).

Everything from a ticket is flattened to one line and its Markdown punctuation is escaped with
a backslash (``|`` included, so a title never splits a table cell); links are only made to
http(s) addresses, percent-encoded so that no character can end the link early.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from bridge.present import l10n
from bridge.present.report.model import Report
from bridge.present.report.sections import Cell, Section, Table, one_line, sections

_SPECIAL = re.compile(r"([\\`*_\[\]<>|~&#])")
#: characters kept as they are in a link's address; everything else is percent-encoded
_URL_SAFE = ":/?#@!$&'*+,;=%~-._"


def escape(text: str) -> str:
    """``text`` on one line with every Markdown special character backslash-escaped."""
    return _SPECIAL.sub(r"\\\1", one_line(text))


def link(text: str, url: str) -> str:
    return f"[{escape(text)}]({quote(url, safe=_URL_SAFE)})"


def render_markdown(report: Report) -> str:
    lines: list[str] = []
    colon = l10n.words(report.language)["colon"]
    for section in sections(report):
        lines.extend(_section(section, colon))
    return "\n".join(lines).rstrip("\n") + "\n"


def _section(section: Section, colon: str) -> list[str]:
    lines = ["#" * section.level + " " + escape(section.title), ""]
    for note in section.notes:
        lines += [escape(note), ""]
    if section.facts:
        lines += [f"- **{escape(label)}{colon}** {escape(value)}"
                  for label, value in section.facts]
        lines.append("")
    if section.table is not None:
        lines += [*_table(section.table), ""]
    return lines


def _table(table: Table) -> list[str]:
    first = table.rows[0] if table.rows else ()
    align = tuple("---:" if i < len(first) and first[i].numeric else "---"
                  for i in range(len(table.headers)))
    lines = [_row(tuple(escape(h) for h in table.headers)), _row(align)]
    lines += [_row(tuple(_cell(c) for c in row)) for row in table.rows]
    if table.footer is not None:
        lines.append(_row(tuple(f"**{_cell(c)}**" if c.text else "" for c in table.footer)))
    return lines


def _cell(cell: Cell) -> str:
    return link(cell.text, cell.href) if cell.href else escape(cell.text)


def _row(cells: tuple[str, ...]) -> str:
    return "| " + " | ".join(cells) + " |"
