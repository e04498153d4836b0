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
        "col.priority": "Priority",
        "col.waiting": "Waiting on the client",
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
        "priority": "priority {priority}: handled within {within} ([sla.priorities], else "
                    "handle_within)",
        "priority.none": "no priority: handled within {within} ([sla] handle_within)",
        "priority.labels": "labels {labels} are all priorities: the shortest handling time "
                           "wins",
        "due.moved": "due moved by {hours}: waited for the client {waits}",
        "due.part": "of {hours} waited, only the time before it was due counts",
        "waited": "waited for the client {waits} ({hours}), once already due: the due date "
                  "stays",
        "wait": "from {start} to {end}",
        "wait.open": "from {start} (still waiting)",
        "and": "and",
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
        "col.priority": "Priorité",
        "col.waiting": "Attente du client",
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
        "priority": "priorité {priority} : traitée sous {within} ([sla.priorities], sinon "
                    "handle_within)",
        "priority.none": "sans priorité : traitée sous {within} ([sla] handle_within)",
        "priority.labels": "les étiquettes {labels} sont toutes des priorités : le délai le "
                           "plus court l'emporte",
        "due.moved": "échéance repoussée de {hours} : en attente du client {waits}",
        "due.part": "sur {hours} d'attente, seul le temps avant l'échéance compte",
        "waited": "en attente du client {waits} ({hours}), alors que la demande était déjà "
                  "échue : l'échéance ne bouge pas",
        "wait": "du {start} au {end}",
        "wait.open": "depuis le {start} (toujours en attente)",
        "and": "et",
    },
}


def words(language: Language) -> dict[str, str]:
    return WORDS[language]


def business_time(value: str, language: Language) -> str:
    """A handling time as written in ``[sla]`` (``4h``, ``2d``) in words: ``4 business hours``
    / ``4 heures ouvrées``."""
    count, unit = int(value[:-1]), value[-1]
    plural = "s" if count > 1 else ""
    if language == "fr":
        noun = "heure" if unit == "h" else "jour"
        agreed = "ouvrée" if unit == "h" else "ouvré"
        return f"{count} {noun}{plural} {agreed}{plural}"
    return f"{count} business {'hour' if unit == 'h' else 'day'}{plural}"


def priority_line(priority: str | None, within: str, labels: tuple[str, ...],
                  language: Language) -> str:
    """Which priority a request has and the handling time it gives; ``priority`` and
    ``labels`` are the tracker's text: the caller escapes the result for its medium."""
    w, within_words = WORDS[language], business_time(within, language)
    if priority is None:
        text = w["priority.none"].format(within=within_words)
    else:
        text = w["priority"].format(priority=priority, within=within_words)
    if len(labels) > 1:
        text += f" ({w['priority.labels'].format(labels=', '.join(labels))})"
    return text


def waiting_line(waits: tuple[tuple[datetime, datetime | None], ...], waiting_hours: float,
                 paused_hours: float, zone: ZoneInfo, language: Language) -> str:
    """How waiting on the client moved a request's due date (empty when it never waited):
    ``due moved by 6.00 h: waited for the client from … to …``."""
    if not waits:
        return ""
    w, spans = WORDS[language], waits_text(waits, zone, language)
    if not paused_hours:
        return w["waited"].format(waits=spans, hours=hours(waiting_hours, language))
    text = w["due.moved"].format(hours=hours(paused_hours, language), waits=spans)
    if paused_hours < waiting_hours:
        text += f" ({w['due.part'].format(hours=hours(waiting_hours, language))})"
    return text


def waits_text(waits: tuple[tuple[datetime, datetime | None], ...], zone: ZoneInfo,
               language: Language) -> str:
    """``from 2 Mar 2026 12:00 to 3 Mar 2026 12:00 and from …``."""
    w = WORDS[language]
    parts = [w["wait.open"].format(start=moment(start, zone, language)) if end is None else
             w["wait"].format(start=moment(start, zone, language),
                              end=moment(end, zone, language))
             for start, end in waits]
    return f" {w['and']} ".join(parts)
