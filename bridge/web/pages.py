"""The dashboard's pages: one function per route, each taking a :class:`~bridge.web.app.Ctx`
and returning a response. Blocking work (the store) is fine here: they run in a thread pool."""

from __future__ import annotations

import importlib.util
import sys
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from markupsafe import Markup
from starlette.responses import Response

from bridge.billing.invoices import summary
from bridge.clientfile.settings import load_settings
from bridge.engine.ledger import Ledger
from bridge.present import invoice_view, l10n
from bridge.present.l10n import Language
from bridge.present.ledger_view import explain
from bridge.present.report import FORMATS, build_report, render_bytes
from bridge.present.report.svg_chart import render_chart
from bridge.sync import outbox as outbox_ops
from bridge.web.app import AUTH_COOKIE, Ctx, client_path, redirect
from bridge.web.board import OVERVIEW_BUDGET, ClientLine
from bridge.web.guard import Refused
from bridge.web.jobs import ALREADY
from bridge.web.words import words
from connectors.errors import ConfigError

#: notes a redirect may ask a page to show (``?note=``): only these words, never free text
NOTES = frozenset({"approved", "discarded", "saved", "nothing", "sync_started", "sync_already"})
OUTBOX_SHOWN = ("held", "pending", "sending")
#: notices the first sync recorded without posting them: listed, read-only
SKIPPED = ("skipped",)
MEDIA_TYPES = {"md": "text/markdown; charset=utf-8", "csv": "text/csv; charset=utf-8",
               "html": "text/html; charset=utf-8", "pdf": "application/pdf"}


@dataclass(frozen=True, slots=True)
class Fmt:
    """Money, hours and moments in one language (the same l10n as notices and reports)."""

    lang: Language

    def money(self, amount: float, currency: str) -> str:
        return l10n.money(amount, currency, self.lang)

    def cents(self, cents: int, currency: str) -> str:
        """Whole cents, as invoices and "due" are kept (a credit shows as ``-€40.00``)."""
        return invoice_view.money(cents, currency, self.lang)

    def hours(self, value: float) -> str:
        return l10n.hours(value, self.lang)

    def moment(self, value: datetime | None, zone: ZoneInfo) -> str:
        return l10n.moment(value, zone, self.lang)


def _note(ctx: Ctx) -> str | None:
    note = ctx.query("note")
    return note if note in NOTES else None


def _count(ctx: Ctx) -> int:
    raw = ctx.query("count") or "0"
    return int(raw) if raw.isdigit() else 0


def _line(ctx: Ctx) -> ClientLine:
    slug = ctx.param("slug")
    line = ctx.app.board.client(slug)
    if line is None:
        known = ", ".join(f.slug for f in ctx.app.board.files.all()) or "none"
        raise Refused(404, f"No client {slug!r} in {ctx.app.board.files.folder} "
                           f"(known: {known}).")
    return line


def _ledger(line: ClientLine) -> Ledger:
    if line.ledger is None:
        raise Refused(409, f"{line.file.path}: fix the client file first: "
                           + "; ".join(line.file.problems))
    return line.ledger


def _language(ctx: Ctx, line: ClientLine) -> Language:
    config = line.file.config
    return ctx.language(config.language if config is not None else "en")


def _zone(line: ClientLine) -> ZoneInfo:
    return line.file.config.zone if line.file.config is not None else ZoneInfo("UTC")


def last_sync_text(line: ClientLine, lang: Language) -> str:
    """When the client's latest sync ended (or started, while it runs), or "never"."""
    run = line.last_run
    if run is None:
        return words(lang)["never"]
    return l10n.moment(run.finished_at or run.started_at, _zone(line), lang)


