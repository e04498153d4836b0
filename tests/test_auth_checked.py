"""``auth set`` checks the token with the tracker before storing it; ``auth status``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bridge.cli import app
from bridge.cli.story import play_story
from connectors.testing.fakes import Fake, make_fake, tracker_table
from tests.e2e import write_client_file
from tests.memory_keyring import MemoryKeyring

runner = CliRunner()


@pytest.fixture(params=["jira", "trello", "asana"])
def fake(request: pytest.FixtureRequest) -> Iterator[Fake]:
    with make_fake(request.param) as server:
        yield server  # type: ignore[misc]


def _client(fake: Fake, folder: Path, token: str = "keyring:revbridge/demo") -> Path:
    kind = type(fake).__name__.removeprefix("Fake").lower()
    table = play_story(fake).client_file(tracker_table(kind, fake, token))
    return write_client_file(folder, table)


def test_a_good_token_is_checked_then_stored(
    fake: Fake, tmp_path: Path, memory_keyring: MemoryKeyring
) -> None:
    path = _client(fake, tmp_path)
    result = runner.invoke(app, ["auth", "set", str(path)], input=f"{fake.token}\n")
    assert result.exit_code == 0, result.output
    assert "The tracker accepts it: the token of Revision Bridge" in result.output
    assert fake.bot_id in result.output
    assert memory_keyring.entries == {("revbridge", "demo"): fake.token}
    assert fake.token not in result.output


def test_a_refused_token_is_not_stored(
    fake: Fake, tmp_path: Path, memory_keyring: MemoryKeyring
) -> None:
    path = _client(fake, tmp_path)
    result = runner.invoke(app, ["auth", "set", str(path)], input="wrong-token-123\n")
    assert result.exit_code == 3, result.output
    assert "the tracker refused this token; nothing was stored" in result.stderr
    assert memory_keyring.entries == {}
    assert "wrong-token-123" not in result.output
    unchecked = runner.invoke(app, ["auth", "set", str(path), "--no-check"],
                              input="wrong-token-123\n")
    assert unchecked.exit_code == 0
    assert memory_keyring.entries == {("revbridge", "demo"): "wrong-token-123"}


def test_no_keyring_is_said_before_the_prompt(
    fake: Fake, tmp_path: Path, no_keyring: None
) -> None:
    path = _client(fake, tmp_path)
    result = runner.invoke(app, ["auth", "set", str(path)], input=f"{fake.token}\n")
    assert result.exit_code == 3
    assert "no usable keyring backend" in result.stderr
    assert "env:VARIABLE" in result.stderr and "cmd:COMMAND" in result.stderr
    assert "token for demo" not in result.output  # never prompted


def test_auth_status_per_client(
    fake: Fake, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RB_STATUS_TOKEN", fake.token)
    _client(fake, tmp_path, "env:RB_STATUS_TOKEN")
    good = runner.invoke(app, ["auth", "status", "--config-dir", str(tmp_path)],
                         env={"COLUMNS": "250"})
    assert good.exit_code == 0, good.output
    assert "env:RB_STATUS_TOKEN" in good.output and "Revision Bridge" in good.output
    monkeypatch.setenv("RB_STATUS_TOKEN", "not-the-token")
    refused = runner.invoke(app, ["auth", "status", "demo", "--config-dir", str(tmp_path)],
                            env={"COLUMNS": "250"})
    assert refused.exit_code == 3
    assert "no" in refused.output and "not-the-token" not in refused.output
    monkeypatch.delenv("RB_STATUS_TOKEN")
    unset = runner.invoke(app, ["auth", "status", "--config-dir", str(tmp_path)],
                          env={"COLUMNS": "250"})
    assert unset.exit_code == 3
    assert "RB_STATUS_TOKEN is not set" in unset.output
