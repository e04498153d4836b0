"""The command line: help, config check, auth set, clients, and how errors come out."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bridge.cli import app
from bridge.store import Store
from connectors.errors import (
    ConfigError,
    CredentialsError,
    CredentialsRefused,
    LockTimeout,
    RemoteRetriableError,
    StoreError,
    SyncError,
    exit_code,
)
from tests.memory_keyring import MemoryKeyring

ROOT = Path(__file__).resolve().parents[1]
GOOD = """client = "{slug}"
name = "{slug} Inc"
[tracker]
type = "toy"
url = "http://127.0.0.1:1"
project = "WEB"
token = "{token}"
signing_key = "env:TOY_KEY"
[quote]
rounds_included = 2
"""
runner = CliRunner()


def write_client(folder: Path, slug: str, token: str = "keyring:revbridge/{slug}") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{slug}.toml"
    path.write_text(GOOD.format(slug=slug, token=token.format(slug=slug)))
    return path


def run_module(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environ = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "bridge", *args],
        capture_output=True,
        text=True,
        env=environ,
        timeout=60,
        check=False,
    )


def test_help_lists_the_commands() -> None:
    done = run_module("--help")
    assert done.returncode == 0, done.stderr
    for command in ("config", "auth", "clients"):
        assert command in done.stdout
    for command in (["config", "check"], ["auth", "set"], ["clients"]):
        text = runner.invoke(app, [*command, "--help"], env={"COLUMNS": "200"}).stdout
        assert "--config-dir" in text and "--db" in text


def test_config_errors_come_out_without_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "clients" / "acme.toml"
    bad.parent.mkdir()
    bad.write_text('client = "acme"\n[tracker]\ntype = "nope"\ntoken = "env:X"\n')
    done = run_module("config", "check", "--config-dir", str(bad.parent))
    assert done.returncode == 2
    assert f"{bad}: [tracker] type: unknown tracker 'nope'" in done.stdout
    assert f"{bad}: [quote]: required table is missing" in done.stdout
    missing = run_module("config", "check", "ghost", "--config-dir", str(bad.parent))
    assert missing.returncode == 2
    assert "error:" in missing.stderr and "no client 'ghost'" in missing.stderr
    assert "Traceback" not in missing.stderr + done.stderr


def test_config_check_reports_each_file(tmp_path: Path, toy_tracker: str) -> None:
    folder = tmp_path / "clients"
    good = write_client(folder, "acme")
    result = runner.invoke(app, ["config", "check", "--config-dir", str(folder)])
    assert result.exit_code == 0 and result.stdout == f"OK  {good}\n"
    bad = write_client(folder, "beta", token="hunter2-literal")
    (folder / "gamma.toml").write_text(GOOD.format(slug="acme", token="env:T"))
    result = runner.invoke(app, ["config", "check", "--config-dir", str(folder)])
    assert result.exit_code == 2
    lines = result.stdout.splitlines()
    assert lines[0] == f"OK  {good}"
    assert lines[1].startswith(f"{bad}: [tracker] token: a secret cannot be written")
    assert "revbridge auth set beta" in lines[1] and "hunter2" not in result.stdout
    gamma = folder / "gamma.toml"
    assert lines[2] == (f"{gamma}: client: 'acme' differs from the file name 'gamma.toml'; a "
                        "client file is named after its client: rename the file to acme.toml "
                        "or set client = 'gamma'")
    one = runner.invoke(app, ["config", "check", str(good)])
    assert one.exit_code == 0 and one.stdout == f"OK  {good}\n"


def test_config_check_env_dir_and_empty_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REVBRIDGE_CONFIG_DIR", str(tmp_path / "empty"))
    result = runner.invoke(app, ["config", "check"])
    assert result.exit_code == 2
    assert "no client files" in result.stderr and str(tmp_path / "empty") in result.stderr


def test_auth_set_stores_where_the_reference_points(
    tmp_path: Path, toy_tracker: str, memory_keyring: MemoryKeyring
) -> None:
    folder = tmp_path / "clients"
    write_client(folder, "acme", token="keyring:studio/acme-jira")
    result = runner.invoke(
        app, ["auth", "set", "acme", "--no-check", "--config-dir", str(folder)],
        input="tok-1\nkey-1\n",
    )
    assert result.exit_code == 0, result.output
    assert memory_keyring.entries == {
        ("studio", "acme-jira"): "tok-1",
        ("revbridge", "acme-signing_key"): "key-1",
    }
    assert "tok-1" not in result.output and "key-1" not in result.output
    assert 'set signing_key = "keyring:revbridge/acme-signing_key"' in result.output
    assert "set token" not in result.output


def test_auth_set_fixes_a_file_with_a_literal_token(
    tmp_path: Path, toy_tracker: str, memory_keyring: MemoryKeyring
) -> None:
    path = write_client(tmp_path, "acme", token="hunter2-literal")
    result = runner.invoke(app, ["auth", "set", str(path), "--no-check"], input="tok-2\nkey-2\n")
    assert result.exit_code == 0, result.output
    assert memory_keyring.entries[("revbridge", "acme")] == "tok-2"
    assert f'Now set token = "keyring:revbridge/acme" in the [tracker] table of {path}' in (
        result.output.replace("\n", " ")
    )


def test_auth_set_without_keyring_backend(
    tmp_path: Path, toy_tracker: str, no_keyring: None
) -> None:
    path = write_client(tmp_path, "acme")
    result = runner.invoke(app, ["auth", "set", str(path)], input="tok-3\nkey-3\n")
    assert result.exit_code == 3
    assert "no usable keyring backend" in result.stderr
    assert "env:VARIABLE" in result.stderr and "cmd:COMMAND" in result.stderr
    assert "tok-3" not in result.output


def test_clients_shows_tracker_and_last_sync(tmp_path: Path, toy_tracker: str) -> None:
    folder = tmp_path / "clients"
    write_client(folder, "acme")
    (folder / "broken.toml").write_text("client = [\n")
    (folder / "halfway.toml").write_text('client = "halfway"\n[tracker]\ntype = "toy"\n')
    db = f"sqlite:///{tmp_path / 'rb.db'}"
    args = ["clients", "--config-dir", str(folder), "--db", db]
    result = runner.invoke(app, args, env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    acme = next(line for line in result.stdout.splitlines() if " acme " in line)
    assert "toy" in acme and "never" in acme and "acme Inc" in acme
    broken = next(line for line in result.stdout.splitlines() if " broken " in line)
    assert "1 config problem" in broken
    assert broken.split("│")[3].strip() == "?"  # no tracker type to show
    halfway = next(line for line in result.stdout.splitlines() if " halfway " in line)
    assert "config problems" in halfway and halfway.split("│")[3].strip() == "toy"
    store = Store.open(db)
    run = store.start_run("acme")
    finished = store.finish_run(run.id or 0, "ok")
    store.close()
    result = runner.invoke(app, args, env={"COLUMNS": "200"})
    acme = next(line for line in result.stdout.splitlines() if " acme " in line)
    assert finished.finished_at is not None
    assert f"{finished.finished_at:%Y-%m-%d %H:%M}Z ok" in acme


def test_exit_codes() -> None:
    assert exit_code(None) == 0
    assert exit_code(SyncError("x")) == 1
    assert exit_code(RemoteRetriableError("x")) == 1
    assert exit_code(StoreError("x")) == 1
    assert exit_code(LockTimeout("x")) == 1
    assert exit_code(ConfigError(["a", "b"])) == 2
    assert exit_code(CredentialsError("x")) == 3
    assert exit_code(CredentialsRefused("401", tracker="jira", status=401)) == 3


@pytest.mark.parametrize("command", ["list", "approve", "discard"])
def test_outbox_with_an_unknown_client_creates_no_database(
    tmp_path: Path, toy_tracker: str, command: str
) -> None:
    folder = tmp_path / "clients"
    write_client(folder, "acme")
    db = tmp_path / "rb.db"
    result = runner.invoke(app, ["outbox", command, "ghost", "--config-dir", str(folder),
                                 "--db", f"sqlite:///{db}"])
    assert result.exit_code == 2
    assert "no client 'ghost'" in result.stderr
    assert not db.exists()
