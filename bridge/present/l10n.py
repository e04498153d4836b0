"""Words, numbers, money and dates of a report in French or English.

Numbers: ``1,234.50`` in English, ``1 234,50`` in French (a narrow no-break space between
thousands). Money: ``€1,234.50`` / ``1 234,50 €``; a currency without a symbol here is written
after the number (``1,234.50 CHF``). Dates in the client's time zone: ``2 Mar 2026 09:00`` /
``02/03/2026 09:00``. Money is always shown with its cents, hours with two decimals.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal
from zoneinfo import ZoneInfo

from bridge.present import notice_texts
from bridge.present.notice_texts import format_moment

Language = Literal["fr", "en"]
LANGUAGES: tuple[Language, ...] = ("fr", "en")

NARROW_NBSP = "\u202f"
_MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def number(value: float, decimals: int, language: Language) -> str:
    text = f"{value:,.{decimals}f}"
    if language == "fr":
        return text.replace(",", NARROW_NBSP).replace(".", ",")
    return text


def money(amount: float, currency: str, language: Language) -> str:
    return notice_texts.money(amount, currency, language, cents=True)


def hours(value: float, language: Language) -> str:
    return f"{number(value, 2, language)} h"


def day(value: date, language: Language) -> str:
    if language == "fr":
        return f"{value:%d/%m/%Y}"
    return f"{value.day} {_MONTHS_EN[value.month - 1]} {value.year}"


def moment(value: datetime | None, zone: ZoneInfo, language: Language) -> str:
    """A moment in the client's time zone, or ``—`` when there is none."""
    if value is None:
        return "—"
    local = value.astimezone(zone)
    return f"{day(local.date(), language)} {local:%H:%M}"


def long_moment(value: datetime, zone: ZoneInfo, language: Language) -> str:
    """``Tuesday 3 March 2026 at 18:00 (CET)``, as in the status comments."""
    return format_moment(value, zone, language)


