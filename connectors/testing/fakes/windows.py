"""Sliding request windows: how a fake counts requests against its tracker's limits."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

Limit = tuple[int, float]  # (requests, window seconds)


@dataclass
class SlidingWindows:
    """Requests admitted per (limit, key) in sliding windows; counts the refusals.

    Only admitted requests count toward a window, as the trackers count them.
    """

    clock: Callable[[], float] = time.monotonic
    refused: int = 0
    admitted: list[float] = field(default_factory=list)  # clock() of each accepted request
    _windows: dict[tuple[str, str], deque[float]] = field(default_factory=dict)

    def admit(self, checks: Sequence[tuple[str, str, Limit]]) -> tuple[int, float] | None:
        """Admit a request against every ``(limit name, key, limit)`` of ``checks`` (it then
        counts in each), or refuse it: the index of the first limit reached and the seconds
        until its window has room."""
        now = self.clock()
        windows = []
        for index, (name, key, (limit, span)) in enumerate(checks):
            window = self._windows.setdefault((name, key), deque())
            while window and now - window[0] >= span:
                window.popleft()
            if len(window) >= limit:
                self.refused += 1
                return index, (span - (now - window[0]) if window else span)
            windows.append(window)
        for window in windows:
            window.append(now)
        self.admitted.append(now)
        return None
