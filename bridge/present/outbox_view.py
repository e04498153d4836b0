"""The outbox as a person reads it (``outbox list``), and the lines that say notices wait.

Titles and texts come from a tracker or a person: they are shown without their control
characters and never parsed as rich markup.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from rich.console import Group, RenderableType
from rich.rule import Rule
from rich.table import Table

from bridge.present.ledger_view import iso
from bridge.present.terminal import plain

if TYPE_CHECKING:
    from bridge.store.first_contact import NoticeLine


#: states whose text is shown under the table: what may still be posted
WAITING = ("held", "pending", "sending")



def skipped_text(client: str, skipped: int) -> str:
    """What a first sync says about the history it did not comment on."""
    return (f"{skipped} notice(s) for requests made before [comments] since were recorded as "
            f"skipped, not posted: revbridge outbox list {client} --all")


def notice_json(line: NoticeLine) -> dict[str, Any]:
    """One notice of ``outbox list --json``."""
    return {
        "id": line.id, "ticket": line.ticket, "title": line.title, "kind": line.kind,
        "state": line.state, "queued_at": iso(line.queued_at), "posted_at": iso(line.posted_at),
        "edited_at": iso(line.edited_at), "url": line.url, "text": line.body,
        "error": line.error,
    }


def render_outbox(lines: Sequence[NoticeLine]) -> RenderableType:
    """The notices as a table, then the text of each one that may still be posted."""
    table = Table("id", "ticket", "title", "kind", "queued", "state", "link")
    for line in lines:
        state = line.state + (" (edited)" if line.edited_at is not None else "")
        table.add_row(str(line.id),
                      plain(line.ticket or "(ticket not in the store)", newlines=False),
                      plain(line.title or "", newlines=False), line.kind,
                      _short(iso(line.queued_at)), state, plain(line.url or "", newlines=False))
    parts: list[RenderableType] = [table]
    for line in lines:
        if line.state in WAITING:
            heading = plain(f"#{line.id} · {line.ticket or '?'} · {line.kind}", newlines=False)
            parts += [Rule(heading, align="left"), plain(line.body, newlines=True)]
    return Group(*parts)


def _short(moment: str | None) -> str:
    return "-" if moment is None else f"{moment[:10]} {moment[11:16]}Z"
