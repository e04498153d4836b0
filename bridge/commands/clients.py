"""``revbridge clients``: each configured client, its tracker and its last sync."""

from __future__ import annotations

from rich.table import Table

from bridge.app import ConfigDirOption, DbOption, app, out
from bridge.errors import ConfigError
from bridge.loader import client_files, read_client, read_table
from bridge.paths import config_dir as resolve_config_dir


@app.command("clients")
def list_clients(config_dir: ConfigDirOption = None, db: DbOption = None) -> None:
    """List the configured clients with their tracker and last sync."""
    folder = resolve_config_dir(config_dir)
    paths = client_files(folder)
    if not paths:
        out.print(f"No client files in {folder}.", markup=False)
        return
    from bridge.store import Store  # imported here: SQLAlchemy is slow to import for --help

    store = Store.open(db)
    table = Table("client", "name", "tracker", "last sync", "file")
    try:
        for path in paths:
            config, problems = read_client(path)
            if config is not None:
                slug, name, kind = config.client, config.name, config.tracker.type
            else:
                slug, name, kind = path.stem, "", _raw_type(path)
                name = f"({len(problems)} config problem{'s' if len(problems) > 1 else ''})"
            run = store.last_run(slug)
            if run is None:
                last = "never"
            else:
                when = run.finished_at or run.started_at
                last = f"{when:%Y-%m-%d %H:%M}Z {run.outcome}"
            table.add_row(slug, name, kind, last, str(path))
    finally:
        store.close()
    out.print(table)


def _raw_type(path: object) -> str:
    try:
        tracker = read_table(path).get("tracker")  # type: ignore[arg-type]
    except ConfigError:
        return "?"
    return str(tracker.get("type", "?")) if isinstance(tracker, dict) else "?"
