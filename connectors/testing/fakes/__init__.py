"""Stateful fake trackers served on 127.0.0.1, for tests and ``revbridge demo``.

Fakes are found like connectors: through the ``revbridge.fakes`` entry points (ours are declared
in revbridge's ``pyproject.toml``; a third-party package may declare its own). Each names a class
whose instances are a :class:`FakeServer` and a :class:`FakeTracker` (with ``tracker_table``).

``make_fake("jira")`` builds (does not start) the fake of a registered tracker;
``tracker_table("jira", fake, token_ref)`` is the ``[tracker]`` table of a client file pointing
at it.
"""

from __future__ import annotations

from typing import Any, cast

from connectors import load_registered, registered
from connectors.testing.fakes.base import FakeServer, FakeTracker

#: The entry-point group a package declares its fake tracker classes in.
FAKES_GROUP = "revbridge.fakes"


class Fake(FakeServer, FakeTracker):
    """What ``make_fake`` returns: a server that is also a tracker driver."""


def fake_names() -> list[str]:
    """Every tracker with a registered fake."""
    return sorted(registered(FAKES_GROUP))


def make_fake(name: str, **options: Any) -> Fake:
    """A new fake of tracker ``name`` (call ``start()`` before use)."""
    cls = load_registered(FAKES_GROUP, name, "fake tracker")
    return cast(Fake, cls(**options))


def tracker_table(name: str, fake: Fake, token_ref: str, **overrides: Any) -> dict[str, Any]:
    """The ``[tracker]`` table of connector ``name`` pointing at ``fake``, its token read
    through ``token_ref``."""
    table = fake.tracker_table(token_ref, **overrides)
    if table.get("type") != name:
        raise ValueError(f"the fake given serves {table.get('type')!r}, not {name!r}")
    return table
