"""Watching the config dir: which client files appeared, changed or went away since last time.

A file's signature is its modification time, size and inode, so an edit, a ``touch`` or an
editor's save-by-rename all count as a change.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from bridge.clientfile.load import client_files

Signature = tuple[int, int, int]


def signature(path: Path) -> Signature | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return (stat.st_mtime_ns, stat.st_size, stat.st_ino)


@dataclass
class Changes:
    changed: list[Path] = field(default_factory=list)  # new or modified
    removed: list[Path] = field(default_factory=list)


class ClientFileWatcher:
    """Compares the client files of ``folder`` with what it saw at the previous look."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._seen: dict[Path, Signature] = {}

    def look(self, everything: bool = False) -> Changes:
        """What changed since the last look (``everything``: every file counts as changed)."""
        now: dict[Path, Signature] = {}
        for path in client_files(self.folder):
            sig = signature(path)
            if sig is not None:
                now[path] = sig
        changes = Changes(
            changed=[p for p, sig in now.items() if everything or self._seen.get(p) != sig],
            removed=sorted(p for p in self._seen if p not in now),
        )
        self._seen = now
        return changes
