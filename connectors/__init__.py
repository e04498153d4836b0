"""Tracker connectors and their registry.

``bridge`` never names a tracker: it asks ``connectors.get("jira")``. Built-in connectors are
imported lazily; third-party ones register through the ``revbridge.connectors`` entry points.
"""

from __future__ import annotations

import importlib
from functools import cache
from importlib.metadata import entry_points

from connectors.base import Connector, TrackerSettings
from connectors.errors import RemoteFatalError

BUILTIN: dict[str, str] = {
    "jira": "connectors.jira.connector:JiraConnector",
    "trello": "connectors.trello.connector:TrelloConnector",
    "asana": "connectors.asana.connector:AsanaConnector",
}


def _targets() -> dict[str, str]:
    targets = dict(BUILTIN)
    for name, value in _installed():
        targets.setdefault(name, value)
    return targets


@cache
def _installed() -> tuple[tuple[str, str], ...]:
    """Third-party connectors, read once per process (scanning every installed package's
    metadata costs ~25 ms, and the registry is asked once per client file and per sync)."""
    return tuple((ep.name, ep.value) for ep in entry_points(group="revbridge.connectors"))


def names() -> list[str]:
    """Every registered connector name."""
    return sorted(_targets())


def get(name: str) -> type[Connector]:
    """The connector class registered as ``name``."""
    target = _targets().get(name)
    if target is None:
        raise RemoteFatalError(f"no connector named {name!r} (known: {', '.join(names())})")
    module_name, _, attr = target.partition(":")
    cls: type[Connector] = getattr(importlib.import_module(module_name), attr)
    return cls


def settings_model(name: str) -> type[TrackerSettings]:
    """The pydantic model of the ``[tracker]`` table for connector ``name``."""
    return get(name).Settings


__all__ = ["Connector", "TrackerSettings", "get", "names", "settings_model"]
