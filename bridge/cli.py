"""The ``revbridge`` command: the typer app with every command registered."""

from __future__ import annotations

import bridge.commands  # noqa: F401  (registers the commands)
from bridge.app import app


def main() -> None:
    app(prog_name="revbridge")


__all__ = ["app", "main"]
