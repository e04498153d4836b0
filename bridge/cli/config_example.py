"""``revbridge config example``: the commented example client file, for a first client."""

from __future__ import annotations

from bridge.cli.config_check import config_app


@config_app.command("example")
def example() -> None:
    """Print the example client file, every key explained: revbridge config example > acme.toml"""
    import sys
    from importlib.resources import files

    sys.stdout.write(files("bridge.clientfile").joinpath("config.example.toml").read_text("utf-8"))