def daemon_text(line: ClientLine, lang: Language) -> str:
    """The daemon's plan for the client, in words."""
    w, plan, zone = words(lang), line.plan, _zone(line)
    if plan is None:
        return w["daemon.none"]
    if plan.paused:
        return w["daemon.paused"].format(why=plan.paused)
    if plan.failures:
        return w["daemon.backoff"].format(failures=plan.failures,
                                          moment=l10n.moment(plan.retry_at, zone, lang))
    return w["daemon.next"].format(moment=l10n.moment(plan.next_run_at, zone, lang))


# pages ----------------------------------------------------------------------------------------

def overview(ctx: Ctx) -> Response:
    lines = ctx.app.board.overview(OVERVIEW_BUDGET)
    spoken = Counter(line.file.config.language for line in lines if line.file.config)
    lang = ctx.language(spoken.most_common(1)[0][0] if spoken else "en")
    return ctx.render("overview.html", lang, lines=lines, fmt=Fmt(lang),
                      refresh=any(line.pending for line in lines),
                      daemon={line.slug: daemon_text(line, lang) for line in lines},
                      last={line.slug: last_sync_text(line, lang) for line in lines},
                      folder=str(ctx.app.board.files.folder), client=None)


def client(ctx: Ctx) -> Response:
    line = _line(ctx)
    lang = _language(ctx, line)
    if line.ledger is None:
        return ctx.render("client.html", lang, line=line, client=line, ledger=None,
                          fmt=Fmt(lang), chart="", job=None, note=None, count=0, formats=(),
                          daemon=daemon_text(line, lang), figures=None, pdf_missing=False)
    ledger = line.ledger
    chart = Markup(render_chart(build_report(ledger, lang)))  # the chart escapes its text
    missing = pdf_missing()
    formats = tuple(f for f in FORMATS if f != "pdf" or missing is None)
    return ctx.render("client.html", lang, line=line, client=line, ledger=ledger,
                      zone=ZoneInfo(ledger.timezone), fmt=Fmt(lang), chart=chart,
                      job=ctx.app.jobs.job(line.slug), note=_note(ctx), count=_count(ctx),
                      formats=formats, daemon=daemon_text(line, lang), figures=line.figures,
                      pdf_missing=missing is not None, refresh=_running(ctx, line.slug))


def pdf_missing() -> str | None:
    """Why no PDF can be made here (WeasyPrint, an extra, is not installed), or None.

    Looked up without importing WeasyPrint (a second's work): when it is installed but cannot
    load (the system's Pango missing), the download itself says so.
    """
    from bridge.present.report.pdf import INSTALL_HINT

    if "weasyprint" in sys.modules:  # imported already, or known missing (None)
        return None if sys.modules["weasyprint"] is not None else INSTALL_HINT
    return None if importlib.util.find_spec("weasyprint") is not None else INSTALL_HINT


def _running(ctx: Ctx, slug: str) -> bool:
    job = ctx.app.jobs.job(slug)
    return job is not None and job.running


def explanation(ctx: Ctx) -> Response:
    line = _line(ctx)
    ledger, lang, ticket = _ledger(line), _language(ctx, line), ctx.param("ticket")
    try:
        text = explain(ledger, ticket)
    except ConfigError:
        raise Refused(404, words(lang)["explain.missing"].format(ticket=ticket)) from None
    key = ledger.find(ticket)[0].ticket
    return ctx.render("explain.html", lang, line=line, client=line, key=key, text=text)


