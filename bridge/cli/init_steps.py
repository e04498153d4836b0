"""The steps of ``revbridge init``: each answer comes from its flag, else from a prompt (typer's
prompts), else, with ``--non-interactive``, from its default or an error naming the flag."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from bridge.clientfile.online_check import matches, proposed_state
from bridge.clientfile.secrets import check_keyring, default_keyring_ref, parse_ref, resolve
from bridge.clientfile.write import STATES, NewClient, machine_timezone
from bridge.present.terminal import safe
from bridge.present.tracker_map import person_line
from connectors.base import Connector, TrackerMap, TrackerPerson
from connectors.errors import ConfigError

T = TypeVar("T")


@dataclass
class InitFlags:
    """Every prompt's flag (``None``: not given)."""

    slug: str | None = None
    kind: str | None = None
    url: str | None = None
    email: str | None = None
    api_key: str | None = None
    token: str | None = None
    project: str | None = None
    statuses: list[str] = field(default_factory=list)  # "Tracker name=state"
    clients: list[str] = field(default_factory=list)
    team: list[str] = field(default_factory=list)
    name: str | None = None
    reference: str | None = None
    rounds: int | None = None
    hours: float | None = None
    rate: float | None = None
    currency: str | None = None
    handle_within: str | None = None
    language: str | None = None
    timezone: str | None = None
    non_interactive: bool = False


class Wizard:
    """Asks, or takes the flag's answer."""

    def __init__(self, flags: InitFlags, console: Console) -> None:
        self.flags = flags
        self.out = console

    def ask(self, given: T | None, text: str, default: T | None, flag: str,
            kind: Callable[[str], T] = str) -> T:  # type: ignore[assignment]
        if given is not None:
            return given
        if self.flags.non_interactive:
            if default is None:
                raise ConfigError([f"init --non-interactive: give {flag}"])
            return default
        answer = typer.prompt(text, default=default, type=kind, show_default=default != "")
        return answer  # type: ignore[no-any-return]

    def confirm(self, text: str, default: bool) -> bool:
        if self.flags.non_interactive:
            return default
        return typer.confirm(text, default=default)

    # -- the tracker ----------------------------------------------------------------------------
    def secret(self, slug: str) -> tuple[str, str, bool]:
        """(reference, secret, whether to store it in the keyring once checked)."""
        text = self.ask(self.flags.token, "Token reference (env:VAR or cmd:COMMAND), or Enter "
                        "to paste the token and keep it in the keyring", "", "--token REF")
        if text:
            ref = parse_ref(text)
            if ref is None:
                raise ConfigError([f"--token: {text[:3]}... is not a reference; write env:VAR, "
                                   "cmd:COMMAND or keyring:SERVICE/USER (never the token)"])
            return str(ref), resolve(ref), False
        if self.flags.non_interactive:
            raise ConfigError(["init --non-interactive: give --token REF"])
        check_keyring()  # say so before asking for the token
        secret = typer.prompt("Paste the token (not shown)", hide_input=True).strip()
        if not secret:
            raise ConfigError(["no token entered"])
        return str(default_keyring_ref(slug)), secret, True

    def project(self, found: TrackerMap) -> tuple[str, str]:
        if not found.projects:
            raise ConfigError([f"the token of {found.me.name!r} sees no project; give it access "
                               "to the client's project first"])
        table = Table("#", "key / id", "name", title="Projects the token sees",
                      title_justify="left")
        for i, p in enumerate(found.projects, 1):
            table.add_row(str(i), safe(p.key), safe(p.name))
        if self.flags.project is None and not self.flags.non_interactive:
            self.out.print(table)
        answer = self.ask(self.flags.project, "Project (number or key)", "1" if len(
            found.projects) == 1 else None, "--project KEY")
        for i, p in enumerate(found.projects, 1):
            if answer in (str(i), p.key):
                return p.key, p.name
        raise ConfigError([f"--project: {answer!r} is not one of the projects the token sees "
                           "(`revbridge discover` lists them)"])

    def statuses(self, found: TrackerMap) -> dict[str, list[str]]:
        count = len(found.statuses)
        mapping = {s.name: proposed_state(s.name, s.category, i, count)
                   for i, s in enumerate(found.statuses)}
        for item in self.flags.statuses:
            name, sep, state = item.rpartition("=")
            if not sep or state not in STATES or name not in mapping:
                raise ConfigError([f"--status {item!r}: write 'Tracker status=state' with one "
                                   f"of {', '.join(STATES)} and a status of the project"])
            mapping[name] = state
        table = Table("status", "category", "counts as", title="Statuses",
                      title_justify="left")
        for s in found.statuses:
            table.add_row(safe(s.name), safe(s.category or "-"), mapping[s.name])
        self.out.print(table)
        if not self.flags.statuses and not self.confirm("Use this mapping?", True):
            for s in found.statuses:
                answer = ""
                while answer not in STATES:
                    answer = typer.prompt(f"{s.name!r} counts as ({' | '.join(STATES)})",
                                          default=mapping[s.name])
                mapping[s.name] = answer
        by_state: dict[str, list[str]] = {state: [] for state in STATES}
        for name, state in mapping.items():
            by_state[state].append(name)
        return by_state

    def people(self, found: TrackerMap, given: list[str], text: str, flag: str,
               default: list[TrackerPerson]) -> list[TrackerPerson]:
        listed = list(found.people)
        if not given and not self.flags.non_interactive:
            for i, p in enumerate(listed, 1):
                self.out.print(f"  {i:>2}. {person_line(p)}")
            numbers = [str(listed.index(p) + 1) for p in default if p in listed]
            answer = typer.prompt(text, default=",".join(numbers), show_default=True)
            given = [a.strip() for a in answer.split(",") if a.strip()]
        elif not given:
            return default
        chosen: list[TrackerPerson] = []
        for entry in given:
            hits = ([listed[int(entry) - 1]] if entry.isdigit() and 0 < int(entry) <= len(listed)
                    else [p for p in listed if matches(entry, p)])
            if len(hits) != 1:
                raise ConfigError([f"{flag} {entry!r}: matches {len(hits)} people; give a "
                                   "number from the list or a remote id"])
            chosen.append(hits[0])
        return chosen


