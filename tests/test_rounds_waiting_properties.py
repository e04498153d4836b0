"""Properties of priorities and waiting on the client over random histories (hypothesis)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bridge.engine.business_time import BusinessClock
from bridge.engine.rounds import LedgerInput, compute_ledger
from connectors.base import StatusChange, StatusMap, Ticket, TrackerSettings
from tests.ledger_builders import CLAIRE, ME, OSCAR, STATUSES, at, config

WAITING = ("Waiting for client", "Assets missing")
WITH_WAITING = TrackerSettings(type="test", token="env:TOKEN", statuses=StatusMap(
    **{**STATUSES.model_dump(), "waiting": WAITING}))
WITHOUT_WAITING = TrackerSettings(type="test", token="env:TOKEN", statuses=STATUSES)

START = at(2)
PEOPLE = st.sampled_from([CLAIRE, OSCAR, ME])
STATUS_NAMES = st.sampled_from(["To Do", "In Progress", "In Review", "Done", *WAITING])
PRIORITY_LABELS = st.lists(st.sampled_from(["urgent", "minor", "soon", "design"]), max_size=3,
                           unique=True)
# 5-hour steps over about three weeks: waits start and end inside and outside business hours
MOMENTS = st.integers(0, 100).map(lambda n: START + timedelta(hours=5 * n))


@st.composite
def histories(draw: st.DrawFn) -> LedgerInput:
    tickets, changes = [], []
    for number in range(draw(st.integers(0, 8))):
        tid = f"{draw(st.integers(1, 30))}-{number}"
        created = draw(MOMENTS)
        tickets.append(Ticket(
            tid, f"K-{tid}", "", "t", draw(STATUS_NAMES), tuple(draw(PRIORITY_LABELS)), created,
            created, draw(PEOPLE), priority=draw(st.none() | st.sampled_from(["High", "Low"]))))
        for index in range(draw(st.integers(0, 6))):
            changes.append(StatusChange(
                tid, created + timedelta(hours=5 * draw(st.integers(0, 20))), draw(PEOPLE),
                draw(st.none() | STATUS_NAMES), draw(STATUS_NAMES), f"{tid}/c{index}"))
    return LedgerInput(tuple(tickets), tuple(changes), ())


@st.composite
def settings_(draw: st.DrawFn) -> dict[str, Any]:
    return {
        "timezone": draw(st.sampled_from(["UTC", "Europe/Paris"])),
        "rounds": {"grouping": draw(st.sampled_from(["delivery", "window"])), "window_hours": 24},
        "sla": {"business_hours": draw(st.sampled_from(["09:00-18:00", "00:00-24:00"])),
                "handle_within": draw(st.sampled_from(["4h", "2d"])),
                "priority_labels": ["urgent", "minor", "soon"],
                "priorities": {"High": "1d", "urgent": "4h", "minor": "3d", "soon": "1d"}},
    }


PROPERTY = settings(max_examples=100, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])
NOW = at(20)


@PROPERTY
@given(histories(), settings_())
def test_waiting_never_makes_a_request_due_earlier(records: LedgerInput,
                                                    overrides: dict[str, Any]) -> None:
    waiting = compute_ledger(records, config(tracker=WITH_WAITING, **overrides), NOW)
    plain = compute_ledger(records, config(tracker=WITHOUT_WAITING, **overrides), NOW)
    key = [(r.remote_id, r.at, r.kind, r.status) for r in plain.requests]
    assert [(r.remote_id, r.at, r.kind, r.status) for r in waiting.requests] == key
    cfg = config(tracker=WITH_WAITING, **overrides)
    clock = BusinessClock(cfg.sla, cfg.zone)
    for request, before in zip(waiting.requests, plain.requests, strict=True):
        assert before.waits == () and before.waiting_hours == 0
        assert request.priority == before.priority and request.within == before.within
        assert 0 <= request.paused_hours <= request.waiting_hours
        if request.due_at is None or before.due_at is None:
            assert request.due_at is None and before.due_at is None and not request.waits
            continue
        assert request.due_at >= before.due_at
        if not request.waits:
            # a request that never waits is due exactly as without waiting statuses
            assert (request.due_at, request.late) == (before.due_at, before.late)
            assert request.waiting_hours == 0
        moved = clock.elapsed(before.due_at, request.due_at) / 3_600_000_000
        assert abs(moved - request.paused_hours) < 1e-3
        for start, end in request.waits:
            assert request.at <= start and (end is None or start < end)
            if request.delivered_at is not None:
                assert end is not None and end <= request.delivered_at
        if request.waits and request.waits[-1][1] is None and request.waits[-1][0] < before.due_at:
            assert request.late is False  # waiting still, from before it was due


@PROPERTY
@given(histories(), settings_(), st.randoms(use_true_random=False))
def test_row_order_does_not_change_priorities_or_waits(records: LedgerInput,
                                                       overrides: dict[str, Any],
                                                       rnd: Any) -> None:
    cfg = config(tracker=WITH_WAITING, **overrides)
    shuffled = LedgerInput(*(tuple(rnd.sample(list(rows), len(rows)))
                             for rows in (records.tickets, records.changes, records.time_entries)))
    assert compute_ledger(shuffled, cfg, NOW) == compute_ledger(records, cfg, NOW)


@PROPERTY
@given(histories(), settings_())
def test_without_priorities_or_waiting_every_request_is_due_as_before(
        records: LedgerInput, overrides: dict[str, Any]) -> None:
    plain_sla = {k: v for k, v in overrides["sla"].items()
                 if k not in ("priorities", "priority_labels")}
    bare = [Ticket(t.remote_id, t.key, t.url, t.title, t.status, t.labels, t.created_at,
                   t.updated_at, t.requester) for t in records.tickets]
    before = compute_ledger(LedgerInput(tuple(bare), records.changes, ()),
                            config(**{**overrides, "sla": plain_sla}), NOW)
    cfg = config(**{**overrides, "sla": plain_sla})
    clock = BusinessClock(cfg.sla, cfg.zone)
    amount = clock.duration_micros(cfg.sla.handle_within)
    for request in before.requests:
        assert request.priority is None and request.waits == ()
        if request.status == "counted":
            assert request.due_at == clock.add_many([request.at], amount)[0]
