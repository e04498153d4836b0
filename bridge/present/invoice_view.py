"""Showing invoices: line labels in French and English, the terminal view of one invoice, and
the words the statement uses for what was invoiced and what is due."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from bridge.engine.invoicing import HOURS_CAP, Line
from bridge.present import l10n

if TYPE_CHECKING:
    from bridge.engine.invoicing import Invoice, Summary

WORDS: dict[str, dict[str, str]] = {
    "en": {
        "round": "Extra round {number}",
        "hours-cap": "Hours beyond the {included} included",
        "at_price": "round price",
        "at_rate": "{hours} at {rate}/h",
        "credit": "credit",
        "correction": "correction (billed before: {before})",
        "invoice": "Invoice {number}",
        "through": "Billed through {day}",
        "total": "Total",
        "void": "VOID: {reason}",
        "invoiced": "Invoiced",
        "invoiced.through": "{amount} (through {day})",
        "invoiced.none": "nothing yet",
        "due": "Due (not invoiced yet)",
        "lines": "Invoiced in this period",
        "col.line": "Line",
        "col.detail": "Detail",
        "col.amount": "Amount",
        "parties": "Who bills whom",
        "from": "From",
        "to": "Billed to",
        "company_id": "Company id",
        "vat_id": "VAT id",
        "email": "E-mail",
        "billing": "Invoiced and due",
        "invoice.section": "Invoice {number} (through {day})",
    },
    "fr": {
        "round": "Aller-retour supplémentaire {number}",
        "hours-cap": "Heures au-delà des {included} incluses",
        "at_price": "forfait par aller-retour",
        "at_rate": "{hours} à {rate}/h",
        "credit": "avoir",
        "correction": "correction (déjà facturé : {before})",
        "invoice": "Facture {number}",
        "through": "Facturé jusqu’au {day}",
        "total": "Total",
        "void": "ANNULÉE : {reason}",
        "invoiced": "Déjà facturé",
        "invoiced.through": "{amount} (jusqu’au {day})",
        "invoiced.none": "rien pour l’instant",
        "due": "Reste à facturer",
        "lines": "Facturé pour cette période",
        "col.line": "Ligne",
        "col.detail": "Détail",
        "col.amount": "Montant",
        "parties": "Émetteur et destinataire",
        "from": "Émetteur",
        "to": "Facturé à",
        "company_id": "SIRET",
        "vat_id": "N° TVA",
        "email": "Courriel",
        "billing": "Facturé et reste à facturer",
        "invoice.section": "Facture {number} (jusqu’au {day})",
    },
}


def words(language: str) -> dict[str, str]:
    return WORDS.get(language, WORDS["en"])


def _lang(language: str) -> l10n.Language:
    for known in l10n.LANGUAGES:
        if known == language:
            return known
    return "en"


def money(cents: int, currency: str, language: str) -> str:
    """``€40.00``, ``-€40.00`` (a credit), ``-40,00 €``."""
    text = l10n.money(abs(cents) / 100, currency, _lang(language))
    return f"-{text}" if cents < 0 else text


def line_label(line: Line, language: str, hours_included: float | None = None) -> str:
    """What a line bills: ``Extra round 4``, ``Hours beyond the 10 h included``."""
    w = words(language)
    if line.key.startswith("round:"):
        return w["round"].format(number=line.key.removeprefix("round:"))
    if line.key == HOURS_CAP:
        included = "—" if hours_included is None else l10n.hours(hours_included, _lang(language))
        return w["hours-cap"].format(included=included)
    return line.key


def line_detail(line: Line, currency: str, language: str, hourly_rate: float | None) -> str:
    """How the line's amount comes about, and whether it is a credit or a correction."""
    w, lang = words(language), _lang(language)
    parts: list[str] = []
    if line.rounds:
        parts.append(w["at_price"])
    elif line.seconds and hourly_rate is not None:
        parts.append(w["at_rate"].format(hours=l10n.hours(line.seconds / 3600, lang),
                                         rate=l10n.money(hourly_rate, currency, lang)))
    if line.correction:
        parts.append(w["correction"].format(before=money(line.billed_before, currency, language)))
    if line.credit:
        parts.append(w["credit"])
    return ", ".join(parts)


def render_invoice(invoice: Invoice, language: str, hourly_rate: float | None = None
                   ) -> RenderableType:
    """The terminal view of one invoice."""
    w, lang = words(language), _lang(language)
    title = w["invoice"].format(number=invoice.number) + f" — {invoice.client}"
    table = Table(title=Text(title), title_justify="left", show_footer=True)
    table.add_column(w["col.line"], w["total"])
    table.add_column(w["col.detail"])
    table.add_column(w["col.amount"], money(invoice.total_cents, invoice.currency, language),
                     justify="right")
    for line in invoice.lines:
        detail = line_detail(line, invoice.currency, language, hourly_rate)
        amount = Text(money(line.cents, invoice.currency, language),
                      style="red" if line.credit else "")
        table.add_row(Text(line_label(line, language)), Text(detail), amount)
    parts: list[RenderableType] = [
        Text(w["through"].format(day=l10n.day(invoice.through, lang))), table]
    if invoice.void:
        parts.append(Text(w["void"].format(reason=invoice.void_reason or ""), style="bold red"))
    return Group(*parts)


def status_rows(summary: Summary) -> list[tuple[str, RenderableType]]:
    """The ``status`` rows for what was invoiced and what is due."""
    invoiced = "nothing yet"
    if summary.through is not None:
        invoiced = (f"{l10n.money(summary.invoiced_cents / 100, summary.currency, 'en')} "
                    f"(through {summary.through.isoformat()})")
    due = Text(l10n.money(summary.due_cents / 100, summary.currency, "en"),
               style="bold red" if summary.due_cents > 0 else "")
    return [("Invoiced", invoiced), ("Due (not invoiced yet)", due)]
