"""A client file held against what its tracker really holds (``config check --online``).

Pure: takes the validated config and the connector's :class:`TrackerMap`, returns the
problems. Each line names the file, the key, the wrong value and, when one is close, the real
name it probably meant ("did you mean"); tracker strings are quoted with ``repr`` so a control
character cannot hide in them (the caller escapes them again for the terminal).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path

from bridge.clientfile.online_priorities import check_priorities
from bridge.clientfile.schema import ClientConfig
from connectors.base import COMPLETED_STATUS, TrackerMap, TrackerPerson

#: Jira status category → the canonical state ``init`` proposes for it
CATEGORY_STATE = {"new": "open", "indeterminate": "in_progress", "done": "done"}
DELIVERED_WORDS = ("review", "recette", "validation", "verif", "vérif", "approval", "qa", "test")


def proposed_state(name: str, category: str | None, position: int, count: int) -> str:
    """The canonical state ``init`` proposes for a tracker status (the user confirms it).

    A name like review / recette / validation is ``delivered``; else Jira's category decides;
    without one (Trello lists, Asana sections): the first is ``open``, the last ``done``, a
    name saying done / terminé ``done``, the rest ``in_progress``."""
    folded = name.casefold()
    if any(word in folded for word in DELIVERED_WORDS):
        return "delivered"
    if category in CATEGORY_STATE:
        return CATEGORY_STATE[category]
    if any(word in folded for word in ("done", "termin", "fini", "closed", "livré")):
        return "done"
    if position == 0:
        return "open"
    return "done" if position == count - 1 else "in_progress"


@dataclass
class OnlineReport:
    """What ``config check --online`` found: errors fail the check, warnings do not."""

    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def closest(value: str, candidates: list[str]) -> str | None:
    """The candidate nearest to ``value`` (case-insensitive), if any is near enough."""
    folded = {c.casefold(): c for c in candidates}
    found = difflib.get_close_matches(value.casefold(), list(folded), n=1, cutoff=0.5)
    return folded[found[0]] if found else None


def _hint(value: str, candidates: list[str]) -> str:
    near = closest(value, candidates)
    if near is not None:
        return f"; did you mean {near!r}?"
    shown = ", ".join(repr(c) for c in candidates[:8]) or "none"
    return f" (known: {shown})"


def matches(contact: str, person: TrackerPerson) -> bool:
    """Whether a ``[contacts]`` entry names ``person``: its id, e-mail or username."""
    folded = contact.casefold()
    return (contact == person.remote_id
            or (person.email is not None and folded == person.email.casefold())
            or (person.username is not None and folded == person.username.casefold()))


def contact_key(person: TrackerPerson) -> str:
    """How a client file should name ``person``: by remote id (never ambiguous)."""
    return person.remote_id


def check_against(path: Path, config: ClientConfig, found: TrackerMap) -> OnlineReport:
    """Every disagreement between the client file at ``path`` and the tracker's ``found``."""
    report = OnlineReport()
    key_name = "project" if "project" in type(config.tracker).model_fields else "board"
    wanted = str(getattr(config.tracker, key_name, ""))
    if found.project is None:
        keys = [p.key for p in found.projects]
        near = closest(wanted, keys + [p.name for p in found.projects])
        match = next((p for p in found.projects if near in (p.key, p.name)), None)
        hint = (f"; did you mean {match.key!r} ({match.name!r})?" if match is not None
                else _hint(wanted, keys))
        report.errors.append(f"{path}: [tracker] {key_name}: {wanted!r} is not visible to the "
                             f"token of {found.me.name!r}{hint}")
        return report
    _statuses(path, config, found, report)
    _contacts(path, config, found, report)
    _labels(path, config, found, report)
    check_priorities(path, config, found, report)
    me = found.me
    if not any(matches(entry, me) for entry in config.contacts.team):
        report.warnings.append(
            f"{path}: [contacts] team: the API user {me.name!r} ({me.remote_id}) is not in it; "
            f'add "{me.remote_id}" so the bridge\'s own account and comments count as the team')
    return report


def _statuses(path: Path, config: ClientConfig, found: TrackerMap, report: OnlineReport) -> None:
    real = [s.name for s in found.statuses]
    proposed = {s.name: proposed_state(s.name, s.category, i, len(real))
                for i, s in enumerate(found.statuses)}
    mapped: set[str] = set()
    project = found.project.name if found.project else ""
    for state in ("open", "in_progress", "delivered", "done", "waiting"):
        for name in getattr(config.tracker.statuses, state):
            mapped.add(name)
            if name in real or name == COMPLETED_STATUS:
                continue
            hint = _hint(name, real)
            same_state = [n for n in real if proposed[n] == state]
            if closest(name, real) is None and same_state:
                # no name is close (another language?): the tracker's status of that state
                hint = f"; did you mean {same_state[0]!r}?"
            report.errors.append(f"{path}: [tracker.statuses] {state}: {name!r} is not a "
                                 f"status of {project!r}{hint}")
    for name in real:
        if name not in mapped:
            report.warnings.append(f"{path}: [tracker.statuses]: {name!r} is not mapped; tickets "
                                   "there count as open")


def _contacts(path: Path, config: ClientConfig, found: TrackerMap, report: OnlineReport) -> None:
    people = list(found.people)
    shown = [p.remote_id for p in people] + [p.email for p in people if p.email] + [
        p.username for p in people if p.username] + [p.name for p in people]
    for role in ("client", "team"):
        for entry in getattr(config.contacts, role):
            hits = [p for p in people if matches(entry, p)]
            by_name = [p for p in hits if p.username and entry.casefold() == p.username.casefold()
                       and entry != p.remote_id]
            if len(hits) == 1 and by_name:
                report.errors.append(
                    f"{path}: [contacts] {role}: {entry!r} is the username of {hits[0].name!r}; "
                    f'write the member id "{hits[0].remote_id}" (a username can change hands)')
                continue
            if len(hits) == 1:
                continue
            if hits:
                names = ", ".join(f"{p.name!r} ({p.remote_id})" for p in hits)
                report.errors.append(f"{path}: [contacts] {role}: {entry!r} matches several "
                                     f"people ({names}); write the id of one")
                continue
            near = closest(entry, shown)
            person = next((p for p in people if near in (p.remote_id, p.email, p.username,
                                                          p.name)), None)
            hint = (f"; did you mean {person.name!r} (\"{contact_key(person)}\")?"
                    if person is not None else " (`revbridge discover` lists the people)")
            report.errors.append(f"{path}: [contacts] {role}: {entry!r} matches nobody in "
                                 f"{found.tracker}{hint}")


def _labels(path: Path, config: ClientConfig, found: TrackerMap, report: OnlineReport) -> None:
    real = list(found.labels)
    for key in ("out_of_scope_labels", "excluded_labels", "request_labels"):
        for label in getattr(config.scope, key):
            if label not in real:
                report.warnings.append(f"{path}: [scope] {key}: label {label!r} is not used in "
                                       f"the project yet" + _hint(label, real))
