"""Testing helpers shipped to connector authors (see docs/connectors.md, "Adding a tracker").

- ``connectors.testing.contract``: :class:`ConnectorContract`, the behaviour every connector
  shows against a fake of its tracker (needs pytest; subclass it in a test module and give it
  ``fake`` and ``make_connector`` fixtures);
- ``connectors.testing.fakes``: the stateful fake trackers of the built-in connectors, the
  :class:`~connectors.testing.fakes.base.FakeServer` to build one on, and the
  :class:`~connectors.testing.fakes.base.FakeTracker` driver interface the suite uses;
- :func:`fast_policy`: a retry policy that never sleeps.

This package does not import pytest itself: ``revbridge demo`` uses the fakes.
"""

from connectors.testing.policy import fast_policy

__all__ = ["fast_policy"]
