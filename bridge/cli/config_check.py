"""``revbridge config check [CLIENT]``: every problem of every client file, or OK."""

from __future__ import annotations

from typing import Annotated

import typer

from bridge.cli.app import ConfigDirOption, DbOption, app, out
from bridge.clientfile.load import client_paths, read_client
from connectors.errors import EXIT_CONFIG

config_app = typer.Typer(help="Client files.", no_args_is_help=True)
app.add_typer(config_app, name="config")


@config_app.command("check")
def check(
    client: Annotated[
        str | None,
        typer.Argument(
            metavar="CLIENT", help="A client slug or .toml path; all clients when omitted."),
    ] = None,
    config_dir: ConfigDirOption = None,
    db: DbOption = None,
) -> None:
    """Validate client files and list every problem (exit 2 when there is any)."""
    from bridge.present.notices import validate_texts

    failed = False
    for path in client_paths([client] if client is not None else [], config_dir):
        config, problems = read_client(path)
        if config is not None:
            problems = [f"{path}: {line}" for line in validate_texts(config)]
        for line in problems:
            out.print(line, markup=False, soft_wrap=True)
        if not problems:
            out.print(f"OK  {path}", markup=False, soft_wrap=True)
        failed = failed or bool(problems)
    if failed:
        raise typer.Exit(EXIT_CONFIG)
