"""revbridge's shipped contract suite against the fake Minitrack, and the registry lookups."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from minitrack.connector import MinitrackConnector
from minitrack.fake import FakeMinitrack

import connectors
from connectors.testing.contract import ConnectorContract, MakeConnector, connector_maker
from connectors.testing.fakes import make_fake, tracker_table


@pytest.fixture
def fake() -> Iterator[FakeMinitrack]:
    server = FakeMinitrack()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def make_connector(fake: FakeMinitrack) -> MakeConnector:
    return connector_maker(MinitrackConnector, fake)


class TestMinitrack(ConnectorContract):
    """Every behaviour revbridge expects of a connector."""

    #: Minitrack has no endpoint for one issue: a page too deep to read fails the pull
    reads_records_alone = False


def test_revbridge_finds_the_connector_and_its_fake_through_their_entry_points() -> None:
    assert "minitrack" in connectors.names()
    assert connectors.get("minitrack") is MinitrackConnector
    fake = make_fake("minitrack")
    assert isinstance(fake, FakeMinitrack)
    with fake:
        table = tracker_table("minitrack", fake, "env:MINITRACK_TOKEN")
    settings = connectors.settings_model("minitrack").model_validate(table)
    assert settings.type == "minitrack"
