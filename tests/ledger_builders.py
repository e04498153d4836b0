"""Small builders for the rounds-engine tests: records, a client config, a ledger."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from bridge.clientfile.schema import ClientConfig
from bridge.engine.ledger import Ledger, Request
from bridge.engine.rounds import LedgerInput, compute_ledger
from connectors.base import Person, StatusChange, StatusMap, Ticket, TimeEntry, TrackerSettings

CLAIRE = Person("c1", "Claire Client", "claire@acme.example")  # designated client contact
OSCAR = Person("c2", "Oscar Other", None)  # the client's side, not designated
ME = Person("me", "Mia Freelancer", "mia@studio.example")  # the team

STATUSES = StatusMap(open=("To Do",), in_progress=("In Progress",), delivered=("In Review",),
                     done=("Done",))
NOW = datetime(2026, 6, 1, tzinfo=UTC)


def at(day: int, hour: int = 9, minute: int = 0, second: int = 0, month: int = 3) -> datetime:
    """A moment of 2026 in UTC; 2 March 2026 is a Monday."""
    return datetime(2026, month, day, hour, minute, second, tzinfo=UTC)


def _merge(base: dict[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in extra.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def config(**overrides: Any) -> ClientConfig:
    """ACME's config: UTC, 2 rounds included at 80/h, Claire designated, Mia on the team."""
    base: dict[str, Any] = {
        "client": "acme",
        "name": "ACME Corp",
        "timezone": "UTC",
        "language": "en",
        "tracker": TrackerSettings(type="test", token="env:TOKEN", statuses=STATUSES),
        "quote": {"reference": "Q-1", "rounds_included": 2, "hourly_rate": 80},
        "contacts": {"client": ["c1"], "team": ["me"]},
        "scope": {"out_of_scope_labels": ["out-of-scope"], "excluded_labels": ["internal"]},
    }
    return ClientConfig.model_validate(_merge(base, overrides))


def ticket(tid: str, created: datetime, by: Person = CLAIRE, labels: Iterable[str] = (),
           status: str = "To Do", deleted: bool = False) -> Ticket:
    return Ticket(tid, f"WEB-{tid}", f"https://acme.example/browse/WEB-{tid}", f"Change {tid}",
                  status, tuple(labels), created, created, by, deleted)


def move(tid: str, when: datetime, from_status: str | None, to_status: str, by: Person = ME,
         rid: str = "") -> StatusChange:
    return StatusChange(tid, when, by, from_status, to_status, rid or f"{tid}@{when:%d%H%M%S}")


def spent(tid: str, when: datetime, seconds: int, rid: str = "") -> TimeEntry:
    return TimeEntry(rid or f"w{tid}@{when:%d%H%M%S}", tid, when, ME, seconds)


def ledger(tickets: Iterable[Ticket], changes: Iterable[StatusChange] = (),
           entries: Iterable[TimeEntry] = (), now: datetime = NOW, **overrides: Any) -> Ledger:
    records = LedgerInput(tuple(tickets), tuple(changes), tuple(entries))
    return compute_ledger(records, config(**overrides), now)


def only(found: Ledger, tid: str) -> Request:
    """The single request of ticket ``tid``."""
    (request,) = [r for r in found.requests if r.remote_id == tid]
    return request