#: every label of a report, by language
WORDS: dict[Language, dict[str, str]] = {
    "en": {
        "title": "Revision report",
        "colon": ":",
        "generated": "Figures as of {moment}. Times are in {zone}.",
        "terms": "Quote terms",
        "reference": "Quote reference",
        "rounds_included": "Revision rounds included",
        "hours_included": "Hours included",
        "hourly_rate": "Hourly rate",
        "round_price": "Price of an extra round",
        "none": "—",
        "grouping": "How requests make rounds",
        "grouping.delivery": "a round lasts until every request in it is delivered",
        "grouping.window": "a round gathers the requests of a fixed window after its first one",
        "grouping.label": "the round label on each ticket gives its round",
        "grouping.slots": "requests are gathered until each scheduled review",
        "usage": "Rounds and hours used",
        "rounds_used": "Rounds used",
        "rounds_remaining": "Rounds remaining",
        "extra_rounds": "Extra rounds",
        "hours_spent": "Hours spent",
        "of": "{used} of {included}",
        "overage": "Beyond the quote",
        "overage.rounds": "Extra rounds billed at the round price",
        "overage.hours": "Hours billed at the hourly rate",
        "overage.amount": "Amount beyond the quote",
        "overage.none": "Nothing beyond the quote so far.",
        "period": "Period",
        "period.range": "{start} to {end}",
        "period.since": "from {start}",
        "period.until": "until {end}",
        "totals_note": "Totals are the ledger's totals for the whole quote, whatever the period. "
                       "The period only selects the rounds (by the day they opened) and the "
                       "requests (by the day they were made) listed below; its subtotals add "
                       "up the listed rounds' own figures.",
        "subtotals": "Subtotals of the period",
        "sub.rounds": "Rounds opened in the period",
        "sub.extra": "of which extra rounds",
        "sub.hours": "Hours of these rounds",
        "rounds": "Rounds",
        "round": "Round {number}",
        "round.extra": "extra, beyond the quote",
        "round.included": "included in the quote",
        "round.opened": "opened {moment}",
        "round.closed": "closed {moment}",
        "round.open": "still open",
        "no_rounds": "No rounds in this report.",
        "col.ticket": "Ticket",
        "col.title": "Title",
        "col.by": "Asked by",
        "col.at": "Asked on",
        "col.kind": "Kind",
        "col.delivered": "Delivered",
        "col.due": "Due",
        "col.hours": "Hours",
        "col.round": "Round",
        "col.status": "Status",
        "col.number": "Round",
        "col.opened": "Opened",
        "col.closed": "Closed",
        "col.requests": "Requests",
        "col.extra": "Beyond the quote",
        "kind.new": "new",
        "kind.reopen": "reopened",
        "yes": "yes",
        "no": "no",
        "not_delivered": "not yet",
        "total": "Total",
        "out_of_scope": "Out of scope: to be quoted separately",
        "out_of_scope.none": "No out-of-scope requests.",
        "not_counted": "Requests not counted",
        "status.not_designated": "awaiting a designated contact's confirmation",
        "status.unassigned": "no round label yet",
        "late": "Late requests",
        "late.none": "No late requests.",
        "chart": "Rounds and hours used over time",
        "chart.rounds": "Rounds used",
        "chart.hours": "Hours spent",
        "chart.limit": "included: {value}",
        "chart.period": "period",
        "chart.empty": "Nothing to chart yet.",
    },
    "fr": {
        "title": "Rapport des allers-retours",
        "colon": "\u202f:",
        "generated": "Chiffres au {moment}. Heures exprimées en {zone}.",
        "terms": "Conditions du devis",
        "reference": "Référence du devis",
        "rounds_included": "Allers-retours inclus",
        "hours_included": "Heures incluses",
        "hourly_rate": "Taux horaire",
        "round_price": "Prix d'un aller-retour supplémentaire",
        "none": "—",
        "grouping": "Regroupement des demandes",
        "grouping.delivery": "un aller-retour dure jusqu'à la livraison de toutes ses demandes",
        "grouping.window": "un aller-retour réunit les demandes d'une période fixe après la "
                           "première",
        "grouping.label": "l'étiquette de chaque ticket donne son aller-retour",
        "grouping.slots": "les demandes sont réunies jusqu'à chaque revue planifiée",
        "usage": "Allers-retours et heures consommés",
        "rounds_used": "Allers-retours consommés",
        "rounds_remaining": "Allers-retours restants",
        "extra_rounds": "Allers-retours supplémentaires",
        "hours_spent": "Heures passées",
        "of": "{used} sur {included}",
        "overage": "Hors devis",
        "overage.rounds": "Allers-retours supplémentaires facturés au forfait",
        "overage.hours": "Heures facturées au taux horaire",
        "overage.amount": "Montant hors devis",
        "overage.none": "Rien hors devis à ce jour.",
        "period": "Période",
        "period.range": "du {start} au {end}",
        "period.since": "à partir du {start}",
        "period.until": "jusqu'au {end}",
        "totals_note": "Les totaux sont ceux du registre pour l'ensemble du devis, quelle que "
                       "soit la période. La période ne fait que choisir les allers-retours (par "
                       "leur jour d'ouverture) et les demandes (par leur jour) listés ci-dessous ; "
                       "ses sous-totaux additionnent les chiffres propres aux allers-retours "
                       "listés.",
        "subtotals": "Sous-totaux de la période",
        "sub.rounds": "Allers-retours ouverts dans la période",
        "sub.extra": "dont supplémentaires",
        "sub.hours": "Heures de ces allers-retours",
        "rounds": "Allers-retours",
        "round": "Aller-retour {number}",
        "round.extra": "supplémentaire, hors devis",
        "round.included": "inclus dans le devis",
        "round.opened": "ouvert le {moment}",
        "round.closed": "clos le {moment}",
        "round.open": "en cours",
        "no_rounds": "Aucun aller-retour dans ce rapport.",
        "col.ticket": "Ticket",
        "col.title": "Titre",
        "col.by": "Demandé par",
        "col.at": "Demandé le",
        "col.kind": "Type",
        "col.delivered": "Livré le",
        "col.due": "Échéance",
        "col.hours": "Heures",
        "col.round": "Aller-retour",
        "col.status": "Statut",
        "col.number": "Aller-retour",
        "col.opened": "Ouvert le",
        "col.closed": "Clos le",
        "col.requests": "Demandes",
        "col.extra": "Hors devis",
        "kind.new": "nouvelle",
        "kind.reopen": "réouverture",
        "yes": "oui",
        "no": "non",
        "not_delivered": "pas encore",
        "total": "Total",
        "out_of_scope": "Hors périmètre : à chiffrer séparément",
        "out_of_scope.none": "Aucune demande hors périmètre.",
        "not_counted": "Demandes non comptées",
        "status.not_designated": "en attente de confirmation par un interlocuteur désigné",
        "status.unassigned": "pas encore d'étiquette d'aller-retour",
        "late": "Demandes en retard",
        "late.none": "Aucune demande en retard.",
        "chart": "Allers-retours et heures consommés dans le temps",
        "chart.rounds": "Allers-retours consommés",
        "chart.hours": "Heures passées",
        "chart.limit": "inclus : {value}",
        "chart.period": "période",
        "chart.empty": "Rien à représenter pour l'instant.",
    },
}


def words(language: Language) -> dict[str, str]:
    return WORDS[language]
