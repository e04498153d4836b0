"""The words of the status comments: default texts per language and kind, and the phrases
(dates, money, durations, what is left on the quote) filled into them.

``ack`` and ``extra`` end with one sentence saying when the request will be handled; it names
the request's priority when it has one ("Priority High: we will handle it by …"), and gives no
date once the due moment has passed. Without a priority the texts are those revbridge has
always posted (a client's notices do not change when nothing about its requests did).
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bridge.clientfile.schema import Quote
from bridge.engine.ledger import NoticeKind

#: the first sentences of ``ack`` and ``extra``: what the request is to the quote
_INTROS: dict[str, dict[NoticeKind, str]] = {
    "en": {
        "ack": "Thank you, we have received this request. It is part of revision round {round} "
               "of {rounds_included} in {quote} ({rounds_left_text}).",
        "extra": "Thank you, we have received this request. It falls in revision round {round}, "
                 "beyond the {rounds_included} rounds included in {quote}, so it will be billed "
                 "{billing}.",
    },
    "fr": {
        "ack": "Merci, nous avons bien reçu cette demande. Elle fait partie de l'aller-retour "
               "{round} sur {rounds_included} prévus dans {quote} ({rounds_left_text}).",
        "extra": "Merci, nous avons bien reçu cette demande. Elle relève de l'aller-retour "
                 "{round}, au-delà des {rounds_included} prévus dans {quote} : elle sera donc "
                 "facturée {billing}.",
    },
}

#: the last sentence of ``ack`` and ``extra``, by (priority named, due moment passed)
_HANDLING: dict[str, dict[tuple[bool, bool], str]] = {
    "en": {
        (False, False): "We will handle it by {due}.",
        (False, True): "It is being handled.",
        (True, False): "Priority {priority}: we will handle it by {due}.",
        (True, True): "Priority {priority}: it is being handled.",
    },
    "fr": {
        (False, False): "Nous la traiterons d'ici le {due}.",
        (False, True): "Elle est en cours de traitement.",
        (True, False): "Priorité {priority} : nous la traiterons d'ici le {due}.",
        (True, True): "Priorité {priority} : elle est en cours de traitement.",
    },
}


def _with_handling(language: str, *, priority: bool, overdue: bool) -> dict[NoticeKind, str]:
    ending = _HANDLING[language][priority, overdue]
    return {kind: f"{intro} {ending}" for kind, intro in _INTROS[language].items()}


DEFAULT_TEXTS: dict[str, dict[NoticeKind, str]] = {
    "en": {
        **_with_handling("en", priority=False, overdue=False),
        "not_designated": "Thank you for this request. As it does not come from a contact "
                          "designated for this project, could a designated contact please "
                          "confirm it here?",
        "out_of_scope": "Thank you for this request. It is not covered by {quote}: we will send "
                        "you a new quote for it before starting the work.",
        "delivered": "We have delivered this request: it is now in your hands. Time spent on "
                     "it: {time_spent}. {quote_left}",
    },
    "fr": {
        **_with_handling("fr", priority=False, overdue=False),
        "not_designated": "Merci pour cette demande. Comme elle ne vient pas d'un interlocuteur "
                          "désigné pour ce projet, pourriez-vous la faire confirmer ici par l'un "
                          "d'eux ?",
        "out_of_scope": "Merci pour cette demande. Elle n'est pas couverte par {quote} : nous vous "
                        "adresserons un nouveau devis avant de commencer.",
        "delivered": "Nous avons livré cette demande : elle est désormais entre vos mains. Temps "
                     "passé : {time_spent}. {quote_left}",
    },
}

#: ``ack`` and ``extra`` written after the request's due moment (a daemon that was down, a late
#: approval): the request is being handled, and no date in the past is promised
OVERDUE_TEXTS: dict[str, dict[NoticeKind, str]] = {
    language: _with_handling(language, priority=False, overdue=True) for language in _INTROS}

#: ``ack`` and ``extra`` of a request with a priority, by whether its due moment has passed
PRIORITY_TEXTS: dict[tuple[str, bool], dict[NoticeKind, str]] = {
    (language, overdue): _with_handling(language, priority=True, overdue=overdue)
    for language in _INTROS for overdue in (False, True)}


def default_text(kind: NoticeKind, language: str, *, priority: bool, overdue: bool) -> str:
    """revbridge's own template for ``kind``: dated or not, naming the priority or not."""
    if priority and kind in _INTROS[language]:
        return PRIORITY_TEXTS[language, overdue][kind]
    late = OVERDUE_TEXTS[language].get(kind) if overdue else None
    return late or DEFAULT_TEXTS[language][kind]


