"""The daemon's worker count: ``--workers``, else ``[daemon] workers`` in the settings file,
else 4; a bad value names the file and the key, and no daemon starts."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from bridge.cli import app
from bridge.clientfile.settings import daemon_workers
from connectors.errors import ConfigError
from tests.daemon_world import daemon_world, wait_for

runner = CliRunner()


def settings_file(folder: Path, text: str) -> Path:
    path = folder / "revbridge.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_workers_come_from_the_option_else_the_settings_file_else_4(tmp_path: Path) -> None:
    three = settings_file(tmp_path, '[freelancer]\nname = "Mia"\n[daemon]\nworkers = 3\n')
    assert daemon_workers(None, three) == (3, f"[daemon] workers in {three}")
    assert daemon_workers(6, three) == (6, "--workers")
    three.write_text('[freelancer]\nname = "Mia"\n', encoding="utf-8")
    assert daemon_workers(None, three) == (4, "the default")


def test_a_missing_default_settings_file_means_4_workers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("REVBRIDGE_SETTINGS", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "nowhere"))
    assert daemon_workers(None) == (4, "the default")


@pytest.mark.parametrize("value", ["0", "-2", '"4"', "true", "2.5"])
def test_a_bad_worker_count_names_the_file_the_key_and_the_fix(
    tmp_path: Path, value: str
) -> None:
    path = settings_file(tmp_path, f"[daemon]\nworkers = {value}\n")
    with pytest.raises(ConfigError) as raised:
        daemon_workers(None, path)
    [problem] = raised.value.problems
    assert problem.startswith(f"{path}: [daemon] workers: ")
    assert "a whole number, 1 or more" in problem
    # --workers wins: the file is not even read
    assert daemon_workers(2, path) == (2, "--workers")


def test_the_daemon_refuses_to_start_on_a_bad_settings_file(tmp_path: Path) -> None:
    path = settings_file(tmp_path, "[daemon]\nworkers = 0\nthreads = 2\n")
    folder = tmp_path / "clients"
    folder.mkdir()
    result = runner.invoke(app, ["daemon", "--settings", str(path), "--config-dir", str(folder),
                                 "--db", f"sqlite:///{tmp_path / 'rb.db'}"])
    assert result.exit_code == 2, result.output
    assert f"{path}: [daemon] workers: 0 is not a number of workers" in result.stderr
    assert f"{path}: [daemon] threads: unknown key" in result.stderr
    assert not (tmp_path / "rb.db").exists()  # refused before opening anything


def test_the_daemon_runs_with_the_settings_files_worker_count(tmp_path: Path) -> None:
    with daemon_world(tmp_path) as world:
        world.add_client("acme")
        path = settings_file(tmp_path, "[daemon]\nworkers = 3\n")
        world.env["REVBRIDGE_SETTINGS"] = str(path)
        with world.daemon("--watch", "0") as daemon:
            wait_for(lambda: " synced in " in daemon.output, timeout=60,
                     what="a sync", daemon=daemon)
            assert daemon.stop()[0] == 0
        assert f"3 worker(s) ([daemon] workers in {path})" in daemon.output
        with world.daemon("--watch", "0", "--workers", "2") as daemon:
            wait_for(lambda: " started: " in daemon.output, timeout=60,
                     what="the daemon starting", daemon=daemon)
            assert daemon.stop()[0] == 0
        assert "2 worker(s) (--workers)" in daemon.output
