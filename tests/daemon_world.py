"""Helpers for daemon tests: fake trackers in this process, the daemon in a child process.

The daemon reaches the fakes over HTTP on 127.0.0.1; tests read what it did from the store
(runs, outbox) and from the fakes (comments), never from the daemon's memory.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlmodel import col, select

from bridge.cli.story import Story, play_story
from bridge.store import Store
from bridge.store.models import RunRow
from connectors.testing.fakes import Fake, make_fake, tracker_table
from tests.e2e import ROOT, write_client_file


@dataclass
class Client:
    slug: str
    tracker: str
    fake: Fake
    story: Story
    token_env: str
    path: Path
    table: dict[str, Any]

    def write(self, **sections: dict[str, Any]) -> None:
        """Rewrite the client file, with ``sections`` merged into its tables."""
        for name, values in sections.items():
            self.table[name] = {**self.table.get(name, {}), **values}
        write_client_file(self.path.parent, self.table, self.slug)

    def bridge_markers(self) -> list[str]:
        """The marker line of every bridge comment on the fake, duplicates kept."""
        markers = []
        for ticket in self.story.tickets.values():
            for _, body in self.fake.comment_bodies(ticket):
                last = body.splitlines()[-1] if body else ""
                if "rb-" in last:
                    markers.append(last)
        return markers


@dataclass
class DaemonWorld:
    folder: Path
    db: str
    env: dict[str, str] = field(default_factory=dict)
    clients: dict[str, Client] = field(default_factory=dict)

    def add_client(self, slug: str, tracker: str = "jira", *, every: str = "1s",
                   token: str | None = None, write: bool = True, **fake_options: Any) -> Client:
        """A fake tracker seeded with the story, and a client file pointing at it."""
        fake = make_fake(tracker, **fake_options)
        fake.start()
        story = play_story(fake)
        token_env = f"RB_DAEMON_TOKEN_{slug.upper().replace('-', '_')}"
        self.env[token_env] = token if token is not None else fake.token
        table = story.client_file(tracker_table(tracker, fake, f"env:{token_env}"), slug=slug)
        table["schedule"] = {"every": every}
        client = Client(slug, tracker, fake, story, token_env, self.folder / f"{slug}.toml",
                        table)
        if write:
            client.write()
        self.clients[slug] = client
        return client

    store: Store | None = None

    def open_store(self) -> Store:
        if self.store is None:
            self.store = Store.open(self.db)
        return self.store

    def runs(self, slug: str) -> list[RunRow]:
        with self.open_store().session() as s:
            query = select(RunRow).where(col(RunRow.client) == slug).order_by(col(RunRow.id))
            return list(s.execute(query).scalars())

    def ok_runs(self, slug: str) -> list[RunRow]:
        return [r for r in self.runs(slug) if r.outcome == "ok"]

    def daemon(self, *args: str) -> DaemonProcess:
        return DaemonProcess([sys.executable, "-m", "bridge", "daemon", "--config-dir",
                              str(self.folder), "--db", self.db, *args], self.full_env)

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "bridge", *args, "--config-dir",
                               str(self.folder), "--db", self.db], env=self.full_env,
                              capture_output=True, text=True, timeout=60, check=False)

    @property
    def full_env(self) -> dict[str, str]:
        return {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "250", **self.env}

    def secrets(self) -> list[str]:
        return [v for k, v in self.env.items() if k.startswith("RB_DAEMON_TOKEN_")]


@contextmanager
def daemon_world(tmp_path: Path, db: str | None = None) -> Iterator[DaemonWorld]:
    folder = tmp_path / "clients"
    folder.mkdir()
    world = DaemonWorld(folder, db or f"sqlite:///{tmp_path / 'rb.db'}")
    try:
        yield world
    finally:
        for client in world.clients.values():
            client.fake.stop()
        if world.store is not None:
            world.store.close()


class DaemonProcess:
    """``revbridge daemon`` in a child process; its stderr lines collected as they come."""

    def __init__(self, argv: list[str], env: dict[str, str]) -> None:
        self.proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, text=True)
        self.lines: list[str] = []
        self._signalled = time.monotonic()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.lines.append(line.rstrip("\n"))

    @property
    def output(self) -> str:
        return "\n".join(self.lines)

    def signal(self, signum: int) -> None:
        self.proc.send_signal(signum)

    def stop(self, timeout: float = 15.0) -> tuple[int, float]:
        """SIGTERM; returns (exit code, seconds it took to exit)."""
        self.terminate()
        return self.exited(timeout)

    def terminate(self) -> None:
        self._signalled = time.monotonic()
        self.proc.send_signal(signal.SIGTERM)

    def exited(self, timeout: float = 15.0) -> tuple[int, float]:
        """Wait for the exit; returns (exit code, seconds since SIGTERM)."""
        code = self.proc.wait(timeout=timeout)
        self._reader.join(timeout=5)
        return code, time.monotonic() - self._signalled

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def __enter__(self) -> DaemonProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.kill()


def wait_for(condition: Callable[[], Any], timeout: float = 20.0, what: str = "",
             daemon: DaemonProcess | None = None) -> Any:
    """Poll ``condition`` until it is truthy; fail with the daemon's log when it never is."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        if daemon is not None and daemon.proc.poll() is not None:
            break
        time.sleep(0.1)
    log = daemon.output if daemon is not None else ""
    raise AssertionError(f"timed out waiting for {what or condition}\n{log}")
