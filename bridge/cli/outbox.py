"""``revbridge outbox [list|approve|discard|edit] CLIENT``: the notices revbridge writes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from bridge.cli.app import ClientArgument, ConfigDirOption, DbOption, app, out
from connectors.errors import ConfigError

outbox_app = typer.Typer(help="Notices queued for posting (review mode).", no_args_is_help=True)
app.add_typer(outbox_app, name="outbox")

IdsOption = Annotated[
    list[int] | None,
    typer.Option("--id", metavar="N", help="Only this notice (repeatable); all by default."),
]


def _in_editor(text: str) -> str:
    """``text`` as the person leaves it in ``$VISUAL`` / ``$EDITOR`` (else vi)."""
    import os
    import shlex
    import subprocess
    import tempfile

    command = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
    with tempfile.TemporaryDirectory(prefix="revbridge-") as folder:
        path = Path(folder) / "notice.txt"
        path.write_text(text, encoding="utf-8")
        try:
            done = subprocess.run([*shlex.split(command), str(path)], check=False)
        except OSError as exc:
            raise ConfigError([f"cannot start the editor {command!r}: {exc.strerror}; set "
                               "$EDITOR, or give the text with --text"]) from None
        if done.returncode != 0:
            raise ConfigError([f"the editor {command!r} exited {done.returncode}; nothing "
                               "was changed"])
        return path.read_text(encoding="utf-8")


def _slug(client: str, config_dir: Path | None) -> str:
    """The client's slug, read before the store is opened: a wrong CLIENT creates no database."""
    from bridge.clientfile.load import find_client, load_client

    return load_client(find_client(client, config_dir)).client


@outbox_app.command("list")
def list_notices(
    client: ClientArgument,
    everything: Annotated[bool, typer.Option(
        "--all", help="Posted, discarded and skipped notices too.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON list.")] = False,
    config_dir: ConfigDirOption = None,
    db: DbOption = None,
) -> None:
    """The client's notices waiting for approval or for posting (--all: every one)."""
    from bridge.present.outbox_view import WAITING, notice_json, render_outbox
    from bridge.store import Store

    slug = _slug(client, config_dir)
    with Store.open(db) as store:
        lines = store.notice_lines(slug, () if everything else WAITING)
    if as_json:
        out.print_json(json.dumps([notice_json(line) for line in lines]))
    elif not lines:
        out.print("Nothing waiting." + ("" if everything else
                                        f" (Every notice: revbridge outbox list {slug} --all)"))
    else:
        out.print(render_outbox(lines))


@outbox_app.command("approve")
def approve_notices(client: ClientArgument, ids: IdsOption = None,
                    config_dir: ConfigDirOption = None, db: DbOption = None) -> None:
    """Release held notices (a skipped one only by --id); the next sync posts them."""
    from bridge.store import Store
    from bridge.sync.outbox import approve

    slug = _slug(client, config_dir)
    with Store.open(db) as store:
        count = approve(store, slug, ids or [])
    out.print(f"{count} notice(s) approved; the next sync posts them.")


@outbox_app.command("discard")
def discard_notices(client: ClientArgument, ids: IdsOption = None,
                    config_dir: ConfigDirOption = None, db: DbOption = None) -> None:
    """Drop held or pending notices; they will never be posted."""
    from bridge.store import Store
    from bridge.sync.outbox import discard

    slug = _slug(client, config_dir)
    with Store.open(db) as store:
        count = discard(store, slug, ids or [])
    out.print(f"{count} notice(s) discarded.")


@outbox_app.command("edit")
def edit_notice(
    client: ClientArgument,
    notice_id: Annotated[int, typer.Option("--id", help="The notice (see `outbox list`).")],
    text: Annotated[str | None, typer.Option(
        "--text", help="The new text (else $EDITOR opens on the current one).")] = None,
    config_dir: ConfigDirOption = None,
    db: DbOption = None,
) -> None:
    """Rewrite a notice not yet posted; revbridge appends its marker (not editable)."""
    from bridge.store import Store
    from bridge.sync.outbox import edit, editable, editable_text

    slug = _slug(client, config_dir)
    with Store.open(db) as store:
        if text is None:
            line = editable(store, slug, notice_id)
            current = editable_text(line.body, line.marker)
            text = _in_editor(current + "\n")
            if text.strip() == current.strip():
                out.print(f"Notice {notice_id} unchanged.")
                return
        row = edit(store, slug, notice_id, text)
    out.print(f"Notice {row.id} rewritten ({row.state}); its marker stays appended by revbridge.")
