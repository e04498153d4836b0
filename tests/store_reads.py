"""Reads of the store that only tests make."""

from __future__ import annotations

from bridge.store import Store
from bridge.store.derive import OutboxIndex
from bridge.store.models import SyncStateRow


def bridge_comment_ids(store: Store, client: str) -> set[str]:
    """Remote ids of every comment the bridge posted for ``client``."""
    return OutboxIndex.read(store, client).posted_ids


def run_count(store: Store, client: str) -> int:
    """How many syncs of ``client`` have started (``Store.start_run`` counts them)."""
    with store.session() as s:
        state = s.get(SyncStateRow, client)
        return state.runs if state else 0
