"""``revbridge init`` driven the way a person uses it: through a pseudo-terminal (pexpect),
against each fake tracker; then ``config check --online`` and ``sync`` on the file it wrote.
Also: the same from flags with ``--non-interactive``, and no keyring said before the token."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pexpect
import pytest

from bridge.cli.story import Story, play_story
from connectors.testing.fakes import Fake, make_fake
from tests.memory_keyring import MemoryKeyring

ROOT = Path(__file__).resolve().parents[1]
TOKEN_ENV = "RB_INIT_TOKEN"
WAIT = 60


@pytest.fixture(params=["jira", "trello", "asana"])
def tracker(request: pytest.FixtureRequest) -> Iterator[tuple[str, Fake, Story]]:
    with make_fake(request.param) as fake:
        yield request.param, fake, play_story(fake)  # type: ignore[misc]


def _env(fake: Fake, tmp_path: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), TOKEN_ENV: fake.token,
            "REVBRIDGE_CONFIG_DIR": str(tmp_path / "clients"),
            "REVBRIDGE_DB": f"sqlite:///{tmp_path / 'rb.db'}",
            "COLUMNS": "200", "TERM": "dumb", "NO_COLOR": "1", "TZ": "Europe/Paris"}


def _revbridge(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bridge", *args], env=env, text=True,
                          capture_output=True, timeout=120)


def _number(child: pexpect.spawn, name: str) -> str:  # type: ignore[type-arg]
    """The number the wizard's people list gives ``name`` (the list is already printed)."""
    match = re.search(rf"(\d+)\. {re.escape(name)}", child.before + child.after)
    assert match, f"{name} not listed"
    return match.group(1)


def test_init_through_a_terminal(tracker: tuple[str, Fake, Story], tmp_path: Path) -> None:
    kind, fake, story = tracker
    env = _env(fake, tmp_path)
    child = pexpect.spawn(sys.executable, ["-m", "bridge", "init"], env=env, encoding="utf-8",
                          timeout=WAIT, dimensions=(50, 200))
    child.expect(r"Client slug.*: ")
    child.sendline("acme")
    child.expect(r"Tracker \(asana \| jira \| trello\): ")
    child.sendline(kind)
    child.expect(r"Tracker URL.*: ")
    child.sendline(fake.base_url)
    if kind == "jira":
        child.expect(r"Atlassian e-mail.*: ")
        child.sendline(fake.email)  # type: ignore[attr-defined]
    if kind == "trello":
        child.expect(r"Trello app key: ")
        child.sendline(fake.key)  # type: ignore[attr-defined]
    child.expect(r"Token reference.*: ")
    child.sendline(f"env:{TOKEN_ENV}")
    child.expect(r"Connected as Revision Bridge")
    child.expect(r"Project \(number or key\): ")
    projects = child.before
    assert "Projects the token sees" in projects
    wanted = {"jira": "Website", "trello": "Client board", "asana": "Website relaunch"}[kind]
    number = re.search(rf"│ (\d+)\s+│ \S+\s+│ {wanted}", projects)
    assert number, projects
    child.sendline(number.group(1))
    child.expect(r"Use this mapping\? \[Y/n\]: ")
    assert re.search(r"In Review\s+│ \S+\s+│ delivered", child.before)
    if kind == "trello":  # say no once: every status asked, the proposal as default
        child.sendline("n")
        for name, answer in (("To Do", ""), ("In Progress", ""), ("In Review", "delivered"),
                             ("Done", "")):
            child.expect(rf"'{name}' counts as .*: ")
            child.sendline(answer)
    else:
        child.sendline("y")
    child.expect(r"Designated contact\(s\) of the client \(numbers\).*: ")
    child.sendline(_number(child, "Claire Dubois"))
    child.expect(r"Your team, the API user included \(numbers\) \[(\d+)\]: ")
    child.sendline(f"{child.match.group(1)},{_number(child, 'Tom Studio')}")
    for prompt, answer in ((r"Quote reference: ", "DEV-2026-014"),
                           (r"Revision rounds included \[3\]: ", "2"),
                           (r"Hours included \(0: no cap\) \[0.0\]: ", "6"),
                           (r"Hourly rate \[0.0\]: ", "80"), (r"Currency \[EUR\]: ", ""),
                           (r"Client name \[acme\]: ", "ACME Corp"),
                           (r"Client time zone \[Europe/Paris\]: ", ""),
                           (r"Language of the comments \(fr \| en\) \[en\]: ", "fr"),
                           (r"Handle each request within .*\[2d\]: ", "")):
        child.expect(prompt)
        child.sendline(answer)
    child.expect(r"Wrote (\S+)\.")
    child.expect(r"OK  ")
    child.expect(r"Try `revbridge sync --dry-run` now .*\[Y/n\]: ")
    child.sendline("y")
    child.expect(pexpect.EOF)
    assert re.search(r"rb-[0-9a-f]{10}", child.before)  # the notices a sync would post
    child.close()
    assert child.exitstatus == 0, child.before

    written = tmp_path / "clients" / "acme.toml"
    data = tomllib.loads(written.read_text())
    assert data["contacts"]["client"] == [story.client]
    assert set(data["contacts"]["team"]) == {fake.bot_id, story.team}
    assert data["tracker"]["statuses"]["delivered"] == ["In Review"]
    assert data["quote"]["rounds_included"] == 2 and data["language"] == "fr"
    assert data["timezone"] == "Europe/Paris" and data["name"] == "ACME Corp"
    checked = _revbridge(env, "config", "check", "acme", "--online")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    synced = _revbridge(env, "sync", "acme", "--json")
    assert synced.returncode == 0, synced.stdout + synced.stderr
    assert '"outcome": "ok"' in synced.stdout


