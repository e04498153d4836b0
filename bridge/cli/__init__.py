"""The ``revbridge`` command line: the typer app (``app.py``) and one module per command."""

from __future__ import annotations

from bridge.cli import commands as commands  # registers every command onto the app
from bridge.cli.app import app


def main() -> None:
    app(prog_name="revbridge")


__all__ = ["app", "main"]
