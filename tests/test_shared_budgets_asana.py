"""Asana's per-token limit (1,500 requests a minute on a paid domain, 150 on a free one): two
clients on one token share the connector's budget; a free domain's 429 holds them both.

The minute is scaled down here (the fake's limit and the policy's budget alike), so the test
takes seconds; the default policy's budget is the paid domain's, 90 % of 1,500 a minute.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from connectors.asana.connector import DEFAULT_POLICY, AsanaConnector
from connectors.asana.settings import AsanaSettings
from connectors.budgets import CredentialLimiter
from connectors.http import RetryPolicy
from connectors.testing.fakes.asana import FakeAsana, settings_for
from connectors.testing.fakes.asana_limits import AsanaLimits
from tests.test_shared_budgets import most_in_window, pull_at_once, seeded

PER_CLIENT = 30  # two clients: 60 requests, more than the fake's 40 in 4 s
LIMIT = AsanaLimits((40, 4.0))


@pytest.fixture
def fake() -> Iterator[FakeAsana]:
    with FakeAsana(rate_limits=LIMIT) as server:
        assert isinstance(server, FakeAsana)
        yield seeded(server)


def client(fake: FakeAsana, budget: tuple[int, float]) -> AsanaConnector:
    policy = RetryPolicy(rate_limit=budget, max_total_wait=30.0)
    return AsanaConnector(AsanaSettings.model_validate(settings_for(fake)),
                          {"token": fake.token}, policy=policy)


def test_connectors_built_as_the_sync_builds_them_share_a_paid_domains_budget(
    fake: FakeAsana,
) -> None:
    """No policy given (the sync's way): the token is paced at 1,350 a minute, 90 % of a paid
    domain's 1,500, by one limiter every connector on the token shares."""
    settings = AsanaSettings.model_validate(settings_for(fake))
    first, second = (AsanaConnector(settings, {"token": fake.token}) for _ in range(2))
    [limiter] = first._meter.limiters
    assert second._meter.limiters == [limiter]
    assert isinstance(limiter, CredentialLimiter) and limiter.budget == (1350, 60.0)
    assert DEFAULT_POLICY.rate_limit == limiter.budget


def test_two_clients_on_one_token_share_its_budget(fake: FakeAsana) -> None:
    assert fake.limiter is not None
    pull_at_once([client(fake, (36, 4.0)), client(fake, (36, 4.0))], PER_CLIENT)
    assert fake.limiter.refused == 0
    assert [r for r in fake.log if r.status == 429] == []
    assert most_in_window(fake.limiter.admitted, 4.0) <= 40


def test_a_free_domains_429_holds_the_token_for_both_clients(fake: FakeAsana) -> None:
    """A budget above what the domain allows (a paid domain's on a free one): the fake answers
    429 with Retry-After, the whole token waits it out, and both syncs finish."""
    assert fake.limiter is not None
    pull_at_once([client(fake, (400, 4.0)), client(fake, (400, 4.0))], PER_CLIENT)
    refused = [r for r in fake.log if r.status == 429]
    assert refused, "the fake's limit was never reached"
    assert all(r.response_headers.get("Retry-After", "").isdigit() for r in refused)
    # after a 429 both clients wait for the same Retry-After: a handful, not one per request
    assert len(refused) <= 6, len(refused)
