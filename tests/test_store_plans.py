"""The daemons' plans (``Store.plans``, the ``daemon_state`` table) on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

from bridge.clientfile.secrets import REDACTOR
from bridge.store import Store
from bridge.store.plans import DaemonPlan

NEXT = datetime(2026, 3, 2, 9, 15, tzinfo=UTC)


def test_a_plan_is_written_replaced_and_forgotten_by_the_daemon_that_wrote_it(
    store: Store,
) -> None:
    store.plans.save("acme", DaemonPlan("host-a:1", NEXT))
    store.plans.save("beta", DaemonPlan("host-a:1", None, failures=2, retry_at=NEXT))
    store.plans.save("acme", DaemonPlan("host-b:2", None, paused="credentials refused"))
    plans = store.plans.all()
    assert list(plans) == ["acme", "beta"]
    acme, beta = plans["acme"], plans["beta"]
    assert (acme.daemon, acme.next_run_at, acme.paused) == ("host-b:2", None,
                                                            "credentials refused")
    assert (beta.failures, beta.retry_at, beta.next_run_at) == (2, NEXT, None)

    store.plans.forget("host-a:1", "acme")  # another daemon's row: kept
    assert set(store.plans.all()) == {"acme", "beta"}
    store.plans.forget("host-a:1")
    assert set(store.plans.all()) == {"acme"}
    store.plans.forget("host-b:2")
    assert store.plans.all() == {}


def test_a_secret_in_a_pause_reason_is_not_stored(store: Store) -> None:
    secret = "tok-3f9a0c55e1d2b7"
    REDACTOR.add(secret)  # as resolving a credential reference does
    store.plans.save("acme", DaemonPlan("host:1", None, paused=f"refused: {secret}"))
    paused = store.plans.all()["acme"].paused or ""
    assert "refused" in paused and secret not in paused
