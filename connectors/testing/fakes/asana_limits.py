"""Asana's request limit, as the fake Asana enforces it.

Asana allows each token 150 requests a minute on a free domain and 1,500 on a paid one (it also
limits concurrent and costly requests, which the fake does not model). Over the limit it answers
429 with ``Retry-After`` in seconds. Only accepted requests count toward the window.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from connectors.testing.fakes.windows import Limit, SlidingWindows


@dataclass(frozen=True)
class AsanaLimits:
    """Requests per window per token: a paid domain's by default, :meth:`free` for a free one."""

    per_token: Limit = (1500, 60.0)

    @classmethod
    def free(cls) -> AsanaLimits:
        return cls((150, 60.0))


@dataclass
class AsanaRateLimitState(SlidingWindows):
    """Asana's window per token; counts the 429s it answered."""

    limits: AsanaLimits = field(default_factory=AsanaLimits)

    def check(self, token: str) -> int | None:
        """Admit a request (record it), or the seconds to wait (the 429's ``Retry-After``)."""
        refused = self.admit([("token", token, self.limits.per_token)])
        return None if refused is None else max(1, math.ceil(refused[1]))
