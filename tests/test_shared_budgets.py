"""Budgets per credential (connectors/budgets.py): two clients on one Trello token, synced at
once by worker threads, share the token's 100 requests / 10 s; a 429 holds every client."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Sequence
from typing import TypeVar

import pytest

from connectors.base import Connector
from connectors.budgets import LIMITERS, credential_id
from connectors.testing.contract import T0, drain
from connectors.testing.fakes.base import FakeTracker, Fault
from connectors.testing.fakes.trello import FakeTrello, settings_for
from connectors.trello.connector import TrelloConnector, TrelloSettings

F = TypeVar("F", bound=FakeTracker)
PER_CLIENT = 70  # two clients: 140 requests, more than the token's 100 in 10 s


def seeded(server: F) -> F:
    """``server`` with three tickets from one client."""
    person = server.add_person("Claire Client")
    for i in range(3):
        server.create_ticket(f"Change {i}", person, at=T0)
    return server


@pytest.fixture
def fake() -> Iterator[FakeTrello]:
    with FakeTrello(rate_limits=True) as server:
        assert isinstance(server, FakeTrello)
        yield seeded(server)


def most_in_window(stamps: list[float], window: float) -> int:
    """The largest number of ``stamps`` inside any ``window`` seconds."""
    ordered, most, first = sorted(stamps), 0, 0
    for last, stamp in enumerate(ordered):
        while stamp - ordered[first] >= window:
            first += 1
        most = max(most, last - first + 1)
    return most


def client(fake: FakeTrello) -> TrelloConnector:
    """A client's connector as the sync builds it: the default policy, the token resolved."""
    return TrelloConnector(TrelloSettings.model_validate(settings_for(fake)),
                           {"token": fake.token})


def pull_at_once(pair: Sequence[Connector], per_client: int) -> None:
    """Each connector pulls again and again, in threads of their own, until it has made
    ``per_client`` requests; fails with what a thread raised."""
    errors: list[BaseException] = []

    def sync_repeatedly(connector: Connector) -> None:
        try:
            while connector.requests_made < per_client:
                drain(connector.pull(None))
        except BaseException as exc:  # reported by the test thread
            errors.append(exc)

    workers = [threading.Thread(target=sync_repeatedly, args=(c,)) for c in pair]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert not errors, errors
    assert sum(c.requests_made for c in pair) >= len(pair) * per_client


def test_two_clients_on_one_token_share_its_budget(fake: FakeTrello) -> None:
    pair = [client(fake), client(fake)]
    pull_at_once(pair, PER_CLIENT)
    assert fake.limiter.refused == 0
    assert [r for r in fake.log if r.status == 429] == []
    assert len(fake.limiter.admitted) >= 2 * PER_CLIENT
    assert most_in_window(fake.limiter.admitted, 10.0) <= 100
    # the registry knows the credential by its hash only
    keys = [k for k in LIMITERS.credentials() if k[1] == fake.base_url]
    assert sorted(k[2] for k in keys) == ["key", "token"]
    assert (("trello", fake.base_url, "token", credential_id(fake.token)) in keys)
    assert not any(fake.token in part or fake.key in part for k in keys for part in k)


def pull_into_a_429(fake: FakeTrello, connector: TrelloConnector,
                    retry_after: float) -> threading.Thread:
    """Start ``connector``'s full pull in a thread; return once the fake has answered it 429."""
    fake.inject(Fault("429", retry_after=retry_after, path_contains="/actions"))
    pulled = threading.Thread(target=lambda: drain(connector.pull(None)))
    pulled.start()
    deadline = time.monotonic() + 20
    while not [r for r in fake.log if r.status == 429]:
        assert time.monotonic() < deadline, "the fault was never served"
        time.sleep(0.01)
    return pulled


def test_a_429_holds_every_client_on_the_token(fake: FakeTrello) -> None:
    first, second = client(fake), client(fake)
    pulled = pull_into_a_429(fake, first, retry_after=2.0)
    began = time.monotonic()
    before = len(fake.log)
    drain(second.pull(None))  # asks nothing until the hold the first client got has passed
    waited = time.monotonic() - began
    pulled.join(timeout=30)
    assert waited >= 1.5, waited
    assert len(fake.log) > before and fake.limiter.refused == 0
    assert [r.status for r in fake.log].count(429) == 1


def test_the_same_token_on_another_tracker_is_not_held(fake: FakeTrello) -> None:
    with FakeTrello(token=fake.token) as elsewhere:  # same token string, another base URL
        assert isinstance(elsewhere, FakeTrello)
        held, free = client(fake), client(elsewhere)
        pulled = pull_into_a_429(fake, held, retry_after=3.0)
        began = time.monotonic()
        drain(free.pull(None))
        assert time.monotonic() - began < 1.5
        pulled.join(timeout=30)


@pytest.mark.parametrize("budget", [None, (100, 10.0)])
def test_a_credentials_limiter_keeps_flat_memory_however_many_requests(
    budget: tuple[int, float] | None,
) -> None:
    """A daemon acquires on the same limiters for months: nothing kept per request (a Jira or
    Asana token has no budget, so no window would ever trim what it kept)."""
    import tracemalloc

    from connectors.budgets import CredentialLimiter

    now = [0.0]
    limiter = CredentialLimiter(budget, clock=lambda: now[0])

    def requests(count: int) -> None:
        for _ in range(count):
            now[0] += 0.2  # 50 a 10 s window: under Trello's budget, never a sleep
            limiter.acquire(sleep=lambda seconds: pytest.fail(f"slept {seconds}"))

    requests(1_000)
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        requests(20_000)  # a leak of one float each would be 0.5 MB
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert grown < 16 * 1024, f"{grown} bytes kept for 20,000 requests"
    assert limiter.acquired == 21_000
