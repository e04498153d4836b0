"""The store: tracker records, cursors, the outbox, runs and the daemon's plans, by client.

``Store`` (``front.py``) is the one way in; ``models.py`` holds the tables, ``rows.py`` turns
connector records into rows and back, ``db.py`` opens the database, migrates it and takes the
per-client sync lock. See docs/architecture.md.
"""

from __future__ import annotations

from bridge.store.front import ClientRecords, NoticeLine, NoticeState, StartedRun, Store

__all__ = ["ClientRecords", "NoticeLine", "NoticeState", "StartedRun", "Store"]
