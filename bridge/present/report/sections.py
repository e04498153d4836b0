"""A report as a list of sections of plain text, facts and tables, shared by the Markdown and
HTML renderers (which escape every string they are given: nothing here is markup).

Each figure is formatted from the ledger's own numbers; nothing is recomputed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from bridge.engine.invoicing import Invoice
from bridge.engine.ledger import Request, Round
from bridge.present import l10n
from bridge.present.invoice_view import line_detail, line_label, money
from bridge.present.invoice_view import words as invoice_words
from bridge.present.report.model import Report, requester


@dataclass(frozen=True, slots=True)
class Cell:
    text: str
    href: str | None = None
    numeric: bool = False


@dataclass(frozen=True, slots=True)
class Table:
    key: str
    headers: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    footer: tuple[Cell, ...] | None = None


@dataclass(frozen=True, slots=True)
class Section:
    key: str
    title: str
    level: int = 2
    notes: tuple[str, ...] = ()
    facts: tuple[tuple[str, str], ...] = ()
    table: Table | None = None


#: what would start a new line (or a new table row); spaces, no-break ones included, are kept
_LINE_BREAKS = re.compile(r"[\r\n\t\f\v\x1c-\x1f\x85\u2028\u2029]+")


def one_line(text: str) -> str:
    """``text`` on one line: line breaks and tabs become a space."""
    return _LINE_BREAKS.sub(" ", text).strip()


def safe_href(url: str) -> str | None:
    """``url`` when it is an http(s) address, else None (never a ``javascript:`` link)."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    return url.strip() if parts.scheme in ("http", "https") and parts.netloc else None


def title_of(report: Report) -> str:
    ledger = report.ledger
    return f"{l10n.words(report.language)['title']} — {ledger.client_name}"


def sections(report: Report) -> list[Section]:
    w = l10n.words(report.language)
    found = [_preamble(report)]
    parties = _parties(report)
    if parties is not None:
        found.append(parties)
    found += [_terms(report), _usage(report), _overage(report)]
    if report.billing is not None:
        found.append(_billing(report))
        found.extend(_invoice_section(report, invoice) for invoice in report.invoices)
    if report.period is not None:
        found.append(_period(report))
    found.append(Section("rounds", w["rounds"], notes=() if report.rounds else (w["no_rounds"],),
                         table=_rounds_table(report) if report.rounds else None))
    found.extend(_round_section(report, found_round) for found_round in report.rounds)
    found.append(_request_section(report, "out_of_scope", report.out_of_scope,
                                  ("ticket", "title", "by", "at", "hours")))
    if report.not_counted:
        found.append(_request_section(report, "not_counted", report.not_counted,
                                      ("ticket", "title", "by", "at", "status", "hours")))
    found.append(_request_section(report, "late", report.late,
                                  ("ticket", "title", "priority", "round", "at", "due",
                                   "waiting", "delivered")))
    return found


def _preamble(report: Report) -> Section:
    w, ledger = l10n.words(report.language), report.ledger
    when = l10n.long_moment(ledger.computed_at, report.zone, report.language)
    return Section("preamble", title_of(report), level=1,
                   notes=(w["generated"].format(moment=when, zone=ledger.timezone),))


def _terms(report: Report) -> Section:
    w, lang, quote = l10n.words(report.language), report.language, report.ledger.quote
    included = w["none"] if quote.hours_included is None else l10n.hours(quote.hours_included,
                                                                          lang)
    price = w["none"] if quote.round_price is None else l10n.money(quote.round_price,
                                                                   quote.currency, lang)
    return Section("terms", w["terms"], facts=(
        (w["reference"], quote.reference or w["none"]),
        (w["rounds_included"], str(quote.rounds_included)),
        (w["hours_included"], included),
        (w["hourly_rate"], l10n.money(quote.hourly_rate, quote.currency, lang) + "/h"),
        (w["round_price"], price),
        (w["grouping"], w[f"grouping.{report.ledger.grouping}"]),
    ))


