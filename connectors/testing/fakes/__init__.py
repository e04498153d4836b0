"""Stateful fake trackers served on 127.0.0.1, for tests and ``revbridge demo``.

``make_fake("jira")`` builds (does not start) the fake of a registered tracker;
``tracker_table(fake, token_ref)`` is the ``[tracker]`` table of a client file pointing at it.
"""

from __future__ import annotations

import importlib
from typing import Any, cast

from connectors.testing.fakes.base import FakeServer, FakeTracker

FAKES: dict[str, tuple[str, str]] = {
    "jira": ("connectors.testing.fakes.jira", "FakeJira"),
    "trello": ("connectors.testing.fakes.trello", "FakeTrello"),
    "asana": ("connectors.testing.fakes.asana", "FakeAsana"),
}


class Fake(FakeServer, FakeTracker):
    """What ``make_fake`` returns: a server that is also a tracker driver."""


def make_fake(name: str, **options: Any) -> Fake:
    """A new fake of tracker ``name`` (call ``start()`` before use)."""
    module_name, class_name = FAKES[name]
    cls = getattr(importlib.import_module(module_name), class_name)
    return cast(Fake, cls(**options))


def tracker_table(name: str, fake: Fake, token_ref: str, **overrides: Any) -> dict[str, Any]:
    """The ``[tracker]`` table pointing at ``fake``, its token read through ``token_ref``."""
    module = importlib.import_module(FAKES[name][0])
    table: dict[str, Any] = module.settings_for(fake, token=token_ref, **overrides)
    return table
