"""A retry policy for tests: no real sleeping, few attempts, short timeouts."""

from __future__ import annotations

from typing import Any

from connectors.http import RetryPolicy


def fast_policy(**overrides: Any) -> RetryPolicy:
    """A :class:`RetryPolicy` that never sleeps and gives up after 4 attempts; ``overrides``
    replace any field (e.g. ``sleep=waits.append`` to see the waits asked for)."""
    values: dict[str, Any] = {
        "max_attempts": 4,
        "max_total_wait": 5.0,
        "backoff_base": 0.0,
        "backoff_cap": 0.0,
        "timeout": 2.0,
        "sleep": lambda _s: None,
    }
    values.update(overrides)
    return RetryPolicy(**values)
