"""Reads of the store that only tests make."""

from __future__ import annotations

from bridge.store import Store
from bridge.store.derive import OutboxIndex


def bridge_comment_ids(store: Store, client: str) -> set[str]:
    """Remote ids of every comment the bridge posted for ``client``."""
    return OutboxIndex.read(store, client).posted_ids
