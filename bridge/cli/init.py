"""``revbridge init [SLUG]``: a client file from the tracker's own names (docs/architecture.md §9).

Asks for the tracker and token, shows who the token is, lists the projects, proposes a state
for each status, lets the user pick contacts and team from the people, asks the quote and SLA,
writes ``SLUG.toml`` (with comments), runs ``config check --online`` and offers a dry-run sync.
Every prompt has a flag; ``--non-interactive`` takes defaults instead of asking.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from bridge.cli.app import ConfigDirOption, DbOption, app, err, out
from bridge.cli.discover import ApiKeyOption, EmailOption, ProjectOption, UrlOption
from connectors.errors import EXIT_CONFIG, ConfigError


@app.command("init")
def init(
    slug: Annotated[str | None, typer.Argument(help="The new client's slug.")] = None,
    kind: Annotated[str | None, typer.Option("--type", help="jira | trello | asana.")] = None,
    url: UrlOption = None,
    email: EmailOption = None,
    api_key: ApiKeyOption = None,
    token: Annotated[str | None, typer.Option(
        "--token", help="env:VAR, cmd:COMMAND or keyring:SERVICE/USER (interactive: Enter "
        "pastes the token into the keyring).")] = None,
    project: ProjectOption = None,
    status: Annotated[list[str] | None, typer.Option(
        "--status", help="'Tracker status=state' (open, in_progress, delivered, done); "
        "repeatable; unnamed statuses keep the proposal.")] = None,
    client_contact: Annotated[list[str] | None, typer.Option(
        "--client", help="A designated contact: id, e-mail or username; repeatable.")] = None,
    team: Annotated[list[str] | None, typer.Option(
        "--team", help="A team member: id, e-mail or username; repeatable (default: the API "
        "user).")] = None,
    name: Annotated[str | None, typer.Option("--name", help="The client's name.")] = None,
    reference: Annotated[str | None, typer.Option("--quote-reference")] = None,
    rounds: Annotated[int | None, typer.Option("--rounds", help="Rounds included.")] = None,
    hours: Annotated[float | None, typer.Option("--hours", help="Hours included.")] = None,
    rate: Annotated[float | None, typer.Option("--rate", help="Hourly rate.")] = None,
    currency: Annotated[str | None, typer.Option("--currency")] = None,
    handle_within: Annotated[str | None, typer.Option("--handle-within")] = None,
    language: Annotated[str | None, typer.Option("--language", help="fr | en.")] = None,
    timezone: Annotated[str | None, typer.Option(
        "--timezone", help="IANA zone (default: this machine's).")] = None,
    non_interactive: Annotated[bool, typer.Option(
        "--non-interactive", help="Never prompt: flags, else defaults.")] = False,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
    dry_run: Annotated[bool | None, typer.Option(
        "--dry-run-sync/--no-dry-run-sync", help="Run `sync --dry-run` at the end (asked "
        "when interactive).")] = None,
    config_dir: ConfigDirOption = None,
    db: DbOption = None,
) -> None:
    """Write a client file from what the tracker holds, check it online, try a dry-run sync."""
    import tomllib

    from bridge.cli.config_check import check_online
    from bridge.cli.init_steps import InitFlags, Wizard, gather, target_path
    from bridge.clientfile.load import check_table
    from bridge.clientfile.paths import config_dir as resolve_dir
    from bridge.clientfile.secrets import parse_ref, store_in_keyring
    from bridge.clientfile.write import render
    from bridge.sync.connect import settings_from_table, with_secrets

    flags = InitFlags(slug=slug, kind=kind, url=url, email=email, api_key=api_key, token=token,
                      project=project, statuses=status or [], clients=client_contact or [],
                      team=team or [], name=name, reference=reference, rounds=rounds,
                      hours=hours, rate=rate, currency=currency, handle_within=handle_within,
                      language=language, timezone=timezone, non_interactive=non_interactive)
    wizard = Wizard(flags, out)

    def connect(table: dict[str, Any], secret: str) -> Any:
        settings = settings_from_table(table, "init")
        return with_secrets(settings, {name: secret for name in settings.secret_fields})

    new, keep = gather(wizard, connect)
    folder = resolve_dir(config_dir)
    path = target_path(folder, new.slug)
    if path.exists() and not force and not wizard.confirm(f"{path} exists. Overwrite it?",
                                                          False):
        raise ConfigError([f"{path} exists; pass --force to overwrite it"])
    text = render(new)
    config, problems = check_table(path, tomllib.loads(text))
    if config is None:
        raise ConfigError(problems)
    if keep is not None:
        ref = parse_ref(new.tracker["token"])
        assert ref is not None
        store_in_keyring(ref, keep)
        out.print(f"Token kept in the keyring as {ref.target}.", markup=False)
    folder.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    out.print(f"Wrote {path}.", markup=False, soft_wrap=True)
    errors = check_online(path, config)
    for line in errors:
        err.print(f"error: {line}", markup=False, soft_wrap=True)
    if errors:
        raise typer.Exit(EXIT_CONFIG)
    out.print(f"OK  {path}", markup=False, soft_wrap=True)
    run = dry_run if dry_run is not None else wizard.confirm(
        "Try `revbridge sync --dry-run` now (pulls, posts nothing)?", True)
    if run:
        from bridge.cli.sync import sync

        sync(clients=[str(path)], all_clients=False, full=False, dry_run=True, as_json=False,
             config_dir=config_dir, db=db)