def test_init_from_flags_only(tracker: tuple[str, Fake, Story], tmp_path: Path) -> None:
    kind, fake, story = tracker
    env = _env(fake, tmp_path)
    key = {"jira": "WEB", "trello": getattr(fake, "board_id", ""),
           "asana": getattr(fake, "project_gid", "")}[kind]
    args = ["init", "acme", "--non-interactive", "--type", kind, "--url", fake.base_url,
            "--token", f"env:{TOKEN_ENV}", "--project", key, "--client", story.client,
            "--team", fake.bot_id, "--team", story.team, "--rounds", "2", "--rate", "80",
            "--status", "In Review=delivered", "--language", "en", "--no-dry-run-sync"]
    if kind == "jira":
        args += ["--email", fake.email]  # type: ignore[attr-defined]
    if kind == "trello":
        args += ["--api-key", fake.key]  # type: ignore[attr-defined]
    done = _revbridge(env, *args)
    assert done.returncode == 0, done.stdout + done.stderr
    data = tomllib.loads((tmp_path / "clients" / "acme.toml").read_text())
    assert data["tracker"]["token"] == f"env:{TOKEN_ENV}"
    assert data["contacts"] == {"client": [story.client], "team": [fake.bot_id, story.team],
                                "non_designated": "count"}
    assert data["timezone"] == "Europe/Paris"  # the machine's (TZ)
    again = _revbridge(env, *args)
    assert again.returncode == 2 and "pass --force to overwrite it" in again.stderr
    synced = _revbridge(env, "sync", "acme")
    assert synced.returncode == 0, synced.stdout + synced.stderr


def test_init_without_keyring_says_so_before_asking_the_token(tmp_path: Path) -> None:
    with make_fake("asana") as fake:
        env = {**_env(fake, tmp_path),
               "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
        child = pexpect.spawn(sys.executable, ["-m", "bridge", "init", "acme", "--type",
                                               "asana", "--url", fake.base_url], env=env,
                              encoding="utf-8", timeout=WAIT)
        child.expect(r"Token reference.*: ")
        child.sendline("")
        child.expect(r"no usable keyring backend.*env:VARIABLE or cmd:COMMAND")
        child.expect(pexpect.EOF)
        assert "Paste the token" not in (child.before or "")
        child.close()
        assert child.exitstatus == 3


def test_init_keeps_a_pasted_token_in_the_keyring_once_checked(
    tmp_path: Path, memory_keyring: MemoryKeyring
) -> None:
    from typer.testing import CliRunner

    from bridge.cli import app

    with make_fake("asana") as fake:
        story = play_story(fake)
        args = ["init", "acme", "--type", "asana", "--url", fake.base_url,
                "--project", getattr(fake, "project_gid", ""), "--client", story.client,
                "--team", fake.bot_id, "--quote-reference", "Q-1", "--rounds", "2",
                "--hours", "0", "--rate", "80", "--currency", "EUR", "--name", "Acme",
                "--timezone", "Europe/Paris", "--language", "fr", "--handle-within", "2d",
                "--no-dry-run-sync", "--config-dir", str(tmp_path / "clients")]
        wrong = CliRunner().invoke(app, args, input="\nnot-the-token\n")
        assert wrong.exit_code == 3, wrong.output
        assert memory_keyring.entries == {}
        assert not (tmp_path / "clients" / "acme.toml").exists()
        result = CliRunner().invoke(app, args, input=f"\n{fake.token}\ny\n")
    assert result.exit_code == 0, result.output
    assert memory_keyring.entries == {("revbridge", "acme"): fake.token}
    assert fake.token not in result.output
    data = tomllib.loads((tmp_path / "clients" / "acme.toml").read_text())
    assert data["tracker"]["token"] == "keyring:revbridge/acme"