def _usage(report: Report) -> Section:
    w, lang, ledger = l10n.words(report.language), report.language, report.ledger
    spent = l10n.hours(ledger.hours_spent, lang)
    if ledger.quote.hours_included is not None:
        spent = w["of"].format(used=spent,
                               included=l10n.hours(ledger.quote.hours_included, lang))
    notes = (w["totals_note"],) if report.period is not None else ()
    return Section("usage", w["usage"], notes=notes, facts=(
        (w["rounds_used"], w["of"].format(used=ledger.rounds_used,
                                          included=ledger.rounds_included)),
        (w["rounds_remaining"], str(ledger.rounds_remaining)),
        (w["extra_rounds"], str(ledger.extra_rounds)),
        (w["hours_spent"], spent),
    ))


def _overage(report: Report) -> Section:
    w, lang, ledger = l10n.words(report.language), report.language, report.ledger
    over, quote = ledger.overage, ledger.quote
    facts: list[tuple[str, str]] = []
    if quote.round_price is not None:
        price = l10n.money(quote.round_price, quote.currency, lang)
        facts.append((w["overage.rounds"], f"{over.rounds} × {price}"))
    rate = l10n.money(quote.hourly_rate, quote.currency, lang)
    facts.append((w["overage.hours"], f"{l10n.hours(over.hours, lang)} × {rate}/h"))
    facts.append((w["overage.amount"], l10n.money(over.amount, over.currency, lang)))
    notes = () if over.amount or over.rounds or over.hours else (w["overage.none"],)
    return Section("overage", w["overage"], notes=notes, facts=tuple(facts))


def _parties(report: Report) -> Section | None:
    """Who bills whom: the settings file's [freelancer], the client file's [client_details]."""
    me, them = report.freelancer, report.client_details
    if (me is None or not me.name) and (them is None or not (them.legal_name or them.address)):
        return None
    iw = invoice_words(report.language)
    facts: list[tuple[str, str]] = []
    if me is not None and me.name:
        facts.append((iw["from"], ", ".join([me.name, *me.address])))
        facts += [(iw[key], value) for key, value in
                  (("email", me.email), ("company_id", me.company_id), ("vat_id", me.vat_id))
                  if value]
    name = (them.legal_name if them is not None else "") or report.ledger.client_name
    address = list(them.address) if them is not None else []
    facts.append((iw["to"], ", ".join([name, *address])))
    if them is not None:
        facts += [(iw[key], value) for key, value in
                  (("company_id", them.company_id), ("vat_id", them.vat_id)) if value]
    return Section("parties", iw["parties"], facts=tuple(facts))


def _billing(report: Report) -> Section:
    iw, lang, billing = invoice_words(report.language), report.language, report.billing
    assert billing is not None
    invoiced = iw["invoiced.none"]
    if billing.through is not None:
        invoiced = iw["invoiced.through"].format(
            amount=money(billing.invoiced_cents, billing.currency, lang),
            day=l10n.day(billing.through, lang))
    return Section("billing", iw["billing"], facts=(
        (iw["invoiced"], invoiced),
        (iw["due"], money(billing.due_cents, billing.currency, lang)),
    ))


def _invoice_section(report: Report, invoice: Invoice) -> Section:
    iw, lang, quote = invoice_words(report.language), report.language, report.ledger.quote
    rows = tuple(
        (Cell(line_label(line, lang, quote.hours_included)),
         Cell(line_detail(line, invoice.currency, lang, quote.hourly_rate)),
         Cell(money(line.cents, invoice.currency, lang), numeric=True))
        for line in invoice.lines)
    footer = (Cell(iw["total"]), Cell(""),
              Cell(money(invoice.total_cents, invoice.currency, lang), numeric=True))
    headers = (iw["col.line"], iw["col.detail"], iw["col.amount"])
    title = iw["invoice.section"].format(number=invoice.number,
                                         day=l10n.day(invoice.through, lang))
    return Section(f"invoice-{invoice.number}", title, level=3,
                   table=Table(f"invoice-{invoice.number}-lines", headers, rows, footer))


