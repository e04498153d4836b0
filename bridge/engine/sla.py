"""Each request's priority, handling time, waits and due moment (docs/rounds.md, "SLA").

Part of the pure rounds engine: no I/O; ``now`` is given. A counted request is due when its
handling time (its priority's, else ``handle_within``) has run in business time from its ``at``,
the SLA clock stopped while its ticket waited on the client. The clock only stops while it
runs: a wait that begins once the request is already due does not move it (the request was late
before it waited), though it is still counted in ``waiting_hours``. An open wait runs to ``now``,
so a request that began waiting before it was due is never late while it waits.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bridge.clientfile.schema import ClientConfig
from bridge.engine.business_time import BusinessClock
from bridge.engine.classify import Draft
from bridge.engine.priority import Priorities
from bridge.engine.waiting import Waiting, clip
from connectors.base import StatusChange

MICROS_PER_HOUR = 3_600_000_000


def micros_to_hours(micros: int) -> float:
    """Business microseconds as hours, rounded like every figure of the ledger (1/10000 h)."""
    return round(micros / MICROS_PER_HOUR, 4)


def apply_sla(drafts: Sequence[Draft], counted: Sequence[Draft], config: ClientConfig,
              changes: Sequence[StatusChange], now: datetime) -> None:
    """Set every request's priority; the counted ones' handling time, waits and ``due_at``."""
    clock = BusinessClock(config.sla, config.zone)
    priorities = Priorities(config.sla, clock)
    reads_priority = bool(config.sla.priorities or config.sla.priority_labels)
    for draft in drafts:
        ticket = draft.ticket
        if ticket.priority is not None:
            draft.priority = ticket.priority
        elif ticket.custom_fields or reads_priority:
            draft.priority, draft.priority_labels = priorities.of(ticket)
    by_within: dict[str, Sequence[Draft]] = {config.sla.handle_within: counted}
    if config.sla.priorities:
        grouped: dict[str, list[Draft]] = {}
        for draft in counted:
            grouped.setdefault(priorities.within(draft.priority), []).append(draft)
        by_within = dict(grouped)
    for within, same in by_within.items():
        dues = clock.add_many([d.at for d in same], clock.duration_micros(within))
        for draft, due in zip(same, dues, strict=True):
            draft.due_at = due
            draft.within = within
    waiting = Waiting(config.tracker.statuses.waiting, changes)
    if waiting.names:
        for draft in counted:
            waits = waiting.of(draft.ticket)
            if waits:
                _wait(draft, clip(waits, draft.at, draft.delivered_at), clock, now)


def _wait(draft: Draft, waits: tuple[tuple[datetime, datetime | None], ...],
          clock: BusinessClock, now: datetime) -> None:
    """Stop the request's clock during its waits: each wait that begins before the request is
    due moves ``due_at`` later by the business time it lasted."""
    draft.waits = waits
    due = draft.due_at
    assert due is not None
    waited = paused = 0
    for start, end in waits:
        span = clock.elapsed(start, now if end is None else end)
        waited += span
        if start < due and span:
            due = clock.add_many([due], span)[0]
            paused += span
    draft.due_at = due
    draft.waiting_micros = waited
    draft.paused_micros = paused
