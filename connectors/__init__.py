"""Tracker connectors and their registry.

``bridge`` never names a tracker: it asks ``connectors.get("jira")``. Every connector, the
built-in ones included, is found the same way: through the ``revbridge.connectors`` entry points
of the installed packages (ours are declared in revbridge's own ``pyproject.toml``). The module a
connector lives in is imported only when that connector is asked for. See docs/connectors.md.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

from connectors.errors import ConfigError

if TYPE_CHECKING:  # imported on first use: ``revbridge --help`` needs neither pydantic nor metadata
    from importlib.metadata import EntryPoint

    from connectors.base import Connector, TrackerSettings

#: The entry-point group a package declares its connector classes in.
CONNECTORS_GROUP = "revbridge.connectors"
#: Optional: the ``[tracker]`` settings model of a connector, importable without the tracker's
#: client library (``revbridge config check`` then never imports it). Without one, the model is
#: the connector class's ``Settings``.
SETTINGS_GROUP = "revbridge.settings"


@cache
def _entry_points() -> Any:
    """Every installed package's entry points, read once per process: scanning their metadata
    costs ~25 ms, and the registry is asked once per client file and per sync."""
    from importlib.metadata import entry_points

    # EntryPoints, or on Python 3.11 SelectableGroups: both answer select(group=...)
    return entry_points()


@cache
def registered(group: str) -> dict[str, EntryPoint]:
    """The entry points of ``group`` by name. When two packages declare the same name, the
    first one found on ``sys.path`` wins."""
    found: dict[str, EntryPoint] = {}
    for ep in _entry_points().select(group=group):
        found.setdefault(ep.name, ep)
    return found


def rescan() -> None:
    """Forget the entry points read so far: packages installed (or put on ``sys.path``) while
    the process runs become visible on the next lookup."""
    _entry_points.cache_clear()
    registered.cache_clear()


def load_registered(group: str, name: str, what: str) -> Any:
    """The object registered as ``name`` in entry-point ``group``; :class:`ConfigError` naming
    the known names when there is none (``what`` says what was looked for, in that message)."""
    entry = registered(group).get(name)
    if entry is None:
        known = ", ".join(sorted(registered(group))) or "none installed"
        raise ConfigError([f"no {what} named {name!r} (known: {known}); install the package "
                           f"that provides it or correct the name"])
    return entry.load()


def names() -> list[str]:
    """Every registered connector name."""
    return sorted(registered(CONNECTORS_GROUP))


def get(name: str) -> type[Connector]:
    """The connector class registered as ``name``; :class:`ConfigError` when there is none."""
    cls: type[Connector] = load_registered(CONNECTORS_GROUP, name, "tracker connector")
    return cls


def settings_model(name: str) -> type[TrackerSettings]:
    """The pydantic model of the ``[tracker]`` table for connector ``name`` (from its
    ``revbridge.settings`` entry point when it declares one: no tracker library imported)."""
    if name in registered(SETTINGS_GROUP) and name in registered(CONNECTORS_GROUP):
        model: type[TrackerSettings] = load_registered(SETTINGS_GROUP, name, "settings model")
        return model
    return get(name).Settings


def __getattr__(name: str) -> Any:
    # ``connectors.Connector`` and ``connectors.TrackerSettings`` without importing pydantic
    # until someone asks for them
    if name in ("Connector", "TrackerSettings"):
        from connectors import base

        return getattr(base, name)
    raise AttributeError(f"module 'connectors' has no attribute {name!r}")


__all__ = ["CONNECTORS_GROUP", "SETTINGS_GROUP", "Connector", "TrackerSettings", "get", "names",
           "rescan", "settings_model"]