def report(ctx: Ctx) -> Response:
    """The statement ``revbridge report`` writes (with what was invoiced and what is due, and
    the settings file's freelancer), in one of :data:`FORMATS`."""
    line = _line(ctx)
    ledger, lang, fmt = _ledger(line), _language(ctx, line), ctx.param("fmt")
    if fmt not in FORMATS:
        raise Refused(404, f"No {fmt!r} report: choose one of {', '.join(FORMATS)}.")
    config = line.file.config
    assert config is not None  # a ledger was derived from it
    try:
        settings = load_settings(ctx.app.settings)
        built = build_report(ledger, lang, billing=summary(ctx.app.store, ledger),
                             freelancer=settings.freelancer,
                             client_details=config.client_details)
        body = render_bytes(built, fmt, excel=settings.report.csv == "excel-fr")
    except ConfigError as exc:  # the settings file has problems; no WeasyPrint for a PDF
        raise Refused(409, "; ".join(exc.problems)) from None
    filename = f"{line.slug}-report.{fmt}"
    return Response(body, media_type=MEDIA_TYPES.get(fmt, "application/octet-stream"),
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def outbox(ctx: Ctx) -> Response:
    line = _line(ctx)
    lang = _language(ctx, line)
    rows = ctx.app.store.outbox(line.slug, OUTBOX_SHOWN)
    requests = {r.remote_id: r for r in (line.ledger.requests if line.ledger else ())}
    notices = [(row, requests.get(row.ticket_id), outbox_ops.editable_text(row.body, row.marker))
               for row in rows]
    skipped = [(row, requests.get(row.ticket_id)) for row in ctx.app.store.outbox(line.slug,
                                                                                  SKIPPED)]
    return ctx.render("outbox.html", lang, line=line, client=line, notices=notices,
                      skipped=skipped,
                      note=_note(ctx), count=_count(ctx), fmt=Fmt(lang),
                      zone=_zone(line))


def edit_notice(ctx: Ctx) -> Response:
    line = _line(ctx)
    notice = int(ctx.param("notice"))
    try:
        # a browser sends a text area's line breaks as CRLF; the trackers' comments use LF
        text = ctx.form_value("text").replace("\r\n", "\n").replace("\r", "\n")
        outbox_ops.edit(ctx.app.store, line.slug, notice, text)
    except ConfigError as exc:
        raise Refused(400, "; ".join(exc.problems)) from None
    return redirect(client_path(line.slug, "outbox"), note="saved")


def outbox_action(ctx: Ctx) -> Response:
    line = _line(ctx)
    action = ctx.param("action")
    if action not in ("approve", "discard"):
        raise Refused(404, f"No outbox action {action!r}: approve or discard.")
    raw = ctx.form_values("id")
    if not raw:  # never "every notice" by accident: the store's functions read [] as all
        return redirect(client_path(line.slug, "outbox"), note="nothing")
    if not all(value.isdigit() for value in raw):
        raise Refused(400, "Notice ids are numbers: reload the page and try again.")
    move = outbox_ops.approve if action == "approve" else outbox_ops.discard
    try:
        count = move(ctx.app.store, line.slug, [int(value) for value in raw])
    except ConfigError as exc:
        raise Refused(409, "; ".join(exc.problems) + " (reload the page: it changed "
                           "meanwhile)") from None
    note = "approved" if action == "approve" else "discarded"
    return redirect(client_path(line.slug, "outbox"), note=note, count=count)


def sync_now(ctx: Ctx) -> Response:
    line = _line(ctx)
    if line.file.config is None:
        _ledger(line)  # raises: the file has problems
    assert line.file.config is not None
    started = ctx.app.jobs.start(line.file.config)
    note = "sync_already" if started == ALREADY else "sync_started"
    return redirect(client_path(line.slug), note=note)


def login(ctx: Ctx) -> Response:
    guard = ctx.app.guard
    lang = ctx.language()
    target = ctx.query("next") or "/"
    if not target.startswith("/") or target.startswith("//"):
        target = "/"
    if guard.token is None:
        return redirect("/")
    if ctx.form is not None:
        if guard.token_matches(ctx.form_value("token")):
            response = redirect(target)
            response.set_cookie(AUTH_COOKIE, guard.auth_value(), httponly=True,
                                samesite="strict",
                                secure=ctx.request.url.scheme == "https", path="/")
            return response
        return ctx.render("login.html", lang, status=401, wrong=True, target=target,
                          client=None)
    return ctx.render("login.html", lang, wrong=False, target=target, client=None)
