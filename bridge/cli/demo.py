"""``revbridge demo``: the whole flow on a built-in fake tracker, no account needed."""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path
from typing import Annotated

import typer

from bridge.cli.app import app, out

TOKEN_ENV = "REVBRIDGE_DEMO_TOKEN"


def keep_for_the_dashboard(database: Path, client_file: Path) -> Path:
    """Copy the demo's store and client file to ``demo/`` in the user data dir (replacing the
    previous demo's), for ``revbridge web``; returns that folder."""
    import shutil
    import sqlite3

    from bridge.clientfile.paths import default_db_path

    kept = default_db_path().parent / "demo"
    (kept / "clients").mkdir(parents=True, exist_ok=True, mode=0o700)
    shutil.copyfile(client_file, kept / "clients" / client_file.name)
    target = kept / "demo.db"
    for old in (target, target.with_name("demo.db-wal"), target.with_name("demo.db-shm")):
        old.unlink(missing_ok=True)
    os.close(os.open(target, os.O_CREAT | os.O_WRONLY, 0o600))
    source, copy = sqlite3.connect(database), sqlite3.connect(target)
    try:
        source.backup(copy)
    finally:
        source.close()
        copy.close()
    return kept


@app.command("demo")
def demo(
    tracker: Annotated[str, typer.Option(
        metavar="NAME", help="The fake tracker: jira, trello or asana.")] = "jira",
) -> None:
    """Sync a scripted client story from a fake tracker and show the ledger and the comments."""
    import tomli_w
    from rich.panel import Panel

    from bridge.cli.story import play_story
    from bridge.clientfile.load import load_client
    from bridge.present.ledger_view import render_status
    from bridge.present.notices import find_marker
    from bridge.store import Store
    from bridge.store.derive import ledger_for
    from bridge.sync.run import SyncOptions, sync_client
    from connectors.testing.fakes import fake_names, make_fake, tracker_table

    if tracker not in fake_names():
        raise typer.BadParameter(f"choose one of {', '.join(fake_names())}",
                                 param_hint="--tracker")
    began = time.monotonic()
    fake = make_fake(tracker)
    fake.start()
    try:
        story = play_story(fake, showcase=True)
        with tempfile.TemporaryDirectory(prefix="revbridge-demo-") as tmp:
            folder = Path(tmp)
            table = story.client_file(tracker_table(tracker, fake, f"env:{TOKEN_ENV}"))
            path = folder / "demo.toml"
            path.write_bytes(tomli_w.dumps(table).encode())
            os.environ[TOKEN_ENV] = fake.token
            config = load_client(path)
            out.print(f"[bold]revbridge demo[/]: a fake {tracker} tracker on {fake.base_url}, "
                      f"client file {path.name}, store in a temporary folder.\n")
            with Store.open(f"sqlite:///{folder / 'demo.db'}") as store:
                summary = sync_client(config, store, SyncOptions())
                ledger = ledger_for(store, config)
                run = store.last_run(config.client, outcome="ok")
            kept = keep_for_the_dashboard(folder / "demo.db", path)
            out.print(render_status(ledger, run.finished_at if run else None))
            out.print(f"\n[bold]Comments posted on the tracker[/] ({summary.notices_posted}):")
            titles = {r.remote_id: f"{r.ticket} · {r.title}" for r in ledger.requests}
            for ticket in story.tickets.values():
                for _, body in fake.comment_bodies(ticket):
                    if find_marker(body) is not None:
                        out.print(Panel(body, title=titles.get(ticket, ticket),
                                        title_align="left", expand=False), markup=False)
    finally:
        fake.stop()
        os.environ.pop(TOKEN_ENV, None)
    out.print(f"\nDone in {time.monotonic() - began:.1f} s with "
              f"{summary.requests_made} HTTP requests to the fake tracker.")
    out.print(f"\nSee it in the dashboard (the fake tracker is gone, so \"sync now\" fails "
              f"there):\n  revbridge web --config-dir {kept / 'clients'} "
              f"--db sqlite:///{kept / 'demo.db'} --open", markup=False, soft_wrap=True)
