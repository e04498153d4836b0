"""``revbridge config check [CLIENT] [--online]``: every problem of every client file, or OK."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from bridge.cli.app import ConfigDirOption, DbOption, SettingsOption, app, out
from connectors.errors import (
    EXIT_CONFIG,
    EXIT_CREDENTIALS,
    CredentialsError,
    CredentialsRefused,
    RevbridgeError,
    exit_code,
)

if TYPE_CHECKING:
    from bridge.clientfile.schema import ClientConfig

config_app = typer.Typer(help="Client files.", no_args_is_help=True)
app.add_typer(config_app, name="config")


@config_app.command("check")
def check(
    client: Annotated[
        str | None,
        typer.Argument(
            metavar="CLIENT", help="A client slug or .toml path; all clients when omitted."),
    ] = None,
    online: Annotated[bool, typer.Option(
        "--online", help="Also ask the tracker: token, project, status names, contacts, labels."
    )] = False,
    config_dir: ConfigDirOption = None,
    db: DbOption = None,
    settings: SettingsOption = None,
) -> None:
    """Validate client files and the settings file; list every problem (exit 2 when there is
    any; 3 when a token is missing or refused, with --online)."""
    from datetime import UTC, datetime

    from bridge.clientfile.load import client_paths, read_client
    from bridge.clientfile.notes import config_notes
    from bridge.clientfile.settings import read_settings, settings_path
    from bridge.present.notices import validate_texts

    paths = client_paths([client] if client is not None else [], config_dir)
    failed = False
    refused = False
    settings_file, named = settings_path(settings)
    if named or settings_file.exists():
        _, problems = read_settings(settings_file)
        for line in problems or [f"OK  {settings_file}"]:
            out.print(line, markup=False, soft_wrap=True)
        failed = bool(problems)
    for path in paths:
        config, problems = read_client(path)
        if config is not None:
            problems = [f"{path}: {line}" for line in validate_texts(config)]
        if config is not None and not problems and online:
            try:
                problems = check_online(path, config)
            except (CredentialsError, CredentialsRefused) as exc:
                refused = True
                problems = [f"{path}: [tracker] token: {exc}"]
            except RevbridgeError as exc:
                refused = refused or exit_code(exc) == EXIT_CREDENTIALS
                problems = [f"{path}: [tracker]: {exc}"]
        for line in problems:
            out.print(line, markup=False, soft_wrap=True)
        if not problems:
            out.print(f"OK  {path}", markup=False, soft_wrap=True)
        if config is not None:
            for note in config_notes(config, datetime.now(UTC)):
                out.print(f"{path}: note: {note}", markup=False, soft_wrap=True)
        failed = failed or bool(problems)
    if refused:
        raise typer.Exit(EXIT_CREDENTIALS)
    if failed:
        raise typer.Exit(EXIT_CONFIG)


def check_online(path: Path, config: ClientConfig) -> list[str]:
    """The errors of ``config`` against its tracker; warnings are printed here."""
    from bridge.clientfile.online_check import check_against
    from bridge.sync.connect import build_connector

    connector = build_connector(config)
    me = connector.whoami()
    found = connector.describe()
    out.print(f"{path}: token accepted: {me.name!r} ({me.remote_id})", markup=False,
              soft_wrap=True)
    result = check_against(path, config, found)
    for line in result.warnings:
        out.print(f"warning: {line}", markup=False, soft_wrap=True)
    return result.errors
