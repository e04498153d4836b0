"""``revbridge web [--host 127.0.0.1] [--port 8765] [--open] [--token-file FILE]`` and
``revbridge web --new-token``: the local dashboard (docs/web.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bridge.cli.app import ConfigDirOption, DbOption, SettingsOption, app, out
from connectors.errors import ConfigError


@app.command("web")
def web(
    host: Annotated[str, typer.Option(
        help="Address to listen on. Anything but a loopback address needs --token-file.")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8765,
    open_browser: Annotated[bool, typer.Option("--open", help="Open it in the browser.")] = False,
    token_file: Annotated[Path | None, typer.Option(
        "--token-file", help="File holding the access token (made by --new-token); every "
        "request then needs it.", show_default=False)] = None,
    new_token: Annotated[bool, typer.Option(
        "--new-token", help="Write a new random token to --token-file (else "
        "~/.config/revbridge/web-token) and exit.")] = False,
    config_dir: ConfigDirOption = None,
    db: DbOption = None,
    settings: SettingsOption = None,
) -> None:
    """The dashboard: every client at a glance, each ledger, held notices to review."""
    from bridge.web.guard import is_loopback, read_token
    from bridge.web.guard import new_token as write_token
    from bridge.web.serve import default_token_file, figures_file, listen, serve, url_for

    if new_token:
        target = (token_file or default_token_file()).expanduser()
        write_token(target)
        out.print(f"A new token is in {target} (readable by you only). Start the dashboard "
                  f"with --token-file {target}; the browser asks for the token once.",
                  markup=False)
        return
    if token_file is None and not is_loopback(host):
        raise ConfigError([f"--host {host} is not a loopback address: other machines could "
                           "reach the dashboard, so it needs a token. Make one with `revbridge "
                           "web --new-token` and pass --token-file FILE (see docs/web.md)"])
    token = read_token(token_file) if token_file is not None else None
    if settings is not None:  # a wrong --settings is said now, not at the first download
        from bridge.clientfile.settings import load_settings

        load_settings(settings)
    if not 0 < port < 65536:
        raise ConfigError([f"--port {port}: choose a port between 1 and 65535"])

    from bridge.clientfile.paths import config_dir as resolve_config_dir
    from bridge.store import Store
    from bridge.web.app import create_app

    sock = listen(host, port)
    folder = resolve_config_dir(config_dir)
    with Store.open(db) as store:
        saved = figures_file(store.engine.url.render_as_string(hide_password=True))
        application = create_app(store, folder, token=token, loopback_only=is_loopback(host),
                                 figures_file=saved, settings=settings)

        def announce(url: str) -> None:
            out.print(f"revbridge web: {url} (client files in {folder}); Ctrl+C to stop.",
                      markup=False)

        serve(application, sock, url_for(host, port), open_browser=open_browser,
              announce=announce)
