"""Client-facing reports of a ledger: Markdown, CSV, HTML (``revbridge report``).

:func:`build_report` selects what a report lists (:mod:`bridge.present.report.model`);
:func:`render` turns it into text in one of :data:`FORMATS`. Pure: a report is made from a
computed ledger, and nothing here reads the store or the clock.
"""

from __future__ import annotations

from typing import Literal

from bridge.present.l10n import LANGUAGES, Language
from bridge.present.report.csv_export import render_csv
from bridge.present.report.html_page import render_html
from bridge.present.report.md import render_markdown
from bridge.present.report.model import Period, Report, build_report

Format = Literal["md", "csv", "html"]
FORMATS: tuple[Format, ...] = ("md", "csv", "html")

__all__ = ["FORMATS", "LANGUAGES", "Format", "Language", "Period", "Report", "build_report",
           "render"]


def render(report: Report, fmt: Format) -> str:
    """The report as Markdown, CSV or HTML text."""
    if fmt == "csv":
        return render_csv(report)
    if fmt == "html":
        return render_html(report)
    return render_markdown(report)
