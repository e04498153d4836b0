"""Things worth saying about a valid client file (``config check`` prints them as notes;
they do not make the file invalid)."""

from __future__ import annotations

from datetime import datetime

from bridge.clientfile.schema import ClientConfig


def config_notes(config: ClientConfig, now: datetime) -> list[str]:
    """Notes on ``config`` as of ``now``, each ``[section] key: what it means``."""
    notes: list[str] = []
    since, aware = config.comments.since, config.comments_since
    if since is not None and aware is not None:
        if since.tzinfo is None:
            notes.append(f"[comments] since: {since.isoformat()} has no UTC offset, so it is "
                         f"read in the client's time zone: {aware.isoformat()} "
                         f"({config.timezone}); add an offset to say otherwise")
        if aware > now:
            notes.append(f"[comments] since: {aware.isoformat()} is in the future: no request "
                         "made before it will get a notice (each is recorded as skipped); "
                         "is the year right?")
    return notes
