"""What a command loads before it runs: the help and the client-file check load no tracker
library, no database library and no scheduler; opening a migrated store loads no Alembic, and
``status`` on a migrated SQLite store loads no database library at all.

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

#: libraries a command loads only when it needs them (typer draws its help with rich.table)
HEAVY = ("jira", "trello", "asana", "requests", "sqlalchemy", "sqlmodel", "alembic",
         "apscheduler", "rich.progress", "pydantic", "croniter", "dateutil", "keyring",
         "jinja2", "starlette", "uvicorn", "weasyprint")
#: the parts of bridge that reading a ledger goes around: no sync, daemon, web or report
NOT_FOR_READING = ("bridge.sync", "bridge.daemon", "bridge.web", "bridge.present.report")


def loaded_after(code: str, watched: tuple[str, ...] = HEAVY) -> set[str]:
    """The modules of ``watched`` loaded once ``code`` has run in a new interpreter."""
    probe = (f"import sys\n{code}\n"
             f"import json; print(json.dumps([m for m in {watched!r} if m in sys.modules]))")
    run = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         check=True)
    return set(json.loads(run.stdout.strip().splitlines()[-1]))


def a_client_file(tmp_path: Path) -> Path:
    """A config dir holding one Jira client file whose token comes from the environment."""
    folder = tmp_path / "clients"
    folder.mkdir()
    (folder / "acme.toml").write_text(
        'client = "acme"\n[tracker]\ntype = "jira"\nurl = "http://127.0.0.1:1"\n'
        'project = "WEB"\ntoken = "env:ACME_TOKEN"\n[quote]\nrounds_included = 2\n')
    return folder


def test_help_loads_nothing_heavy() -> None:
    code = ("from bridge.cli import app\n"
            "try:\n    app(['--help'], prog_name='revbridge')\n"
            "except SystemExit:\n    pass")
    assert loaded_after(code) == set()
    assert loaded_after("import bridge.cli", ("bridge.clientfile.load", "bridge.store")) == set()


def test_the_probe_sees_what_is_loaded() -> None:
    assert loaded_after("import pydantic, croniter") == {"pydantic", "croniter", "dateutil"}


def test_config_check_loads_the_schema_library_only(tmp_path: Path) -> None:
    folder = a_client_file(tmp_path)
    code = ("from bridge.cli import app\n"
            f"try:\n    app(['config', 'check', '--config-dir', {str(folder)!r}])\n"
            "except SystemExit as exit:\n    assert not exit.code, exit.code")
    assert loaded_after(code) == {"pydantic"}


def test_the_head_read_from_the_files_is_alembics() -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    assert head_revision() == ScriptDirectory.from_config(config).get_current_head()


def test_a_migrated_store_opens_without_alembic(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    Store.open(url).close()  # creates and migrates
    code = f"from bridge.store import Store\nStore.open({url!r}).close()"
    assert loaded_after(code) == {"sqlalchemy", "sqlmodel", "pydantic"}


def test_status_on_a_sqlite_store_loads_the_schema_library_only(tmp_path: Path) -> None:
    folder = a_client_file(tmp_path)
    url = f"sqlite:///{tmp_path / 'store.db'}"
    Store.open(url).close()
    for command in (["status", "acme"], ["status", "acme", "--json"], ["status"]):
        code = ("from bridge.cli import app\n"
                f"try:\n    app({[*command, '--config-dir', str(folder), '--db', url]!r})\n"
                "except SystemExit as exit:\n    assert not exit.code, exit.code")
        assert loaded_after(code) == {"pydantic"}, command
        assert loaded_after(code, NOT_FOR_READING) == set()


def test_status_on_a_new_store_creates_it_with_the_database_libraries(tmp_path: Path) -> None:
    folder = a_client_file(tmp_path)
    url = f"sqlite:///{tmp_path / 'store.db'}"
    code = ("from bridge.cli import app\n"
            f"try:\n    app(['status', 'acme', '--config-dir', {str(folder)!r}, '--db', {url!r}])\n"
            "except SystemExit as exit:\n    assert not exit.code, exit.code")
    assert loaded_after(code) >= {"sqlalchemy", "sqlmodel", "pydantic"}
    assert (tmp_path / "store.db").exists()


def revbridge(*args: str) -> subprocess.CompletedProcess[str]:
    """``revbridge ARGS`` as the installed script runs it (``main()``), in a new interpreter."""
    code = ("import sys\nfrom bridge.cli import app, main\n"
            "try:\n    main()\nfinally:\n"
            "    print([c.name for c in app.registered_commands],"
            " [g.name for g in app.registered_groups])")
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True)


def test_a_run_builds_only_the_command_it_runs(tmp_path: Path) -> None:
    run = revbridge("config", "check", "--config-dir", str(a_client_file(tmp_path)))
    assert run.returncode == 0, run.stderr
    assert "OK" in run.stdout
    assert run.stdout.splitlines()[-1] == "[] ['config']"


def test_the_help_and_a_mistyped_command_still_see_every_command() -> None:
    listing = revbridge("--help")
    assert listing.returncode == 0, listing.stderr
    for name in ("status", "explain", "sync", "invoice", "config", "outbox"):
        assert f" {name} " in listing.stdout
    typo = revbridge("statuss")
    assert typo.returncode == 2
    assert "Did you mean 'status'?" in typo.stderr
