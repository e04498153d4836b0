"""Helpers for end-to-end tests: a fake tracker seeded with the story, a client file, the CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tomli_w

from bridge.cli.story import Story, play_story
from connectors.testing.fakes import Fake, make_fake, tracker_table

ROOT = Path(__file__).resolve().parents[1]
TOKEN_ENV = "REVBRIDGE_E2E_TOKEN"


@dataclass
class World:
    tracker: str
    fake: Fake
    story: Story
    config_dir: Path
    db: str

    @property
    def env(self) -> dict[str, str]:
        return {**os.environ, "PYTHONPATH": str(ROOT), TOKEN_ENV: self.fake.token,
                "REVBRIDGE_CONFIG_DIR": str(self.config_dir), "REVBRIDGE_DB": self.db}

    def cli(self, *args: str, check: bool = True, timeout: float = 120,
            env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run([sys.executable, "-m", "bridge", *args],
                              env={**self.env, **(env or {})},
                              capture_output=True, text=True, timeout=timeout)
        if check and proc.returncode != 0:
            raise AssertionError(f"revbridge {' '.join(args)} exited {proc.returncode}:\n"
                                 f"{proc.stdout}\n{proc.stderr}")
        return proc

    def status(self) -> Any:
        return json.loads(self.cli("status", "demo", "--json").stdout)

    def notices_on_tracker(self) -> list[tuple[str, str]]:
        """(ticket id, comment text) of every bridge comment on the fake."""
        found = []
        for ticket in self.story.tickets.values():
            for _, body in self.fake.comment_bodies(ticket):
                if "rb-" in body.splitlines()[-1]:
                    found.append((ticket, body))
        return found


def write_client_file(folder: Path, table: dict[str, Any], slug: str = "demo") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{slug}.toml"
    path.write_bytes(tomli_w.dumps(table).encode())
    return path


@contextmanager
def story_world(tracker: str, tmp_path: Path, **client_overrides: Any) -> Iterator[World]:
    fake = make_fake(tracker)
    fake.start()
    try:
        story = play_story(fake)
        table = story.client_file(tracker_table(tracker, fake, f"env:{TOKEN_ENV}"))
        for section, values in client_overrides.items():
            table[section] = {**table.get(section, {}), **values}
        write_client_file(tmp_path / "clients", table)
        yield World(tracker, fake, story, tmp_path / "clients", f"sqlite:///{tmp_path}/rb.db")
    finally:
        fake.stop()
