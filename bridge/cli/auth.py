"""``revbridge auth set CLIENT`` (prompt, check with the tracker, store in the keyring) and
``revbridge auth status [CLIENT]`` (each reference: resolves? accepted? as whom?)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from bridge.cli.app import ClientArgument, ConfigDirOption, DbOption, app, out
from bridge.clientfile.secrets import (
    SecretRef,
    check_keyring,
    default_keyring_ref,
    parse_ref,
    store_in_keyring,
)
from connectors.errors import (
    EXIT_CREDENTIALS,
    ConfigError,
    CredentialsError,
    CredentialsRefused,
    RevbridgeError,
)

auth_app = typer.Typer(help="Credentials.", no_args_is_help=True)
app.add_typer(auth_app, name="auth")


@auth_app.command("set")
def set_secret(
    client: ClientArgument,
    no_check: Annotated[bool, typer.Option(
        "--no-check", help="Store without asking the tracker whether it accepts the token.")
    ] = False,
    config_dir: ConfigDirOption = None,
    db: DbOption = None,
) -> None:
    """Prompt for the client's token (not echoed), check it with the tracker (who am I) and
    store it in the keyring.

    It goes where the client file's keyring:SERVICE/USER reference points, else to
    revbridge/CLIENT. A token the tracker refuses is not stored.
    """
    from bridge.clientfile.load import find_client, read_table

    path = find_client(client, config_dir)
    data = read_table(path)  # not validated: this command is how a broken token gets fixed
    raw_slug, raw_tracker = data.get("client"), data.get("tracker")
    slug = raw_slug if isinstance(raw_slug, str) and raw_slug else path.stem
    tracker: dict[str, Any] = raw_tracker if isinstance(raw_tracker, dict) else {}
    kind = str(tracker.get("type", "tracker"))
    check_keyring()  # before any prompt: no backend means say so, with the env:/cmd: way out
    targets: dict[str, tuple[SecretRef, SecretRef | None]] = {}
    secrets: dict[str, str] = {}
    for name in _secret_fields(kind):
        current = tracker.get(name)
        ref = parse_ref(current) if isinstance(current, str) else None
        target = ref if ref is not None and ref.scheme == "keyring" else _default(slug, name)
        secret = typer.prompt(f"{kind} {name} for {slug}", hide_input=True).strip()
        if not secret:
            raise ConfigError([f"{path}: [tracker] {name}: nothing entered; nothing stored"])
        targets[name] = (target, ref)
        secrets[name] = secret
    if not no_check:
        who = _whoami(path, tracker, secrets)
        out.print(f"The tracker accepts it: the token of {who}.", markup=False, soft_wrap=True)
    for name, (target, ref) in targets.items():
        store_in_keyring(target, secrets[name])
        out.print(f"Stored {name} for {slug} in the keyring as {target.target}.", markup=False)
        if target != ref:
            out.print(
                f'Now set {name} = "{target}" in the [tracker] table of {path}.',
                markup=False,
                soft_wrap=True,
            )


def _whoami(path: Path, tracker: dict[str, Any], secrets: dict[str, str]) -> str:
    """Who the tracker says the secrets belong to; refused → nothing stored (exit 3)."""
    from bridge.sync.connect import settings_from_table, with_secrets

    table = {**tracker, **{name: "env:UNUSED" for name in secrets}}
    try:
        settings = settings_from_table(table, str(path))
    except ConfigError as exc:
        raise ConfigError([*exc.problems, "fix the [tracker] table to check the token, or "
                           "store it unchecked with --no-check"]) from None
    try:
        me = with_secrets(settings, secrets).whoami()
    except CredentialsRefused:
        raise CredentialsRefused(f"{path}: the tracker refused this token; nothing was stored. "
                                 "Copy it again (see docs/ for your tracker)",
                                 tracker=settings.type) from None
    except RevbridgeError as exc:
        raise CredentialsError(f"{path}: the token could not be checked ({exc}); nothing was "
                               "stored. Retry, or store it unchecked with --no-check") from None
    return f"{me.name} ({me.remote_id})"


@auth_app.command("status")
def status(
    client: Annotated[str | None, typer.Argument(
        help="A client slug or .toml path; all clients when omitted.")] = None,
    config_dir: ConfigDirOption = None,
    db: DbOption = None,
) -> None:
    """Each client's credential reference: does it resolve, does the tracker accept it, as
    whom (exit 3 when one does not)."""
    from rich.table import Table

    from bridge.clientfile.load import client_paths, load_client
    from bridge.present.terminal import safe
    from bridge.sync.connect import build_connector

    table = Table("client", "reference", "resolves", "accepted as")
    failed = False
    for path in client_paths([client] if client is not None else [], config_dir):
        try:
            config = load_client(path)
        except ConfigError as exc:
            failed = True
            table.add_row(safe(path.stem), "-", "-", safe(f"bad client file: {exc.problems[0]}"))
            continue
        refs = ", ".join(str(getattr(config.tracker, n)) for n in config.tracker.secret_fields)
        try:
            connector = build_connector(config)
        except CredentialsError as exc:
            failed = True
            table.add_row(safe(config.client), safe(refs), f"[red]no[/red]: {safe(str(exc))}", "-")
            continue
        try:
            me = connector.whoami()
        except RevbridgeError as exc:
            failed = True
            table.add_row(safe(config.client), safe(refs), "yes",
                          f"[red]no[/red]: {safe(str(exc))}")
            continue
        table.add_row(safe(config.client), safe(refs), "yes",
                      f"{safe(me.name)} ({safe(me.remote_id)})")
    out.print(table)
    if failed:
        raise typer.Exit(EXIT_CREDENTIALS)


def _secret_fields(kind: str) -> tuple[str, ...]:
    import connectors
    from connectors.base import TrackerSettings

    try:
        return connectors.settings_model(kind).secret_fields
    except (ImportError, RevbridgeError):
        return TrackerSettings.secret_fields


def _default(slug: str, name: str) -> SecretRef:
    ref = default_keyring_ref(slug)
    return ref if name == "token" else SecretRef("keyring", f"{ref.target}-{name}")
