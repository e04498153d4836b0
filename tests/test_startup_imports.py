"""What a command loads before it runs: the help and the client-file check load no tracker
library, no database library and no scheduler; opening a migrated store loads no Alembic.

The time these take is measured by bench/startup.py (figures in docs/PERFORMANCE.md); this file
checks the imports that time depends on, as a fresh interpreter sees them.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from alembic.config import Config
from alembic.script import ScriptDirectory

from bridge.store import Store
from bridge.store.db import MIGRATIONS, head_revision

HEAVY = ("jira", "trello", "asana", "requests", "sqlalchemy", "sqlmodel", "alembic",
         "apscheduler", "rich.progress")  # (typer draws its help with rich.table)


def loaded_after(code: str) -> set[str]:
    """The top-level modules of ``HEAVY`` loaded once ``code`` has run in a new interpreter."""
    probe = (f"import sys\n{code}\n"
             f"import json; print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))")
    run = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         check=True)
    return set(json.loads(run.stdout.strip().splitlines()[-1]))


def test_help_loads_nothing_heavy() -> None:
    code = ("from bridge.cli import app\n"
            "try:\n    app(['--help'], prog_name='revbridge')\n"
            "except SystemExit:\n    pass")
    assert loaded_after(code) == set()
    assert "pydantic" not in loaded_after("import bridge.cli")


def test_config_check_loads_no_tracker_database_or_scheduler(tmp_path: Path) -> None:
    folder = tmp_path / "clients"
    folder.mkdir()
    (folder / "acme.toml").write_text(
        'client = "acme"\n[tracker]\ntype = "jira"\nurl = "http://127.0.0.1:1"\n'
        'project = "WEB"\ntoken = "env:ACME_TOKEN"\n[quote]\nrounds_included = 2\n')
    code = ("from bridge.cli import app\n"
            f"try:\n    app(['config', 'check', '--config-dir', {str(folder)!r}])\n"
            "except SystemExit as exit:\n    assert not exit.code, exit.code")
    assert loaded_after(code) == set()


def test_the_head_read_from_the_files_is_alembics() -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    assert head_revision() == ScriptDirectory.from_config(config).get_current_head()


def test_a_migrated_store_opens_without_alembic(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    Store.open(url).close()  # creates and migrates
    code = f"from bridge.store import Store\nStore.open({url!r}).close()"
    assert loaded_after(code) == {"sqlalchemy", "sqlmodel"}


def test_status_loads_the_database_library_only(tmp_path: Path) -> None:
    folder = tmp_path / "clients"
    folder.mkdir()
    (folder / "acme.toml").write_text(
        'client = "acme"\n[tracker]\ntype = "jira"\nurl = "http://127.0.0.1:1"\n'
        'project = "WEB"\ntoken = "env:ACME_TOKEN"\n[quote]\nrounds_included = 2\n')
    url = f"sqlite:///{tmp_path / 'store.db'}"
    Store.open(url).close()
    code = ("from bridge.cli import app\n"
            f"try:\n    app(['status', 'acme', '--config-dir', {str(folder)!r}, '--db', {url!r}])\n"
            "except SystemExit as exit:\n    assert not exit.code, exit.code")
    assert loaded_after(code) == {"sqlalchemy", "sqlmodel"}
