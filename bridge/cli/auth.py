"""``revbridge auth set CLIENT``: prompt for a client's secret and store it in the keyring."""

from __future__ import annotations

import typer

from bridge.cli.app import ClientArgument, ConfigDirOption, DbOption, app, out
from bridge.clientfile.secrets import SecretRef, default_keyring_ref, parse_ref, store_in_keyring
from connectors.errors import ConfigError, RevbridgeError

auth_app = typer.Typer(help="Credentials.", no_args_is_help=True)
app.add_typer(auth_app, name="auth")


@auth_app.command("set")
def set_secret(
    client: ClientArgument,
    config_dir: ConfigDirOption = None,
    db: DbOption = None,
) -> None:
    """Prompt for the client's token (not echoed) and store it in the keyring.

    It goes where the client file's ``keyring:SERVICE/USER`` reference points, else to
    ``revbridge/CLIENT``.
    """
    from bridge.clientfile.load import find_client, read_table

    path = find_client(client, config_dir)
    data = read_table(path)  # not validated: this command is how a broken token gets fixed
    raw_slug, raw_tracker = data.get("client"), data.get("tracker")
    slug = raw_slug if isinstance(raw_slug, str) and raw_slug else path.stem
    tracker: dict[str, object] = raw_tracker if isinstance(raw_tracker, dict) else {}
    kind = str(tracker.get("type", "tracker"))
    for name in _secret_fields(kind):
        current = tracker.get(name)
        ref = parse_ref(current) if isinstance(current, str) else None
        target = ref if ref is not None and ref.scheme == "keyring" else _default(slug, name)
        secret = typer.prompt(f"{kind} {name} for {slug}", hide_input=True).strip()
        if not secret:
            raise ConfigError([f"{path}: [tracker] {name}: nothing entered; nothing stored"])
        store_in_keyring(target, secret)
        out.print(f"Stored {name} for {slug} in the keyring as {target.target}.", markup=False)
        if target != ref:
            out.print(
                f'Now set {name} = "{target}" in the [tracker] table of {path}.',
                markup=False,
                soft_wrap=True,
            )


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
