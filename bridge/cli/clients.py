"""``revbridge clients [--json]``: each client, its tracker, last sync and the daemon's plan.

The last run comes from the ``runs`` table; the next run and the backoff or pause state from
the ``daemon_state`` table a running daemon keeps (any process, any machine on the store).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from bridge.cli.app import ConfigDirOption, DbOption, app, out, print_data
from connectors.errors import ConfigError

if TYPE_CHECKING:
    from bridge.store.models import DaemonStateRow, RunRow


@app.command("clients")
def list_clients(
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON list.")] = False,
    config_dir: ConfigDirOption = None,
    db: DbOption = None,
) -> None:
    """List the configured clients: tracker, last sync, next run, backoff state, notices held."""
    from rich.table import Table

    from bridge.clientfile.load import client_files
    from bridge.clientfile.paths import config_dir as resolve_config_dir

    folder = resolve_config_dir(config_dir)
    paths = client_files(folder)
    if not paths and not as_json:
        out.print(f"No client files in {folder}.", markup=False)
        return
    from bridge.store import Store  # here: SQLAlchemy is slow to import for --help

    with Store.open(db) as store:
        states = store.plans.all()
        held = store.held_counts()
        rows = [_describe(path, store.last_run, states, held) for path in paths]
    if as_json:
        print_data(json.dumps(rows))
        return
    from bridge.present.terminal import plain

    table = Table("client", "name", "tracker", "last sync", "next run", "state", "held",
                  "file")
    for row in rows:
        last = row["last_run"]
        table.add_row(plain(row["client"]), plain(row["name"]), plain(row["tracker"]),
                      f"{_short(last['finished_at'] or last['started_at'])} {last['outcome']}"
                      if last else "never",
                      _short(row["next_run"]), plain(_state_text(row)), str(row["held"]),
                      plain(row["file"]))
    out.print(table)
    from bridge.present.ledger_view import held_text

    for row in rows:
        if row["held"]:
            out.print(plain(f"{row['client']}: {held_text(row['client'], row['held'])}"),
                      markup=False)


def _describe(path: Path, last_run: Any, states: dict[str, DaemonStateRow],
              held: dict[str, int]) -> dict[str, Any]:
    from bridge.clientfile.load import check_table, read_table
    from bridge.present.ledger_view import iso

    try:
        data = read_table(path)  # read once: validated below, its tracker type shown if broken
    except ConfigError as exc:
        data, config, problems = {}, None, exc.problems
    else:
        config, problems = check_table(path, data)
    if config is not None:
        slug, name, kind = config.client, config.name, config.tracker.type
    else:
        slug, kind = path.stem, _raw_type(data)
        name = f"({len(problems)} config problem{'s' if len(problems) > 1 else ''})"
    run: RunRow | None = last_run(slug)
    plan = states.get(slug)
    return {
        "client": slug, "name": name, "tracker": kind, "file": str(path),
        "problems": problems,
        "last_run": None if run is None else {
            "started_at": iso(run.started_at), "finished_at": iso(run.finished_at),
            "outcome": run.outcome, "error": run.error},
        "next_run": iso(plan.next_run_at) if plan else None,
        "failures": plan.failures if plan else 0,
        "retry_at": iso(plan.retry_at) if plan else None,
        "paused": plan.paused if plan else None,
        "daemon": plan.daemon if plan else None,
        "held": held.get(slug, 0),
    }


def _short(iso: str | None) -> str:
    return "-" if iso is None else f"{iso[:10]} {iso[11:16]}Z"


def _state_text(row: dict[str, Any]) -> str:
    if row["paused"]:
        return f"paused ({row['paused']})"
    if row["failures"]:
        retry = _short(row["retry_at"])
        return f"backing off: {row['failures']} failure(s) in a row, retry {retry}"
    if row["daemon"] is None:
        return "no daemon"
    return "scheduled"


def _raw_type(data: dict[str, Any]) -> str:
    tracker = data.get("tracker")
    return str(tracker.get("type", "?")) if isinstance(tracker, dict) else "?"
