"""The connector and fake registries: entry points only, unknown names are config errors."""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import entry_points

import pytest

import connectors
from connectors.errors import ConfigError
from connectors.testing.fakes import FAKES_GROUP, fake_names, make_fake, tracker_table


def test_built_in_connectors_come_from_their_entry_points() -> None:
    declared = {ep.name: ep.value for ep in entry_points(group=connectors.CONNECTORS_GROUP)}
    assert {"jira", "trello", "asana"} <= set(declared)
    for name in ("jira", "trello", "asana"):
        cls = connectors.get(name)
        assert f"{cls.__module__}:{cls.__qualname__}" == declared[name]
        assert cls.name == name


def test_an_unknown_connector_is_a_config_error_naming_the_known_ones() -> None:
    with pytest.raises(ConfigError) as caught:
        connectors.get("jria")
    message = str(caught.value)
    assert "'jria'" in message
    assert "known: asana, jira, trello" in message


def test_a_package_registering_an_entry_point_is_found(toy_tracker: str) -> None:
    assert toy_tracker in connectors.names()
    assert connectors.get(toy_tracker).__name__ == "ToyConnector"


def test_connectors_registered_by_a_fixture_are_gone_after_it() -> None:
    assert "toy" not in connectors.names()


def test_fakes_are_found_through_their_entry_points_and_serve_their_tracker() -> None:
    declared = {ep.name for ep in entry_points(group=FAKES_GROUP)}
    assert set(fake_names()) == declared >= {"jira", "trello", "asana"}
    for name in ("jira", "trello", "asana"):
        fake = make_fake(name)
        fake.start()
        try:
            table = tracker_table(name, fake, "env:SOME_TOKEN")
        finally:
            fake.stop()
        assert table["type"] == name and table["token"] == "env:SOME_TOKEN"
        connectors.settings_model(name).model_validate(table)


def test_an_unknown_fake_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="known: asana, jira, trello"):
        make_fake("nope")


def test_the_settings_model_is_the_connectors_and_loads_no_tracker_library() -> None:
    for name in ("jira", "trello", "asana"):
        assert connectors.settings_model(name) is connectors.get(name).Settings
    code = ("import sys, connectors\n"
            "for name in ('jira', 'trello', 'asana'):\n"
            "    connectors.settings_model(name)\n"
            "print(sorted(m for m in ('jira', 'trello', 'asana', 'requests') if m in sys.modules))")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert run.stdout.strip() == "[]"
