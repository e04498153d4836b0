"""The Asana connector against the fake Asana: the shared contract plus Asana specifics."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from connectors.asana import AsanaConnector, AsanaSettings
from connectors.base import COMPLETED_STATUS
from connectors.fakes.asana import FakeAsana, settings_for
from connectors.http import fast_policy
from tests.connector_contract import T0, ConnectorContract, MakeConnector, drain


@pytest.fixture
def fake() -> Iterator[FakeAsana]:
    with FakeAsana() as server:
        yield server  # type: ignore[misc]


@pytest.fixture
def make_connector(fake: FakeAsana) -> MakeConnector:
    def make(**overrides: Any) -> AsanaConnector:
        token = overrides.pop("token", fake.token)
        policy = overrides.pop("policy", fast_policy(timeout=1.0))
        settings = AsanaSettings.model_validate(settings_for(fake, **overrides))
        return AsanaConnector(settings, {"token": token}, policy=policy)
    return make


class TestAsanaContract(ConnectorContract):
    pass
