"""Reading reports back, for the tests: Markdown tables and facts, HTML tables, numbers."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

NARROW_NBSP = "\u202f"


def number(text: str, language: str) -> float:
    """The number in ``1 234,50 €`` / ``€1,234.50`` / ``1.50 h``."""
    if language == "fr":
        cleaned = text.replace(NARROW_NBSP, "").replace(",", ".")
    else:
        cleaned = text.replace(",", "")
    match = re.search(r"-?\d+(?:\.\d+)?", cleaned)
    assert match, f"no number in {text!r}"
    return float(match.group())


# --- Markdown ---------------------------------------------------------------------------------

@dataclass
class MdCell:
    text: str
    href: str | None = None


def _split_row(line: str) -> list[str]:
    """Raw cells of a table row, split on unescaped pipes (escapes kept)."""
    assert line.startswith("|") and line.endswith("|"), line
    cells, current, i = [], "", 1
    body = line[:-1]
    while i < len(body):
        char = body[i]
        if char == "\\" and i + 1 < len(body):
            current += body[i:i + 2]
            i += 2
            continue
        if char == "|":
            cells.append(current.strip())
            current = ""
        else:
            current += char
        i += 1
    cells.append(current.strip())
    return cells


def md_unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


def _md_cell(raw: str) -> MdCell:
    raw = raw.removeprefix("**").removesuffix("**") if raw.startswith("**") else raw
    link = re.fullmatch(r"\[((?:\\.|[^\\\]])*)\]\(([^()\s]*)\)", raw)
    if link:
        return MdCell(md_unescape(link.group(1)), link.group(2))
    return MdCell(md_unescape(raw))


@dataclass
class MdTable:
    heading: str
    headers: list[str]
    rows: list[list[MdCell]] = field(default_factory=list)


def md_tables(text: str) -> list[MdTable]:
    """Every table, with the heading above it; rows exclude the header and alignment rows."""
    tables: list[MdTable] = []
    heading, lines = "", text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("#"):
            heading = md_unescape(line.lstrip("#").strip())
        if line.startswith("|"):
            headers = [md_unescape(c) for c in _split_row(line)]
            assert re.fullmatch(r"\|( -{3}:? \|)+", lines[i + 1]), lines[i + 1]
            table = MdTable(heading, headers)
            i += 2
            while i < len(lines) and lines[i].startswith("|"):
                row = [_md_cell(c) for c in _split_row(lines[i])]
                assert len(row) == len(headers), (lines[i], headers)
                table.rows.append(row)
                i += 1
            tables.append(table)
            continue
        i += 1
    return tables


def md_facts(text: str) -> dict[str, str]:
    """``- **Label:** value`` lines as {label: value} (French colons too)."""
    found = {}
    for line in text.splitlines():
        match = re.fullmatch(r"- \*\*(.+?)\u202f?:\*\* (.*)", line)
        if match:
            found[md_unescape(match.group(1))] = md_unescape(match.group(2))
    return found


# --- HTML -------------------------------------------------------------------------------------

@dataclass
class HtmlCell:
    text: str = ""
    href: str | None = None
    tag: str = "td"


@dataclass
class HtmlTable:
    id: str | None
    classes: str
    head: list[list[HtmlCell]] = field(default_factory=list)
    body: list[list[HtmlCell]] = field(default_factory=list)
    foot: list[list[HtmlCell]] = field(default_factory=list)


class ReportParser(HTMLParser):
    """Collects tables (by id), every start tag with its attributes, and the SVG elements."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[HtmlTable] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.open_elements: list[str] = []
        self._table: HtmlTable | None = None
        self._part = "body"
        self._row: list[HtmlCell] | None = None
        self._cell: HtmlCell | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        self.tags.append((tag, attributes))
        if tag not in ("meta", "br", "line", "polyline", "rect", "circle", "path"):
            self.open_elements.append(tag)
        if tag == "table":
            assert self._table is None, "nested table"
            self._table = HtmlTable(attributes.get("id"), attributes.get("class") or "")
            self._part = "body"
        elif tag in ("thead", "tbody", "tfoot"):
            self._part = tag.removeprefix("t")
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th"):
            self._cell = HtmlCell(tag=tag)
        elif tag == "a" and self._cell is not None:
            self._cell.href = attributes.get("href")

    def handle_endtag(self, tag: str) -> None:
        if self.open_elements and self.open_elements[-1] == tag:
            self.open_elements.pop()
        if tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append(self._cell)
            self._cell = None
        elif tag == "tr" and self._row is not None and self._table is not None:
            getattr(self._table, self._part).append(self._row)
            self._row = None
        elif tag == "table" and self._table is not None:
            self.tables.append(self._table)
            self._table = None

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.text += data

    def table(self, table_id: str) -> HtmlTable:
        (found,) = [t for t in self.tables if t.id == table_id]
        return found

    def facts(self, section: str) -> dict[str, str]:
        return {row[0].text: row[1].text for row in self.table(f"{section}-facts").body}

    def elements(self, tag: str) -> list[dict[str, str | None]]:
        return [attrs for name, attrs in self.tags if name == tag]


def parse_html(text: str) -> ReportParser:
    parser = ReportParser()
    parser.feed(text)
    parser.close()
    return parser