def _period(report: Report) -> Section:
    w, lang, period, sub = l10n.words(report.language), report.language, report.period, \
        report.subtotals
    assert period is not None and sub is not None
    first = l10n.day(period.first, lang) if period.first else None
    last = l10n.day(period.last, lang) if period.last else None
    if first and last:
        span = w["period.range"].format(start=first, end=last)
    elif first:
        span = w["period.since"].format(start=first)
    else:
        span = w["period.until"].format(end=last)
    return Section("period", w["subtotals"], facts=(
        (w["period"], span),
        (w["sub.rounds"], str(sub.rounds)),
        (w["sub.extra"], str(sub.extra_rounds)),
        (w["sub.hours"], l10n.hours(sub.hours, lang)),
    ))


def _rounds_table(report: Report) -> Table:
    w, lang, zone = l10n.words(report.language), report.language, report.zone
    rows = tuple(
        (Cell(str(r.number), numeric=True), Cell(l10n.moment(r.opened_at, zone, lang)),
         Cell(l10n.moment(r.closed_at, zone, lang) if r.closed_at else w["round.open"]),
         Cell(str(len(r.requests)), numeric=True),
         Cell(l10n.hours(r.hours, lang), numeric=True), Cell(w["yes"] if r.extra else w["no"]))
        for r in report.rounds)
    headers = tuple(w[f"col.{name}"] for name in
                    ("number", "opened", "closed", "requests", "hours", "extra"))
    return Table("rounds-table", headers, rows)


def _round_section(report: Report, found: Round) -> Section:
    w, lang, zone = l10n.words(report.language), report.language, report.zone
    state = [w["round.opened"].format(moment=l10n.moment(found.opened_at, zone, lang)),
             w["round.closed"].format(moment=l10n.moment(found.closed_at, zone, lang))
             if found.closed_at else w["round.open"],
             w["round.extra"] if found.extra else w["round.included"]]
    columns = ("ticket", "title", "by", "at", "kind", "priority", "delivered", "waiting", "hours")
    table = _requests_table(report, f"round-{found.number}", found.requests, columns)
    footer_cells = [Cell(w["total"])] + [Cell("") for _ in columns[1:-1]]
    footer = (*footer_cells, Cell(l10n.hours(found.hours, lang), numeric=True))
    table = Table(table.key, table.headers, table.rows, footer)
    return Section(f"round-{found.number}", w["round"].format(number=found.number), level=3,
                   notes=(", ".join(state),), table=table)


def _request_section(report: Report, key: str, requests: tuple[Request, ...],
                     columns: tuple[str, ...]) -> Section:
    w = l10n.words(report.language)
    if not requests:
        return Section(key, w[key], notes=(w[f"{key}.none"],))
    return Section(key, w[key], table=_requests_table(report, f"{key}-table", requests, columns))


def _requests_table(report: Report, key: str, requests: tuple[Request, ...],
                    columns: tuple[str, ...]) -> Table:
    headers = tuple(l10n.words(report.language)[f"col.{name}"] for name in columns)
    rows = tuple(tuple(_cell(report, request, name) for name in columns) for request in requests)
    return Table(key, headers, rows)


def _cell(report: Report, request: Request, column: str) -> Cell:
    w, lang, zone = l10n.words(report.language), report.language, report.zone
    if column == "ticket":
        return Cell(request.ticket, href=safe_href(request.url))
    if column == "title":
        return Cell(request.title)
    if column == "by":
        return Cell(requester(request))
    if column == "at":
        return Cell(l10n.moment(request.at, zone, lang))
    if column == "kind":
        return Cell(w[f"kind.{request.kind}"])
    if column == "delivered":
        delivered = request.delivered_at
        return Cell(l10n.moment(delivered, zone, lang) if delivered else w["not_delivered"])
    if column == "due":
        return Cell(l10n.moment(request.due_at, zone, lang))
    if column == "round":
        return Cell("" if request.round is None else str(request.round), numeric=True)
    if column == "status":
        return Cell(w.get(f"status.{request.status}", request.status))
    if column == "priority":
        return Cell(request.priority or w["none"])
    if column == "waiting":
        waited = request.waiting_hours
        return Cell(l10n.hours(waited, lang) if request.waits else w["none"], numeric=True)
    return Cell(l10n.hours(request.hours, lang), numeric=True)
