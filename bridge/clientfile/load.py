"""Reading client files: TOML → validated :class:`ClientConfig`, with every problem at once.

Each problem is one line ``FILE: [section] key: message`` (root keys: ``FILE: key: message``),
so a user fixes a file in one pass rather than one error per run.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

import connectors
from bridge.clientfile.paths import config_dir
from bridge.clientfile.schema import ClientConfig
from bridge.clientfile.secrets import how_to_store, parse_ref
from connectors.base import TrackerSettings
from connectors.errors import ConfigError, RevbridgeError

SECTIONS = frozenset(
    name
    for name, field in ClientConfig.model_fields.items()
    if isinstance(field.annotation, type) and issubclass(field.annotation, BaseModel)
)
BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")
FRIENDLY = {
    "missing": "required key is missing",
    "extra_forbidden": "unknown key",
}


def client_files(directory: Path) -> list[Path]:
    """Every client file (``*.toml``) of ``directory``, sorted; none when it does not exist."""
    if not directory.is_dir():
        return []
    return sorted(p for p in directory.glob("*.toml") if p.is_file())


def client_paths(clients: Sequence[str], directory: Path | str | None = None) -> list[Path]:
    """The files CLIENT arguments name, or, with none, every client file of the config dir."""
    if clients:
        return [find_client(client, directory) for client in clients]
    folder = config_dir(directory)
    paths = client_files(folder)
    if not paths:
        raise ConfigError([f"{folder}: no client files (*.toml) here"])
    return paths


def configs_named(
    clients: Sequence[str], directory: Path | str | None = None
) -> list[tuple[str, ClientConfig | ConfigError]]:
    """Each file CLIENT arguments name (with none, every client file) by its stem, with its
    config or its problems: a broken file is one client's error, not the whole command's."""
    named: list[tuple[str, ClientConfig | ConfigError]] = []
    for path in client_paths(clients, directory):
        try:
            named.append((path.stem, load_client(path)))
        except ConfigError as problems:
            named.append((path.stem, problems))
    return named


def find_client(client: str, directory: Path | str | None = None) -> Path:
    """The file a CLIENT argument names: a path to a ``.toml`` file, or a slug in the config dir."""
    if client.endswith(".toml") or "/" in client or "\\" in client:
        path = Path(client).expanduser()
        if not path.is_file():
            raise ConfigError([f"{path}: no such client file"])
        return path
    folder = config_dir(directory)
    path = folder / f"{client}.toml"
    if not path.is_file():
        known = ", ".join(p.stem for p in client_files(folder)) or "none"
        raise ConfigError([f"{path}: no client {client!r} in {folder} (known: {known})"])
    return path


def load_client(path: Path) -> ClientConfig:
    """The validated client file at ``path``; :class:`ConfigError` lists every problem."""
    config, problems = read_client(path)
    if problems or config is None:
        raise ConfigError(problems)
    return config


def read_table(path: Path) -> dict[str, Any]:
    """The raw TOML of a client file; :class:`ConfigError` on a syntax error."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError([f"{path}: cannot be read: {exc.strerror}"]) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        at_line = raw[: exc.start].count(b"\n") + 1
        raise ConfigError([f"{path}: line {at_line}: not UTF-8 text (byte {exc.start}); "
                           "save the file as UTF-8"]) from None
    try:
        # a byte-order mark (Windows editors write one) is not part of the TOML
        return tomllib.loads(text.removeprefix("\ufeff"))
    except tomllib.TOMLDecodeError as exc:
        where = re.search(r"line (\d+)", str(exc))
        line = where.group(1) if where else str(len(text.splitlines()) or 1)  # end of document
        raise ConfigError([f"{path}: line {line}: invalid TOML: {exc}"]) from None


def read_client(path: Path) -> tuple[ClientConfig | None, list[str]]:
    """The client file at ``path`` and every problem in it (the config only when none)."""
    try:
        data = read_table(path)
    except ConfigError as exc:
        return None, exc.problems
    return check_table(path, data)


def check_table(path: Path, data: Mapping[str, Any]) -> tuple[ClientConfig | None, list[str]]:
    """The raw TOML ``data`` of the client file at ``path`` validated: as :func:`read_client`."""
    # (a section that is not a table is reported as such below, not its content)
    problems = [_line(path, loc, "", message) for loc, message in _nuls(
        {k: v for k, v in data.items() if k not in SECTIONS or isinstance(v, Mapping)})]
    rest = dict(data)
    raw_tracker = data.get("tracker")
    checked = isinstance(raw_tracker, Mapping)  # else the base model reports what is wrong
    if isinstance(raw_tracker, Mapping):
        tracker = _tracker(path, data.get("client"), raw_tracker, problems)
        if tracker is None:
            del rest["tracker"]  # its problems are listed; don't report it missing
        else:
            rest["tracker"] = tracker
    try:
        config = ClientConfig.model_validate(rest)
    except ValidationError as exc:
        problems += [
            _line(path, err["loc"], err["type"], err["msg"])
            for err in exc.errors()
            if not (checked and err["loc"] == ("tracker",))
        ]
        return None, problems
    problems += _email_contacts(path, config)
    slug = config.client
    if slug != path.stem:
        # commands find a client by its file name: `sync acme` reads acme.toml
        problems.append(
            f"{path}: client: {slug!r} differs from the file name {path.name!r}; a client file "
            f"is named after its client: rename the file to {slug}.toml or set "
            f"client = {path.stem!r}"
        )
    return (None if problems else config), problems


