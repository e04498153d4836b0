"""Messages a newcomer can act on: help conventions, global options, --db, client files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from bridge.cli import app
from tests.test_cli_foundation import GOOD, write_client

runner = CliRunner()

def _command_paths() -> list[list[str]]:
    import typer.main

    paths: list[list[str]] = []

    def walk(command: Any, path: list[str]) -> None:
        paths.append(path)
        if hasattr(command, "commands"):  # a group (typer ships its own click)
            for name, sub in command.commands.items():
                walk(sub, [*path, name])

    walk(typer.main.get_command(app), [])
    return paths


COMMANDS = _command_paths()


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "revbridge")
def test_every_command_takes_h_and_shows_flags_as_flags(command: list[str]) -> None:
    short = runner.invoke(app, [*command, "-h"])
    assert short.exit_code == 0, short.output
    assert short.output == runner.invoke(app, [*command, "--help"]).output
    assert "Usage: revbridge" in short.output
    assert "<bool>" not in short.output  # a flag takes no value
    assert "``" not in short.output  # no reStructuredText in help


def test_version() -> None:
    from bridge import __version__

    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and result.stdout == f"revbridge {__version__}\n"


def test_quiet_prints_errors_and_json_only(tmp_path: Path, toy_tracker: str) -> None:
    folder = tmp_path / "clients"
    write_client(folder, "acme", token="env:T")
    db = f"sqlite:///{tmp_path / 'store.db'}"
    loud = runner.invoke(app, ["status", "acme", "--config-dir", str(folder), "--db", db])
    assert loud.exit_code == 0 and "Rounds used" in loud.stdout
    quiet = runner.invoke(app, ["-q", "status", "acme", "--config-dir", str(folder), "--db", db])
    assert quiet.exit_code == 0 and quiet.stdout == ""
    data = runner.invoke(app, ["-q", "status", "acme", "--json", "--config-dir", str(folder),
                               "--db", db])
    assert data.stdout.lstrip().startswith("{") and '"client": "acme"' in data.stdout
    missing = runner.invoke(app, ["-q", "status", "nobody", "--config-dir", str(folder)])
    assert missing.exit_code == 2 and "no client 'nobody'" in missing.stderr


def test_verbose_logs_to_stderr_with_secrets_masked(tmp_path: Path, toy_tracker: str) -> None:
    folder = tmp_path / "clients"
    write_client(folder, "acme", token="env:T")
    db = f"sqlite:///{tmp_path / 'store.db'}"
    result = runner.invoke(app, ["-v", "status", "acme", "--config-dir", str(folder), "--db", db])
    assert result.exit_code == 0
    assert f"DEBUG opening the store {db}" in result.stderr
    both = runner.invoke(app, ["-v", "-q", "status", "acme", "--config-dir", str(folder)])
    assert both.exit_code == 2 and "--verbose and --quiet exclude each other" in both.stderr


@pytest.mark.parametrize(("url", "message"), [
    ("postgres://me:hunter2@db.example/rb",
     "use postgresql+psycopg://me:***@db.example/rb (pip install 'revbridge[postgres]')"),
    ("postgresql+asyncpg://me@db.example/rb", "use postgresql+psycopg://me@db.example/rb"),
    ("mysql://me@db.example/rb", "mysql is not supported; revbridge works with "
                                 "sqlite:///PATH"),
    ("notaurl://x", "notaurl is not supported"),
    ("/srv/revbridge.db", "is a path, not a URL: did you mean sqlite:////srv/revbridge.db?"),
])
def test_db_urls_that_cannot_work_say_which_do(url: str, message: str, tmp_path: Path,
                                                toy_tracker: str) -> None:
    folder = tmp_path / "clients"
    write_client(folder, "acme", token="env:T")
    result = runner.invoke(app, ["status", "acme", "--config-dir", str(folder), "--db", url])
    assert result.exit_code == 2, result.output
    assert message in result.stderr and "Traceback" not in result.output
    assert "hunter2" not in result.output


def test_status_says_when_a_client_was_never_synced_here(tmp_path: Path,
                                                         toy_tracker: str) -> None:
    folder = tmp_path / "clients"
    write_client(folder, "acme", token="env:T")
    db = f"sqlite:///{tmp_path / 'elsewhere.db'}"
    result = runner.invoke(app, ["status", "acme", "--config-dir", str(folder), "--db", db])
    assert result.exit_code == 0
    assert (f"note: acme has never been synced into the database {db}: run `revbridge sync "
            "acme`") in " ".join(result.stderr.split())


def test_a_client_file_is_named_after_its_client(tmp_path: Path, toy_tracker: str) -> None:
    folder = tmp_path / "clients"
    folder.mkdir()
    path = folder / "acme-corp.toml"
    path.write_text(GOOD.format(slug="acme", token="env:T"))
    result = runner.invoke(app, ["config", "check", "--config-dir", str(folder)])
    assert result.exit_code == 2
    assert result.stdout.startswith(
        f"{path}: client: 'acme' differs from the file name 'acme-corp.toml'; a client file is "
        "named after its client: rename the file to acme.toml or set client = 'acme-corp'")
    sync = runner.invoke(app, ["sync", str(path), "--db", f"sqlite:///{tmp_path / 's.db'}"])
    assert sync.exit_code == 2 and "differs from the file name" in sync.stderr


def test_config_check_validates_notice_texts(tmp_path: Path, toy_tracker: str) -> None:
    folder = tmp_path / "clients"
    path = write_client(folder, "acme", token="env:T")
    path.write_text(path.read_text() + '[comments.texts]\nack = "Bien reçu : {titre}"\n'
                    'merci = "Merci"\n')
    result = runner.invoke(app, ["config", "check", "--config-dir", str(folder)])
    assert result.exit_code == 2
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"{path}: [comments.texts] ack: unknown placeholder {{titre}} "
                               "(known: {")
    assert lines[1].startswith(f"{path}: [comments.texts] merci: unknown notice kind (known: ")


def test_a_sync_that_never_started_prints_its_error_and_no_table(tmp_path: Path,
                                                                  toy_tracker: str) -> None:
    folder = tmp_path / "clients"
    path = write_client(folder, "acme", token="env:T")
    path.write_text(path.read_text().replace("rounds_included = 2", "rounds_included = -2"))
    result = runner.invoke(app, ["sync", "acme", "--config-dir", str(folder),
                                 "--db", f"sqlite:///{tmp_path / 's.db'}"])
    assert result.exit_code == 2
    assert result.stdout == ""  # no summary table of nothing
    assert result.stderr.count("error: ") == 1 and "rounds_included" in result.stderr


def test_retries_are_shown_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    import io
    import logging

    from rich.console import Console

    from bridge.cli import sync as sync_command

    screen = io.StringIO()
    monkeypatch.setattr(sync_command, "err", Console(file=screen, force_terminal=True,
                                                     highlight=False, width=200))
    log = logging.getLogger("connectors.http")
    with sync_command._retries_shown(True):
        log.info("jira: GET http://x: the connection was refused; retrying (2/6) in 1 s",
                 extra={"event": "retry"})
        log.info("jira: something else")
    log.info("jira: after the sync; retrying (3/6)", extra={"event": "retry"})
    assert screen.getvalue().splitlines() == [
        "jira: GET http://x: the connection was refused; retrying (2/6) in 1 s…"]


def test_config_example_is_the_shipped_example(tmp_path: Path) -> None:
    result = runner.invoke(app, ["config", "example"])
    assert result.exit_code == 0
    root = Path(__file__).resolve().parents[1]
    assert result.stdout == (root / "config.example.toml").read_text()
    (tmp_path / "acme.toml").write_text(result.stdout)
    checked = runner.invoke(app, ["config", "check", str(tmp_path / "acme.toml")])
    assert checked.exit_code == 0, checked.output
