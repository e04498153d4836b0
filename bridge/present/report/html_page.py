"""A report as one self-contained, printable HTML page with an inline SVG chart.

No external asset and no script: the styles are inline and a Content-Security-Policy forbids
loading anything, as a second guard behind the escaping. Every string is HTML-escaped
(attributes included); links are only made to http(s) addresses.
"""

from __future__ import annotations

from html import escape

from bridge.present import l10n
from bridge.present.report.model import Report
from bridge.present.report.sections import Cell, Section, Table, sections, title_of
from bridge.present.report.svg_chart import render_chart

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"

STYLE = """
:root { color-scheme: light; --ink: #111827; --muted: #6b7280; --line: #e5e7eb;
        --extra: #b91c1c; --accent: #2563eb; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--ink); background: #fff;
       font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
main { max-width: 1000px; margin: 0 auto; padding: 32px 28px 48px; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 18px; margin: 28px 0 8px; padding-bottom: 4px;
     border-bottom: 2px solid var(--line); }
h3 { font-size: 15px; margin: 20px 0 4px; }
p.note { color: var(--muted); margin: 4px 0 8px; }
table { border-collapse: collapse; width: 100%; margin: 6px 0 10px; }
th, td { text-align: left; vertical-align: top; padding: 5px 8px;
         border-bottom: 1px solid var(--line); overflow-wrap: anywhere; }
thead th { font-size: 12px; text-transform: uppercase; letter-spacing: .03em; color: var(--muted); }
td.num, th.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
tfoot td { font-weight: 600; border-top: 2px solid var(--ink); border-bottom: none; }
table.facts { width: auto; min-width: 60%; }
table.facts th { font-weight: 500; color: var(--muted); padding-right: 24px; }
table.facts td { font-weight: 600; }
#overage table.facts tr:last-child td { color: var(--extra); font-size: 16px; }
section.extra h3 { color: var(--extra); }
a { color: var(--accent); text-decoration: none; }
figure { margin: 8px 0; }
svg.chart { max-width: 100%; height: auto; }
@page { size: A4; margin: 14mm; }
@media print {
  body { font-size: 11px; }
  main { max-width: none; padding: 0; }
  a { color: inherit; }
  h2, h3 { break-after: avoid; }
  tr, figure { break-inside: avoid; }
  thead { display: table-header-group; }
}
"""


def render_html(report: Report) -> str:
    w = l10n.words(report.language)
    body: list[str] = []
    for section in sections(report):
        body.append(_section(section, report))
        if section.key == "overage":
            body.append(f'<section id="chart"><h2>{escape(w["chart"])}</h2>'
                        f"<figure>{render_chart(report)}</figure></section>")
    return (
        f'<!DOCTYPE html>\n<html lang="{report.language}">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title_of(report))}</title>\n<style>{STYLE}</style>\n</head>\n"
        f"<body>\n<main>\n{''.join(body)}</main>\n</body>\n</html>\n"
    )


def _section(section: Section, report: Report) -> str:
    heading = f"h{section.level}"
    extra = section.key.startswith("round-") and any(
        r.extra and f"round-{r.number}" == section.key for r in report.rounds)
    tag = "header" if section.level == 1 else "section"
    attributes = f' id="{escape(section.key)}"' + (' class="extra"' if extra else "")
    parts = [f"<{tag}{attributes}>", f"<{heading}>{escape(section.title)}</{heading}>"]
    parts += [f'<p class="note">{escape(note)}</p>' for note in section.notes]
    if section.facts:
        rows = "".join(f'<tr><th scope="row">{escape(label)}</th><td>{escape(value)}</td></tr>'
                       for label, value in section.facts)
        parts.append(f'<table class="facts" id="{escape(section.key)}-facts">'
                     f"<tbody>{rows}</tbody></table>")
    if section.table is not None:
        parts.append(_table(section.table))
    parts.append(f"</{tag}>\n")
    return "".join(parts)


def _table(table: Table) -> str:
    first = table.rows[0] if table.rows else ()
    numeric = [i < len(first) and first[i].numeric for i in range(len(table.headers))]
    head = "".join(f'<th scope="col"{_num(numeric[i])}>{escape(h)}</th>'
                   for i, h in enumerate(table.headers))
    rows = "".join("<tr>" + "".join(_cell(c) for c in row) + "</tr>" for row in table.rows)
    foot = ""
    if table.footer is not None:
        foot = "<tfoot><tr>" + "".join(_cell(c) for c in table.footer) + "</tr></tfoot>"
    return (f'<table id="{escape(table.key)}"><thead><tr>{head}</tr></thead>'
            f"<tbody>{rows}</tbody>{foot}</table>")


def _num(numeric: bool) -> str:
    return ' class="num"' if numeric else ""


def _cell(cell: Cell) -> str:
    text = escape(cell.text)
    if cell.href:
        text = f'<a href="{escape(cell.href, quote=True)}" rel="noopener noreferrer">{text}</a>'
    return f"<td{_num(cell.numeric)}>{text}</td>"