def gather(wizard: Wizard, connect: Callable[[dict[str, Any], str], Connector]
           ) -> tuple[NewClient, str | None]:
    """Every answer, the tracker asked along the way; returns the client and the secret to keep
    in the keyring (``None`` when the token is a reference already)."""
    import connectors
    from bridge.sync.connect import bare_table

    f = wizard.flags
    slug = wizard.ask(f.slug, "Client slug (lower-case, used in commands)", None, "SLUG")
    kind = wizard.ask(f.kind, f"Tracker ({' | '.join(connectors.names())})", None, "--type")
    url = wizard.ask(f.url, "Tracker URL (Jira: https://SITE.atlassian.net; Trello/Asana: "
                     "Enter for the official API)", "", "--url") or None
    email = (wizard.ask(f.email, "Your Atlassian e-mail (Jira Cloud; Enter for Data Center)",
                        "", "--email") or None) if kind == "jira" else None
    api_key = (wizard.ask(f.api_key, "Trello app key", None, "--api-key")
               if kind == "trello" else None)
    ref, secret, keep = wizard.secret(slug)
    table = bare_table(kind, token=ref, url=url, email=email, api_key=api_key)
    seen = connect(table, secret).describe()
    wizard.out.print(f"Connected as {person_line(seen.me)}.")
    key, project_name = wizard.project(seen)
    table = bare_table(kind, token=ref, url=url, email=email, api_key=api_key, project=key)
    found = connect(table, secret).describe()
    statuses = wizard.statuses(found)
    clients = wizard.people(found, f.clients, "Designated contact(s) of the client (numbers)",
                            "--client", [])
    team = wizard.people(found, f.team, "Your team, the API user included (numbers)", "--team",
                         [p for p in found.people if p.remote_id == found.me.remote_id]
                         or [found.me])
    quote = {
        "reference": wizard.ask(f.reference, "Quote reference", "", "--quote-reference"),
        "rounds_included": wizard.ask(f.rounds, "Revision rounds included", 3, "--rounds", int),
        "hours_included": wizard.ask(f.hours, "Hours included (0: no cap)", 0.0, "--hours",
                                     float) or None,
        "hourly_rate": wizard.ask(f.rate, "Hourly rate", 0.0, "--rate", float),
        "currency": wizard.ask(f.currency, "Currency", "EUR", "--currency"),
    }
    new = NewClient(
        slug=slug, name=wizard.ask(f.name, "Client name", slug, "--name"),
        timezone=wizard.ask(f.timezone, "Client time zone", machine_timezone(), "--timezone"),
        language=wizard.ask(f.language, "Language of the comments (fr | en)", "en",
                            "--language"),
        tracker=table, statuses=statuses, client_contacts=[p.remote_id for p in clients],
        team=[p.remote_id for p in team], quote=quote,
        handle_within=wizard.ask(f.handle_within, "Handle each request within (4h, 2d...)",
                                 "2d", "--handle-within"),
        people={p.remote_id: p.name for p in [*found.people, found.me]},
        project_name=project_name)
    return new, (secret if keep else None)


def target_path(folder: Path, slug: str) -> Path:
    return folder / f"{slug}.toml"
