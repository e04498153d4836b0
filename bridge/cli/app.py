"""The typer application every command registers onto, and its shared options.

A command lives in its own module under ``bridge/cli/`` and is added with one import line in
``bridge/cli/commands.py``. Errors of ours never show a traceback: the group's
``invoke`` below turns every :class:`RevbridgeError` into a message and its exit code.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from typer.core import TyperGroup

from bridge.clientfile.secrets import REDACTOR
from bridge.present.terminal import clean
from connectors.errors import ConfigError, RevbridgeError, exit_code

# emoji=False: a tracker's ":smile:" shows as written (terminal.safe escapes markup, not emoji
# codes), and rich's emoji table is never loaded
out = Console(highlight=False, emoji=False)
err = Console(stderr=True, highlight=False, emoji=False)

ConfigDirOption = Annotated[
    Path | None,
    typer.Option(
        "--config-dir",
        metavar="DIR",
        help="Folder of client files "
        "(else $REVBRIDGE_CONFIG_DIR, else the user config dir's clients/).",
        show_default=False,
    ),
]
DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        metavar="URL",
        help="SQLAlchemy database URL "
        "(else $REVBRIDGE_DB, else a SQLite file in the user data dir).",
        show_default=False,
    ),
]
SettingsOption = Annotated[
    Path | None,
    typer.Option(
        "--settings",
        help="The freelancer's settings file "
        "(else $REVBRIDGE_SETTINGS, else revbridge.toml in the user config dir).",
        show_default=False,
    ),
]
ClientArgument = Annotated[
    str,
    typer.Argument(
        metavar="CLIENT", help="A client slug from the config dir, or a path to a .toml file."
    ),
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
    # plain help: flags show as flags (typer's rich help prints "<bool>" beside them)
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
    help="Count clients' revision rounds and hours against the quote; post status comments back.",
)


def register_only(name: str) -> None:
    """Leave only the command or command group ``name`` on the app, when there is one by that
    name (else change nothing: an option, a typo, the help need them all). typer turns each
    registered command's signature into click options before parsing the command line, ~15 ms
    for all of them; a run needs only its own."""
    commands = [c for c in app.registered_commands if c.name == name]
    groups = [g for g in app.registered_groups if g.name == name]
    if commands or groups:
        app.registered_commands, app.registered_groups = commands, groups


def _print_version(value: bool) -> None:
    if value:
        from bridge import __version__

        out.print(f"revbridge {__version__}", markup=False)
        raise typer.Exit()


@app.callback()
def global_options(
    verbose: Annotated[bool, typer.Option(
        "--verbose", "-v", help="Debug logs on stderr (secrets masked).")] = False,
    quiet: Annotated[bool, typer.Option(
        "--quiet", "-q", help="Print errors only (and what --json asks for).")] = False,
    version: Annotated[bool, typer.Option(
        "--version", callback=_print_version, is_eager=True,
        help="Print the version and exit.")] = False,
) -> None:
    """Count clients' revision rounds and hours against the quote; post status comments back."""
    if verbose and quiet:
        raise ConfigError(["--verbose and --quiet exclude each other: pass one of them"])
    if verbose or any(getattr(h, "verbose_option", False) for h in logging.getLogger().handlers):
        from bridge.cli.logs import verbose_logging

        verbose_logging(verbose)
    out.quiet = quiet


def print_data(text: str) -> None:
    """Print what a script asked for (``--json``), even under ``--quiet``."""
    data = Console(highlight=False, emoji=False)
    data.print_json(text)
