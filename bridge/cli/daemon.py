"""``revbridge daemon``: sync every client at its own schedule until stopped."""

from __future__ import annotations

from typing import Annotated

import typer

from bridge.cli.app import ConfigDirOption, DbOption, SettingsOption, app
from connectors.errors import ConfigError


@app.command("daemon")
def daemon(
    log_format: Annotated[str, typer.Option(
        "--log-format", metavar="FORMAT",
        help="text (human-readable) or json (one object a line).")] = "text",
    watch: Annotated[float, typer.Option(
        "--watch", min=0, metavar="SECONDS",
        help="Seconds between two looks at the client files (0: only SIGHUP)."
    )] = 3.0,
    lock_timeout: Annotated[float, typer.Option(
        "--lock-timeout", min=0, metavar="SECONDS",
        help="Seconds to wait for a client another process is syncing before skipping the run."
    )] = 1.0,
    workers: Annotated[int | None, typer.Option(
        "--workers", min=1, metavar="N", show_default=False,
        help="Clients synced at the same time, at most (else [daemon] workers in the "
        "settings file, else 4).")] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Debug logs.")] = False,
    config_dir: ConfigDirOption = None,
    db: DbOption = None,
    settings: SettingsOption = None,
) -> None:
    """Sync every client at its own schedule until SIGTERM; SIGHUP reloads the client files."""
    import logging

    from bridge.cli import logs
    from bridge.clientfile.paths import config_dir as resolve_config_dir
    from bridge.clientfile.settings import daemon_workers
    from bridge.daemon.daemon import Daemon, DaemonOptions

    if log_format not in ("text", "json"):
        raise ConfigError([f"--log-format: {log_format!r} is not text or json"])
    count, source = daemon_workers(workers, settings)
    logs.configure("json" if log_format == "json" else "text",
                   logging.DEBUG if verbose else logging.INFO)
    options = DaemonOptions(config_dir=resolve_config_dir(config_dir), db=db,
                            watch_interval=watch, lock_timeout=lock_timeout, workers=count,
                            workers_from=source)
    raise typer.Exit(Daemon(options).run())
