"""Trello's request limits, as the fake Trello enforces them.

Trello allows 300 requests per 10 s per API key, 100 per 10 s per token and 100 per 900 s on
``/1/members/*``. Over a limit it answers 429 with a JSON body naming the limit and no
``Retry-After`` header. Only accepted requests count toward a window.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from connectors.testing.fakes.windows import SlidingWindows


@dataclass(frozen=True)
class TrelloLimits:
    """(requests, window seconds) of each limit; :meth:`relaxed` for tests that do not care."""

    per_token: tuple[int, float] = (100, 10.0)
    per_key: tuple[int, float] = (300, 10.0)
    members: tuple[int, float] = (100, 900.0)

    @classmethod
    def relaxed(cls) -> TrelloLimits:
        return cls((1_000_000, 1.0), (1_000_000, 1.0), (1_000_000, 1.0))


@dataclass
class RateLimitState(SlidingWindows):
    """Trello's windows per (limit, key or token); counts the 429s it answered."""

    limits: TrelloLimits = field(default_factory=TrelloLimits)

    def check(self, key: str, token: str, path: str) -> tuple[str, str] | None:
        """Admit a request (record it) or return (error code, message) for a 429."""
        checks = [("token", token, self.limits.per_token, "API_TOKEN_LIMIT_EXCEEDED"),
                  ("key", key, self.limits.per_key, "API_KEY_LIMIT_EXCEEDED")]
        if path.startswith("/1/members/"):
            checks.append(("members", token, self.limits.members, "API_TOKEN_LIMIT_EXCEEDED"))
        refused = self.admit([(kind, ident, limit) for kind, ident, limit, _ in checks])
        if refused is None:
            return None
        _, _, (limit, span), code = checks[refused[0]]
        return code, f"Rate limit exceeded: {limit} requests per {span:g} seconds"