#: NUL, which PostgreSQL's text refuses: a client file's words reach the store (notices,
#: invoices). Other control characters are cleaned where they are shown (present/terminal.py).
_NUL = re.compile("\x00")


def _nuls(value: Any,
              loc: tuple[int | str, ...] = ()) -> Iterator[tuple[tuple[int | str, ...], str]]:
    """(key path, message) of every string of the file holding a NUL character."""
    if isinstance(value, str):
        if _NUL.search(value):
            yield loc, ("holds a NUL character (U+0000), which notices, reports and stores "
                        "cannot keep; remove it")
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield from _nuls(item, (*loc, str(key)))
    elif isinstance(value, list):
        for n, item in enumerate(value):
            yield from _nuls(item, (*loc, n))


def _email_contacts(path: Path, config: ClientConfig) -> list[str]:
    """E-mail contacts on a tracker that never shows e-mails would match nobody, silently."""
    if config.tracker.shows_emails:
        return []
    return [
        _line(path, ("contacts", role), "",
              f"{entry!r} is an e-mail, and {config.tracker.type} never shows members' e-mails; "
              "write the member id instead (`revbridge discover CLIENT` lists them)")
        for role in ("client", "team")
        for entry in getattr(config.contacts, role)
        if "@" in entry
    ]


def _tracker(
    path: Path, client: object, table: Mapping[str, Any], problems: list[str]
) -> TrackerSettings | None:
    """The ``[tracker]`` table validated by the model its ``type`` names; problems appended."""
    kind = table.get("type")
    model: type[TrackerSettings] | None = None
    if not isinstance(kind, str):
        problems.append(_line(path, ("tracker", "type"), "", _known("required key is missing")))
    else:
        try:
            model = connectors.settings_model(kind)
        except ImportError as exc:
            problems.append(
                _line(path, ("tracker", "type"), "", f"the {kind} connector cannot load: {exc}")
            )
        except RevbridgeError:
            problems.append(
                _line(path, ("tracker", "type"), "", _known(f"unknown tracker {kind!r}"))
            )
    slug = client if isinstance(client, str) and client else path.stem
    secret_fields = (model or TrackerSettings).secret_fields
    literal: set[str] = set()
    for name in secret_fields:
        value = table.get(name)
        if isinstance(value, str) and parse_ref(value) is None:
            literal.add(name)
            problems.append(
                _line(
                    path,
                    ("tracker", name),
                    "",
                    "a secret cannot be written in a client file (nor shown here); "
                    + how_to_store(slug, name),
                )
            )
    if model is None:
        return None
    try:
        settings = model.model_validate(dict(table))
    except ValidationError as exc:
        for err in exc.errors():
            loc = err["loc"]
            if len(loc) == 1 and loc[0] in secret_fields:
                if loc[0] in literal:
                    continue
                if err["type"] == "missing":
                    message = "required credential reference is missing; " + how_to_store(
                        slug, str(loc[0])
                    )
                    problems.append(_line(path, ("tracker", *loc), "", message))
                    continue
            problems.append(_line(path, ("tracker", *loc), err["type"], err["msg"]))
        return None
    return None if literal else settings


def _known(message: str) -> str:
    return f"{message} (known: {', '.join(connectors.names())})"


def _line(path: Path, loc: Sequence[int | str], kind: str, message: str) -> str:
    message = FRIENDLY.get(kind, message.removeprefix("Value error, "))
    message = " ".join(message.splitlines())  # one problem, one line
    parts = [str(p) for p in loc]
    if kind == "missing" and len(parts) == 1 and parts[0] in SECTIONS:
        message = "required table is missing"
    if not parts:
        return f"{path}: {message}"
    if parts[0] not in SECTIONS:
        return f"{path}: {_key(loc)}: {message}"
    # the section is every leading table name: [tracker.statuses] open, [quote] hourly_rate
    section, rest = [parts[0]], list(loc[1:])
    while rest and isinstance(rest[0], str) and len(rest) > 1 and not isinstance(rest[1], int):
        section.append(str(rest.pop(0)))
    table = f"[{'.'.join(map(_name, section))}]"
    return f"{path}: {table} {_key(rest)}: {message}" if rest else f"{path}: {table}: {message}"


def _key(loc: Sequence[int | str]) -> str:
    return "".join(
        f"[{p}]" if isinstance(p, int) else (f".{_name(p)}" if i else _name(p))
        for i, p in enumerate(loc)
    )


def _name(key: str) -> str:
    """A key as TOML writes it: bare when it can be, else quoted (``"a:b"``, ``"two\\nlines"``)."""
    if BARE_KEY.match(key):
        return key
    return json.dumps(key, ensure_ascii=not key.isprintable())
