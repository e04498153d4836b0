"""The ``revbridge`` command line: the typer app (``app.py``) and one module per command."""

from __future__ import annotations

import os
import sys

from bridge.cli import commands as commands  # registers every command onto the app
from bridge.cli.app import app, register_only


def main() -> None:
    # typer builds every command's options before it parses the line: keep the one asked for
    # (~15 ms of each start); never while the shell completes, which lists them all
    if len(sys.argv) > 1 and "_REVBRIDGE_COMPLETE" not in os.environ:
        register_only(sys.argv[1])
    app(prog_name="revbridge")


__all__ = ["app", "main"]
