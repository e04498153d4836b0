"""``revbridge config check [CLIENT]``: every problem of every client file, or OK."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Annotated

import typer

from bridge.cli.app import ConfigDirOption, DbOption, app, out
from connectors.errors import EXIT_CONFIG

config_app = typer.Typer(help="Client files.", no_args_is_help=True)
app.add_typer(config_app, name="config")


@config_app.command("check")
def check(
    client: Annotated[
        str | None, typer.Argument(help="A client slug or .toml path; all clients when omitted.")
    ] = None,
    config_dir: ConfigDirOption = None,
    db: DbOption = None,
) -> None:
    """Validate client files and list every problem (exit 2 when there is any)."""
    from bridge.clientfile.load import client_paths, read_client

    paths = client_paths([client] if client is not None else [], config_dir)
    failed = False
    slugs: dict[str, list[Path]] = defaultdict(list)
    for path in paths:
        config, problems = read_client(path)
        if config is not None:
            slugs[config.client].append(path)
        for line in problems:
            out.print(line, markup=False, soft_wrap=True)
        if not problems:
            out.print(f"OK  {path}", markup=False, soft_wrap=True)
        failed = failed or bool(problems)
    for slug, files in slugs.items():
        if len(files) > 1:
            failed = True
            others = ", ".join(str(p) for p in files[1:])
            out.print(
                f"{files[0]}: client: {slug!r} is also the slug of {others}",
                markup=False,
                soft_wrap=True,
            )
    if failed:
        raise typer.Exit(EXIT_CONFIG)
