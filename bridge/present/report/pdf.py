"""A report as PDF: the HTML statement laid out by WeasyPrint (A4, page numbers, the chart kept
as vectors). WeasyPrint is an extra (``pip install 'revbridge[pdf]'``) and needs the system's
Pango library; without either, the error says how to get them.
"""

from __future__ import annotations

from bridge.present.report.html_page import render_html
from bridge.present.report.model import Report
from connectors.errors import ConfigError

INSTALL_HINT = (
    "PDF needs WeasyPrint, an extra: pip install 'revbridge[pdf]' (and the system's Pango "
    "library: apt install libpango-1.0-0 libpangoft2-1.0-0 on Debian/Ubuntu, "
    "brew install pango on macOS)"
)

#: only read by WeasyPrint: a browser ignores page-margin boxes
PAGE_STYLE = """
@page { size: A4; margin: 16mm 14mm 18mm;
        @bottom-right { content: counter(page) " / " counter(pages);
                        font: 9px sans-serif; color: #6b7280; } }
body { font-family: "DejaVu Sans", "Liberation Sans", Arial, sans-serif; font-size: 10.5px; }
main { max-width: none; padding: 0; }
"""


def render_pdf(report: Report) -> bytes:
    """The report as PDF bytes; :class:`ConfigError` (exit 2) when WeasyPrint cannot run."""
    try:
        from weasyprint import CSS, HTML
    except (ImportError, OSError) as exc:  # OSError: WeasyPrint found, Pango not
        raise ConfigError([f"{INSTALL_HINT} ({type(exc).__name__}: {exc})"]) from None
    document = HTML(string=render_html(report))
    pdf = document.write_pdf(stylesheets=[CSS(string=PAGE_STYLE)])
    assert pdf is not None  # no target given: the bytes are returned
    return bytes(pdf)
