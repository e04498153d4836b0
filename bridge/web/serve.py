"""Running the dashboard: the listening socket (bound before anything is announced, so a taken
port is a clear error), uvicorn, and opening the browser when asked."""

from __future__ import annotations

import hashlib
import socket
import threading
import webbrowser
from collections.abc import Callable
from pathlib import Path

import platformdirs
import uvicorn
from starlette.applications import Starlette

from bridge.clientfile.paths import APP
from connectors.errors import ConfigError


def default_token_file() -> Path:
    """Where ``--new-token`` writes when no ``--token-file`` is given."""
    return platformdirs.user_config_path(APP) / "web-token"


def figures_file(store_url: str) -> Path:
    """Where the dashboard saves the overview's figures of the store at ``store_url`` between
    runs (the user's cache folder: deleting it only makes the next start derive them again)."""
    digest = hashlib.sha256(store_url.encode()).hexdigest()[:16]
    return platformdirs.user_cache_path(APP) / "web" / f"figures-{digest}.json"


def listen(host: str, port: int) -> socket.socket:
    """A socket bound to ``host:port``; :class:`ConfigError` naming the fix when it cannot be."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise ConfigError([f"cannot listen on {host} port {port}: {exc.strerror} (another "
                           "revbridge web? choose another with --port)"]) from None
    return sock


def url_for(host: str, port: int) -> str:
    shown = "127.0.0.1" if host in ("0.0.0.0", "") else host
    shown = f"[{shown}]" if ":" in shown else shown
    return f"http://{shown}:{port}/"


def serve(app: Starlette, sock: socket.socket, url: str, *, open_browser: bool,
          announce: Callable[[str], None]) -> None:
    """Serve ``app`` on ``sock`` until interrupted (Ctrl+C)."""
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False,
                                           proxy_headers=True, server_header=False))
    announce(url)
    if open_browser:
        threading.Timer(1.0, webbrowser.open, (url,)).start()
    server.run(sockets=[sock])
