"""The example third-party connector (examples/revbridge-minitrack), installed as a stranger
would install it: revbridge finds it through its entry points and it passes the shipped contract.

The package is built offline from its source (``--no-index --no-build-isolation``: setuptools
comes from revbridge's dev dependencies) into a folder of its own, put on ``PYTHONPATH``.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "revbridge-minitrack"
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """(the example's source copy, an environment in which it is installed)."""
    root = tmp_path_factory.mktemp("example")
    source = root / "src"
    shutil.copytree(EXAMPLE, source, ignore=shutil.ignore_patterns("build", "*.egg-info",
                                                                   "__pycache__"))
    site = root / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index",
         "--no-build-isolation", "--target", str(site), str(source)],
        check=True, capture_output=True, text=True, timeout=120,
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(site), *filter(None, [os.environ.get("PYTHONPATH")])])}
    return source, env


def test_the_example_passes_the_shipped_contract_suite(
    installed: tuple[Path, dict[str, str]],
) -> None:
    source, env = installed
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-v", "-p", "no:cacheprovider", str(source / "tests")],
        cwd=source, env=env, capture_output=True, text=True, timeout=300,
    )
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    passed = re.findall(r"::TestMinitrack::(\S+) PASSED", run.stdout)
    assert len(passed) >= 20, run.stdout[-4000:]
    assert "test_revbridge_finds_the_connector_and_its_fake_through_their_entry_points PASSED" \
        in run.stdout
    assert "SKIPPED" not in run.stdout and "FAILED" not in run.stdout


def test_revbridge_checks_a_client_file_of_the_installed_tracker(
    installed: tuple[Path, dict[str, str]], tmp_path: Path,
) -> None:
    _, env = installed
    folder = tmp_path / "clients"
    folder.mkdir()
    (folder / "acme.toml").write_text(
        'client = "acme"\n[tracker]\ntype = "minitrack"\nurl = "http://127.0.0.1:9"\n'
        'token = "env:MINITRACK_TOKEN"\n[quote]\nrounds_included = 2\n'
    )
    check = [sys.executable, "-m", "bridge", "config", "check", "--config-dir", str(folder)]
    found = subprocess.run(check, env=env, capture_output=True, text=True, timeout=60)
    assert found.returncode == 0, found.stdout + found.stderr
    assert "OK" in found.stdout and "acme.toml" in found.stdout
    bare = {k: v for k, v in env.items() if k != "PYTHONPATH"}
    missing = subprocess.run(check, env=bare, capture_output=True, text=True, timeout=60)
    assert missing.returncode == 2
    assert "unknown tracker 'minitrack'" in missing.stdout + missing.stderr
