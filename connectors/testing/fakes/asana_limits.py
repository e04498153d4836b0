"""Asana's request limit, as the fake Asana enforces it.

Asana allows each token 150 requests a minute on a free domain and 1,500 on a paid one (it also
limits concurrent and costly requests, which the fake does not model). Over the limit it answers
429 with ``Retry-After`` in seconds. Only accepted requests count toward the window.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

Limit = tuple[int, float]  # (requests, window seconds)


@dataclass(frozen=True)
class AsanaLimits:
    """Requests per window per token: a paid domain's by default, :meth:`free` for a free one."""

    per_token: Limit = (1500, 60.0)

    @classmethod
    def free(cls) -> AsanaLimits:
        return cls((150, 60.0))


@dataclass
class AsanaRateLimitState:
    """A sliding window per token; counts the 429s it answered."""

    limits: AsanaLimits
    clock: Callable[[], float] = time.monotonic
    refused: int = 0
    admitted: list[float] = field(default_factory=list)  # clock() of each accepted request
    _windows: dict[str, deque[float]] = field(default_factory=dict)

    def check(self, token: str) -> int | None:
        """Admit a request (record it), or the seconds to wait (the 429's ``Retry-After``)."""
        now = self.clock()
        limit, span = self.limits.per_token
        window = self._windows.setdefault(token, deque())
        while window and now - window[0] >= span:
            window.popleft()
        if len(window) >= limit:
            self.refused += 1
            return max(1, math.ceil(span - (now - window[0])))
        window.append(now)
        self.admitted.append(now)
        return None
