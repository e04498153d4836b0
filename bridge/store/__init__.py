"""The store: tracker records, cursors, the outbox, runs and the daemon's plans, by client.

``Store`` (``front.py``, with the run queries of ``runs.py`` and the first-contact queries of
``first_contact.py``) is the one way in for everything that writes; ``models.py`` holds the
tables, ``rows.py`` turns connector records into rows and back, ``db.py`` opens the database,
migrates it and takes the per-client sync lock. Commands that only read a ledger (``status``,
``explain``) open it through ``reading.py``, which reads a SQLite store with the standard
library. See docs/architecture.md.

The names below are loaded on first use, so that importing a light module of this package
(``records``, ``reading``) does not load SQLAlchemy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bridge.store.front import ClientRecords, NoticeLine, NoticeState, StartedRun, Store

__all__ = ["ClientRecords", "NoticeLine", "NoticeState", "StartedRun", "Store"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from bridge.store import front

        return getattr(front, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
