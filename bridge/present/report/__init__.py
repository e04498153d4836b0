"""Client-facing reports of a ledger: Markdown, CSV, HTML, PDF (``revbridge report``).

:func:`build_report` selects what a report lists (:mod:`bridge.present.report.model`);
:func:`render` turns it into text in one of the text formats, :func:`render_bytes` into the
bytes of a file in any of :data:`FORMATS`. Pure: a report is made from a computed ledger (and
the invoices read for it), and nothing here reads the store or the clock.
"""

from __future__ import annotations

from typing import Literal

from bridge.present.l10n import LANGUAGES, Language
from bridge.present.report.csv_export import render_csv
from bridge.present.report.html_page import render_html
from bridge.present.report.md import render_markdown
from bridge.present.report.model import Period, Report, build_report

Format = Literal["md", "csv", "html", "pdf"]
FORMATS: tuple[Format, ...] = ("md", "csv", "html", "pdf")
#: the extensions each format is written to with -o
SUFFIXES: dict[str, Format] = {".md": "md", ".markdown": "md", ".csv": "csv", ".html": "html",
                               ".htm": "html", ".pdf": "pdf"}

__all__ = ["FORMATS", "LANGUAGES", "SUFFIXES", "Format", "Language", "Period", "Report",
           "build_report", "render", "render_bytes"]


def render(report: Report, fmt: Format, *, excel: bool = False) -> str:
    """The report as Markdown, CSV (``excel``: for a French spreadsheet) or HTML text."""
    if fmt == "csv":
        return render_csv(report, excel=excel)
    if fmt == "html":
        return render_html(report)
    if fmt == "pdf":
        raise ValueError("a PDF is no text: use render_bytes")
    return render_markdown(report)


def render_bytes(report: Report, fmt: Format, *, excel: bool = False) -> bytes:
    """The report as the bytes of a file in ``fmt`` (text formats in UTF-8)."""
    if fmt == "pdf":
        from bridge.present.report.pdf import render_pdf

        return render_pdf(report)
    return render(report, fmt, excel=excel).encode("utf-8")
