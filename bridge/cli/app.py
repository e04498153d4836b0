"""The typer application every command registers onto, and its shared options.

A command lives in its own module under ``bridge/commands/`` and is added with one import
line in ``bridge/commands/__init__.py``. Errors of ours never show a traceback: the group's
``invoke`` below turns every :class:`RevbridgeError` into a message and its exit code.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from typer.core import TyperGroup

from bridge.clientfile.secrets import REDACTOR
from bridge.present.terminal import clean
from connectors.errors import ConfigError, RevbridgeError, exit_code

out = Console(highlight=False)
err = Console(stderr=True, highlight=False)

ConfigDirOption = Annotated[
    Path | None,
    typer.Option(
        "--config-dir",
        help="Folder of client files "
        "(else $REVBRIDGE_CONFIG_DIR, else the user config dir's clients/).",
        show_default=False,
    ),
]
DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        help="SQLAlchemy database URL "
        "(else $REVBRIDGE_DB, else a SQLite file in the user data dir).",
        show_default=False,
    ),
]
ClientArgument = Annotated[
    str, typer.Argument(help="A client slug from the config dir, or a path to a .toml file.")
]


def report(error: RevbridgeError) -> int:
    """Print ``error`` for a person (stderr, no traceback) and return its exit code."""
    lines = (
        error.problems if isinstance(error, ConfigError) else [str(error) or type(error).__name__]
    )
    for line in lines:
        err.print(clean(f"error: {REDACTOR.redact(line)}"), markup=False, soft_wrap=True)
    return exit_code(error)


class RevbridgeGroup(TyperGroup):
    """The command group; the one place our errors become a message and an exit code."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except RevbridgeError as error:
            raise typer.Exit(report(error)) from None


app = typer.Typer(
    name="revbridge",
    cls=RevbridgeGroup,
    no_args_is_help=True,
    add_completion=False,
    help="Count clients' revision rounds and hours against the quote; post status comments back.",
)
