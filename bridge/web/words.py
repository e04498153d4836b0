"""The dashboard's own words in French and English. Money, hours, dates and the report's labels
come from :mod:`bridge.present.l10n`, the one source shared with notices and reports."""

from __future__ import annotations

from bridge.present import invoice_view
from bridge.present.l10n import WORDS as REPORT_WORDS
from bridge.present.l10n import Language

WEB_WORDS: dict[Language, dict[str, str]] = {
    "en": {
        "app": "revbridge",
        "overview": "All clients",
        "overview.empty": "No client files in {folder}. Write one (see config.example.toml) or "
                          "run `revbridge init`.",
        "col.client": "Client",
        "ov.rounds": "Rounds used / included",
        "ov.hours": "Hours used / included",
        "col.overage": "Beyond the quote",
        "col.late": "Late",
        "col.held": "Held notices",
        "ov.computing": "computing the figures… (this page refreshes itself)",
        "ov.failed": "the figures could not be derived ({error}): please report this bug, with "
                     "the dashboard's log; the next sync of this client tries again",
        "col.last_sync": "Last sync",
        "col.daemon": "Daemon",
        "explain": "explain",
        "explanation": "Explanation",
        "explain.missing": "No request on ticket {ticket} in this ledger.",
        "back": "Back to {name}",
        "back.overview": "All clients",
        "never": "never",
        "outcome.ok": "ok",
        "outcome.failed": "failed",
        "outcome.running": "running",
        "daemon.none": "no daemon",
        "daemon.next": "next run {moment}",
        "daemon.backoff": "backing off after {failures} failure(s), retry {moment}",
        "daemon.paused": "paused: {why}",
        "config.broken": "client file has problems",
        "requests": "Requests",
        "status.counted": "counted",
        "status.out_of_scope": "out of scope",
        "status.excluded": "excluded",
        "status.not_designated": "not from a designated contact",
        "status.unassigned": "no round label",
        "late.yes": "late",
        "downloads": "Report",
        "outbox": "Outbox",
        "outbox.held": "{count} notice(s) held for review",
        "outbox.open": "Review held notices",
        "outbox.none": "No notice is waiting for review.",
        "outbox.pending": "Waiting to be posted by the next sync",
        "outbox.intro": "Held notices are posted only once approved, by the next sync. The last "
                        "line (the marker) is revbridge's: it lets the next sync recognise its "
                        "own comment, and is kept whatever the text says.",
        "outbox.marker": "marker",
        "outbox.select": "select",
        "outbox.save": "Save the text",
        "outbox.approve": "Approve",
        "outbox.discard": "Discard",
        "outbox.approve_selected": "Approve the selected notices",
        "outbox.discard_selected": "Discard the selected notices",
        "outbox.select_all": "all",
        "skipped.count": "{count} notice(s) never posted: the first sync recorded them as "
                         "skipped",
        "skipped.title": "Not posted: recorded as skipped by the first sync",
        "skipped.intro": "The first sync wrote a notice for each request made before "
                         "[comments] since without posting it, so the client did not get a "
                         "comment on every old ticket at once. They are listed to read only: "
                         "none will be posted. To post one anyway: revbridge outbox approve "
                         "{client} --id N.",
        "pdf.missing": "PDF: needs WeasyPrint. Install it with pip install 'revbridge[pdf]' "
                       "(and the system's Pango library), then restart revbridge web.",
        "kind.ack": "acknowledgement",
        "kind.extra": "beyond the quote",
        "kind.not_designated": "confirmation asked",
        "kind.out_of_scope": "out of scope",
        "kind.delivered": "delivered",
        "sync.now": "Sync now",
        "sync.running": "A sync of {client} is running (started {moment}); this page refreshes "
                        "until it ends.",
        "sync.already": "A sync of {client} is already running: wait for it to finish.",
        "sync.locked": "Another process (the daemon?) is syncing {client} right now: try again "
                       "in a moment.",
        "sync.done": "Sync finished: {outcome}.",
        "sync.error": "The last sync failed: {error}",
        "note.approved": "{count} notice(s) approved: the next sync posts them.",
        "note.discarded": "{count} notice(s) discarded: they will never be posted.",
        "note.saved": "Text saved.",
        "note.nothing": "No notice selected.",
        "language": "Language",
        "login": "Sign in",
        "login.intro": "This dashboard needs its token: paste the content of the token file "
                       "given to `revbridge web --token-file`.",
        "login.token": "Token",
        "login.wrong": "Wrong token: paste the whole content of the token file.",
        "error.title": "Something is wrong",
    },
    "fr": {
        "app": "revbridge",
        "overview": "Tous les clients",
        "overview.empty": "Aucune fiche client dans {folder}. Écrivez-en une (voir "
                          "config.example.toml) ou lancez `revbridge init`.",
        "col.client": "Client",
        "ov.rounds": "Allers-retours consommés / inclus",
        "ov.hours": "Heures passées / incluses",
        "col.overage": "Hors devis",
        "col.late": "En retard",
        "col.held": "Commentaires en attente",
        "ov.computing": "calcul des chiffres en cours… (la page se met à jour toute seule)",
        "ov.failed": "impossible de calculer les chiffres ({error}) : merci de signaler ce "
                     "bogue, avec le journal du tableau de bord ; la prochaine synchro de ce "
                     "client réessaie",
        "col.last_sync": "Dernière synchro",
        "col.daemon": "Démon",
        "explain": "expliquer",
        "explanation": "Explication",
        "explain.missing": "Aucune demande sur le ticket {ticket} dans ce registre.",
        "back": "Retour à {name}",
        "back.overview": "Tous les clients",
        "never": "jamais",
        "outcome.ok": "réussie",
        "outcome.failed": "échouée",
        "outcome.running": "en cours",
        "daemon.none": "pas de démon",
        "daemon.next": "prochaine synchro {moment}",
        "daemon.backoff": "en pause après {failures} échec(s), nouvel essai {moment}",
        "daemon.paused": "suspendu : {why}",
        "config.broken": "la fiche client a des problèmes",
        "requests": "Demandes",
        "status.counted": "comptée",
        "status.out_of_scope": "hors périmètre",
        "status.excluded": "exclue",
        "status.not_designated": "pas d'un interlocuteur désigné",
        "status.unassigned": "sans étiquette d'aller-retour",
        "late.yes": "en retard",
        "downloads": "Rapport",
        "outbox": "Commentaires à valider",
        "outbox.held": "{count} commentaire(s) en attente de validation",
        "outbox.open": "Relire les commentaires en attente",
        "outbox.none": "Aucun commentaire n'attend de validation.",
        "outbox.pending": "En attente d'envoi par la prochaine synchro",
        "outbox.intro": "Un commentaire en attente n'est publié qu'une fois validé, par la "
                        "synchro suivante. La dernière ligne (le marqueur) appartient à "
                        "revbridge : elle lui permet de reconnaître son propre commentaire, et "
                        "elle est conservée quel que soit le texte.",
        "outbox.marker": "marqueur",
        "outbox.select": "choisir",
        "outbox.save": "Enregistrer le texte",
        "outbox.approve": "Valider",
        "outbox.discard": "Écarter",
        "outbox.approve_selected": "Valider la sélection",
        "outbox.discard_selected": "Écarter la sélection",
        "outbox.select_all": "tous",
        "skipped.count": "{count} commentaire(s) jamais publié(s) : la première synchro les a "
                         "mis de côté",
        "skipped.title": "Non publiés : mis de côté par la première synchro",
        "skipped.intro": "La première synchro a rédigé un commentaire pour chaque demande "
                         "antérieure à [comments] since sans le publier, pour que le client ne "
                         "reçoive pas d'un coup un commentaire sur chaque ancien ticket. Ils "
                         "sont affichés pour lecture seulement : aucun ne sera publié. Pour en "
                         "publier un malgré tout : revbridge outbox approve {client} --id N.",
        "pdf.missing": "PDF : il faut WeasyPrint. Installez-le avec pip install "
                       "'revbridge[pdf]' (et la bibliothèque Pango du système), puis relancez "
                       "revbridge web.",
        "kind.ack": "accusé de réception",
        "kind.extra": "hors devis",
        "kind.not_designated": "confirmation demandée",
        "kind.out_of_scope": "hors périmètre",
        "kind.delivered": "livraison",
        "sync.now": "Synchroniser maintenant",
        "sync.running": "Une synchro de {client} est en cours (lancée {moment}) ; cette page se "
                        "met à jour jusqu'à la fin.",
        "sync.already": "Une synchro de {client} est déjà en cours : attendez qu'elle se "
                        "termine.",
        "sync.locked": "Un autre processus (le démon ?) synchronise {client} en ce moment : "
                       "réessayez dans un instant.",
        "sync.done": "Synchro terminée : {outcome}.",
        "sync.error": "La dernière synchro a échoué : {error}",
        "note.approved": "{count} commentaire(s) validé(s) : la prochaine synchro les publie.",
        "note.discarded": "{count} commentaire(s) écarté(s) : ils ne seront jamais publiés.",
        "note.saved": "Texte enregistré.",
        "note.nothing": "Aucun commentaire choisi.",
        "language": "Langue",
        "login": "Connexion",
        "login.intro": "Ce tableau de bord demande son jeton : collez le contenu du fichier "
                       "donné à `revbridge web --token-file`.",
        "login.token": "Jeton",
        "login.wrong": "Jeton incorrect : collez tout le contenu du fichier du jeton.",
        "error.title": "Un problème",
    },
}


def billing_words(language: Language) -> dict[str, str]:
    """What was invoiced and what is due, in the statement's words."""
    said = invoice_view.words(language)
    return {"col.billing_due": said["due"], "billing.due": said["due"],
            "billing.invoiced": said["invoiced"], "billing.invoiced.none": said["invoiced.none"],
            "billing.invoiced.through": said["invoiced.through"]}


def words(language: Language) -> dict[str, str]:
    """The dashboard's words and the report's, in one table (the dashboard's win a clash)."""
    return {**REPORT_WORDS[language], **billing_words(language), **WEB_WORDS[language]}
