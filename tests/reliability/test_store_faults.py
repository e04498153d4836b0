"""Store faults: a PostgreSQL connection lost mid-sync, an emptied SQLite file, a database file
others can read, a read-only store."""

from __future__ import annotations

import contextlib
import os
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import make_url
from typer.testing import CliRunner, Result

from bridge.cli import app
from bridge.store import Store
from connectors.errors import StoreError
from tests.reliability.worlds import world

runner = CliRunner()
SMALL = {"team_tickets": 4, "requests": 4, "chatty_every": 100}


class CuttableProxy:
    """A TCP relay to PostgreSQL whose connections can all be cut at once (a server that
    went away, a network that dropped), refusing new ones from then on."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.sockets: list[socket.socket] = []
        self.cut_off = False
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if self.cut_off:
                client.close()
                continue
            server = socket.create_connection(self.target)
            with self._lock:
                self.sockets += [client, server]
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)

    def cut(self) -> None:
        self.cut_off = True
        with self._lock:
            for s in self.sockets:
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)
                s.close()

    def close(self) -> None:
        self.cut()
        self.listener.close()


@pytest.fixture
def proxied_pg(pg_url: str) -> Iterator[tuple[str, CuttableProxy]]:
    url = make_url(pg_url)
    proxy = CuttableProxy(url.host or "127.0.0.1", url.port or 5432)
    try:
        yield url.set(host="127.0.0.1", port=proxy.port).render_as_string(
            hide_password=False), proxy
    finally:
        proxy.close()


def one_line_error(result: Result) -> str:
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"{type(result.exception).__name__}: {result.exception}")
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert "Traceback" not in result.output
    errors = [line for line in lines if line.startswith("error:")]
    assert len(errors) == 1, result.output
    return errors[0]


@pytest.mark.postgres
def test_a_postgresql_connection_lost_mid_sync_is_one_line_and_exit_1(
        proxied_pg: tuple[str, CuttableProxy], tmp_path: Path) -> None:
    url, proxy = proxied_pg
    store = Store.open(url)
    with world("jira", tmp_path, store=store, **SMALL) as w:
        def cut_after_the_search(method: str, path: str, body: Any) -> Any:
            if "search" in path:
                proxy.cut()  # the database goes away while the pull is under way
            return body

        w.fake.rewrites.append(cut_after_the_search)
        folder = tmp_path / "clients"
        result = runner.invoke(app, ["sync", "acme", "--config-dir", str(folder), "--db", url])
        assert result.exit_code == 1, result.output
        line = one_line_error(result)
        assert "database" in line or "connection" in line
    store.close()


def test_an_emptied_sqlite_file_is_an_error_not_a_fresh_start(tmp_path: Path) -> None:
    path = tmp_path / "store.db"
    Store.open(f"sqlite:///{path}").close()
    assert path.stat().st_size > 0  # a new store is never an empty file, even for a moment
    path.write_bytes(b"")  # truncated: a full disk, a bad copy
    with pytest.raises(StoreError, match="empty"):
        Store.open(f"sqlite:///{path}")
    assert path.stat().st_size == 0  # left as it was found
    result = runner.invoke(app, ["clients", "--json", "--db", f"sqlite:///{path}",
                                 "--config-dir", str(tmp_path)])
    assert result.exit_code != 0 and "empty" in one_line_error(result)


def test_a_database_file_others_can_read_is_made_private(tmp_path: Path,
                                                         caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "store.db"
    Store.open(f"sqlite:///{path}").close()
    assert path.stat().st_mode & 0o777 == 0o600
    os.chmod(path, 0o644)
    Store.open(f"sqlite:///{path}").close()
    assert path.stat().st_mode & 0o777 == 0o600
    assert "made private" in caplog.text


@pytest.fixture
def read_only_store(tmp_path: Path) -> Iterator[tuple[list[str], str, Path]]:
    """A synced client's SQLite store made read-only (0400): (the CLI's --config-dir and --db
    options, a request's ticket key, the file)."""
    with world("jira", tmp_path, **SMALL) as w:
        assert w.sync().outcome == "ok"
        ticket = next(t for t in w.records().tickets if t.remote_id == w.requests[0])
        w.store.close()
    path = tmp_path / "acme.db"
    os.chmod(path, 0o400)
    try:
        yield ["--config-dir", str(tmp_path / "clients"), "--db", f"sqlite:///{path}"], \
            ticket.key, path
    finally:
        os.chmod(path, 0o600)


@pytest.mark.parametrize("command", [
    ["status", "acme", "--json"], ["status"], ["explain", "acme", "{ticket}"],
    ["report", "acme"], ["report", "acme", "-f", "csv"], ["outbox", "list", "acme", "--all"],
    ["clients"], ["clients", "--json"],
], ids=lambda c: " ".join(c))
def test_a_read_only_store_is_read_by_every_read_command(
        command: list[str], read_only_store: tuple[list[str], str, Path]) -> None:
    options, ticket, path = read_only_store
    before = path.read_bytes()
    result = runner.invoke(app, [c.replace("{ticket}", ticket) for c in command] + options)
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"{type(result.exception).__name__}: {result.exception}")
    assert result.exit_code == 0, result.output
    assert "acme" in result.output or ticket in result.output or "Client acme" in result.output
    assert "Traceback" not in result.output and "read-only" not in result.output
    assert not [line for line in result.output.splitlines() if line.startswith("error:")]
    assert path.read_bytes() == before  # read, not written


@pytest.mark.parametrize("command", [["sync", "acme"], ["sync", "--all"]])
def test_a_write_command_on_a_read_only_store_names_the_file_and_the_fix(
        command: list[str], read_only_store: tuple[list[str], str, Path]) -> None:
    options, _, path = read_only_store
    result = runner.invoke(app, command + options)
    assert result.exit_code == 1, result.output
    line = one_line_error(result)
    assert line == (f"error: the database file {path} is read-only, so nothing can be "
                    f"saved in it: make it writable (chmod u+w {path}) and run again"), line