_DAYS = {
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
    "fr": ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"),
}
_MONTHS = {
    "en": ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"),
    "fr": ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
           "octobre", "novembre", "décembre"),
}
SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£"}


def format_moment(moment: datetime, zone: ZoneInfo, language: str) -> str:
    """``Tuesday 3 March 2026 at 18:00 (CET)`` / ``mardi 3 mars 2026 à 18h00 (CET)``."""
    local = moment.astimezone(zone)
    day, month = _DAYS[language][local.weekday()], _MONTHS[language][local.month - 1]
    if language == "fr":
        return f"{day} {local.day} {month} {local.year} à {local:%H}h{local:%M} ({local:%Z})"
    return f"{day} {local.day} {month} {local.year} at {local:%H:%M} ({local:%Z})"


def duration(seconds: int, language: str) -> str:
    """Time spent, to the minute: ``2 h 5 min`` / ``2 h 05``, ``45 min``, ``3 h``, ``0 h``."""
    whole, rest = divmod(round(seconds / 60), 60)
    if not rest:
        return f"{whole} h"
    if not whole:
        return f"{rest} min"
    return f"{whole} h {rest:02d}" if language == "fr" else f"{whole} h {rest} min"


def rounds_left(left: int | None, language: str) -> str:
    if left is None:
        return ""
    if language == "fr":
        if left == 0:
            return "c'est le dernier prévu"
        return f"il en restera {left} ensuite"
    if left == 0:
        return "the last one included"
    return f"{left} round{'s' if left > 1 else ''} left after this one"


def quote_left(values: dict[str, str], extra: bool, hours_left: int | None,
               language: str) -> str:
    """What is left on the quote once a request is delivered: the rounds after its round (or
    that it went beyond them), then, when the quote includes hours, the hours left."""
    english = language != "fr"
    if not values["round"]:
        rounds = ""
    elif extra:
        rounds = ("It falls in revision round {round}, beyond the {rounds_included} rounds "
                  "included in {quote}." if english else
                  "Elle relève de l'aller-retour {round}, au-delà des {rounds_included} prévus "
                  "dans {quote}.")
    else:
        rounds = ("It is part of revision round {round} of {rounds_included} in {quote} "
                  "({rounds_left_text})." if english else
                  "Elle fait partie de l'aller-retour {round} sur {rounds_included} prévus dans "
                  "{quote} ({rounds_left_text}).")
    if hours_left is None:
        hours = ""
    elif hours_left > 0:
        hours = ("Hours left on the quote: {hours_left} of the {hours_included} included."
                 if english else
                 "Heures restantes sur le devis : {hours_left} sur les {hours_included} "
                 "incluses.")
    else:
        hours = ("The {hours_included} included in the quote are all used." if english else
                 "Les {hours_included} incluses dans le devis sont toutes consommées.")
    return " ".join(part for part in (rounds, hours) if part).format_map(values)


def quote_name(quote: Quote, language: str) -> str:
    if language == "fr":
        return f"le devis {quote.reference}" if quote.reference else "le devis"
    return f"quote {quote.reference}" if quote.reference else "the quote"


def billing(quote: Quote, language: str) -> str:
    if quote.round_price is not None:
        price = money(quote.round_price, quote.currency, language)
        if language == "fr":
            return f"au forfait de {price} par aller-retour"
        return f"at the round price of {price}"
    rate = money(quote.hourly_rate, quote.currency, language)
    if language == "fr":
        return f"au temps passé, au taux horaire de {rate}"
    return f"for the time spent, at the hourly rate of {rate}"


def money(amount: float, currency: str, language: str, *, cents: bool = False) -> str:
    """``€80`` / ``80 €`` (``1,234.50`` / ``1 234,50``); whole amounts without cents unless
    ``cents``. Known currencies by their symbol, others by their code."""
    number = f"{amount:,.0f}" if amount == int(amount) and not cents else f"{amount:,.2f}"
    if language == "fr":
        number = number.replace(",", "\u202f").replace(".", ",")
        return f"{number} {SYMBOLS.get(currency, currency)}"
    symbol = SYMBOLS.get(currency)
    return f"{symbol}{number}" if symbol else f"{number} {currency}"
