"""Request budgets per credential, shared by every connector of one process.

A tracker limits requests per credential (Trello: 100 / 10 s per token and 300 / 10 s per API
key), not per client file. An agency has many client files on a few credentials, and the daemon
syncs several of them at once: each connector pacing itself would let the pair spend twice the
token's budget. So the pacing lives in a :class:`CredentialLimiter` looked up in a process-wide
:class:`LimiterRegistry` by (tracker, base URL, kind, sha256 of the credential) — the credential
itself is never kept. A 429 received by any connector holds the whole credential
(:meth:`CredentialLimiter.hold`) until its ``Retry-After`` has passed. See docs/agency.md.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Protocol

Budget = tuple[int, float]  # (requests, window seconds)


class Limiter(Protocol):
    """What a connector's meter asks of a credential's pacing, wherever it is kept."""

    def acquire(self, sleep: Callable[[float], None] = time.sleep,
                waited_until: float = 0.0) -> None:
        """Wait until one more request on the credential is allowed, and count it."""

    def hold(self, seconds: float) -> float:
        """Hold every request on the credential for ``seconds``; returns when the hold ends."""


#: builds a limiter shared beyond this process for (credential key, budget), or None for the
#: process-local one (bridge installs one on a PostgreSQL store: bridge/store/budgets.py)
SharedFactory = Callable[[str, Budget], Limiter | None]


def credential_id(secret: str) -> str:
    """The identity of a credential: its sha256, hex (the secret itself is never stored)."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


class CredentialLimiter:
    """At most ``budget`` acquisitions per sliding window, and no request while held.

    Threads wait their turn one at a time (``_turn``): the one whose turn it is sleeps until a
    slot frees, the others queue behind it, so the budget is shared first come, first served.
    """

    def __init__(self, budget: Budget | None, clock: Callable[[], float] = time.monotonic) -> None:
        self.budget = budget
        self._clock = clock
        self._stamps: deque[float] = deque()
        self._held_until = 0.0
        self._turn = threading.Lock()
        self._state = threading.Lock()  # guards _held_until (hold() must not wait for a turn)
        self.acquired = 0

    def acquire(self, sleep: Callable[[float], None] = time.sleep,
                waited_until: float = 0.0) -> None:
        """Wait for the credential's hold to end and for a slot in its window, then take it.

        ``waited_until``: the hold this caller set itself and has already slept through (the
        connector that received the 429 waits its own retry delay).
        """
        with self._turn:
            with self._state:
                held = 0.0 if self._held_until <= waited_until else (
                    self._held_until - self._clock())
            if held > 0:
                sleep(held)  # once: a sleep that does not sleep (tests) must not spin here
            budget = self.budget
            while budget is not None:
                limit, window = budget
                now = self._clock()
                while self._stamps and now - self._stamps[0] >= window:
                    self._stamps.popleft()
                if len(self._stamps) < limit:
                    break
                sleep(window - (now - self._stamps[0]) + 0.001)
            if budget is not None:  # without a budget nothing trims them: a daemon's leak
                self._stamps.append(self._clock())
            self.acquired += 1

    def hold(self, seconds: float) -> float:
        """No request on this credential for ``seconds`` (the tracker said so with a 429).

        Returns the clock time the hold ends.
        """
        with self._state:
            if seconds > 0:
                self._held_until = max(self._held_until, self._clock() + seconds)
            return self._held_until

    def in_window(self, window: float) -> int:
        """How many acquisitions fell in the last ``window`` seconds (for benches)."""
        now = self._clock()
        return sum(1 for stamp in self._stamps if now - stamp < window)


class LimiterRegistry:
    """Every :class:`CredentialLimiter` of the process, by credential (hashed)."""

    def __init__(self) -> None:
        self._limiters: dict[tuple[str, str, str, str], CredentialLimiter] = {}
        self._shared: dict[tuple[str, str, str, str], Limiter] = {}
        self._factory: SharedFactory | None = None
        self._lock = threading.Lock()

    def share_with(self, factory: SharedFactory | None) -> None:
        """Keep budgets beyond this process with ``factory`` from now on (None: stop)."""
        with self._lock:
            self._factory = factory
            self._shared.clear()

    def limiter(self, tracker: str, base_url: str, kind: str, secret: str,
                budget: Budget | None) -> Limiter:
        """The limiter of ``secret`` (a token, an API key) of ``kind`` on ``base_url``.

        One policy per credential: when a later connector brings another budget, that one
        applies from now on (the stamps already taken still count).
        """
        key = (tracker, base_url.rstrip("/"), kind, credential_id(secret))
        with self._lock:
            if self._factory is not None and budget is not None:
                shared = self._shared.get(key)
                if shared is None:
                    shared = self._factory(" ".join(key), budget)
                if shared is not None:
                    self._shared[key] = shared
                    return shared
            found = self._limiters.get(key)
            if found is None:
                found = self._limiters[key] = CredentialLimiter(budget)
            else:
                found.budget = budget
            return found

    def credentials(self) -> list[tuple[str, str, str, str]]:
        """(tracker, base URL, kind, sha256) of every limiter: no secret in them."""
        with self._lock:
            return list(self._limiters)

    def clear(self) -> None:
        with self._lock:
            self._limiters.clear()


#: the process's registry: every connector built in this process paces through it
LIMITERS = LimiterRegistry()
