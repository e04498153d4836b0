"""Bounded pagination: a listing whose next-page token, offset or ``before`` id comes back, or
that runs to more pages than it can hold, stops the pull with a clear error instead of asking
the tracker forever (and growing in memory while it does)."""

from __future__ import annotations

import math
from collections.abc import Iterable

from connectors.errors import RemoteFatalError

#: pages of one listing at most, when the tracker does not say how many it holds (a million
#: records at 100 a page)
MAX_PAGES = 10_000


class PageGuard:
    """Watches one listing's page tokens: call :meth:`next` with each token before asking for
    the page it names."""

    def __init__(self, tracker: str, what: str, *, max_pages: int = MAX_PAGES) -> None:
        self.tracker, self.what, self.max_pages = tracker, what, max_pages
        self.pages = 0
        self._seen: set[str] = set()
        self._pages_seen: set[int] = set()

    def limit_to(self, total: object, page_size: int) -> None:
        """The listing said it holds ``total`` records: at most that many pages (+1)."""
        if isinstance(total, int) and not isinstance(total, bool) and total >= 0 and page_size:
            self.max_pages = min(self.max_pages, math.ceil(total / page_size) + 1)

    def next(self, token: object) -> None:
        """One more page, named by ``token``; raises when it was named before or when there
        are more pages than the listing can hold."""
        self.pages += 1
        key = repr(token)
        if token is not None and key in self._seen:
            raise RemoteFatalError(
                f"{self.tracker}: {self.what}: the tracker sent the same next-page position "
                f"({str(token)[:40]!r}) twice, so its pages would never end; the pull stopped. "
                "Try again later, and report it to the tracker's support if it lasts",
                tracker=self.tracker)
        self._seen.add(key)
        if self.pages > self.max_pages:
            raise RemoteFatalError(
                f"{self.tracker}: {self.what}: more than {self.max_pages} pages, more than the "
                "listing can hold; the pull stopped. Try again later, and report it to the "
                "tracker's support if it lasts", tracker=self.tracker)

    def holding(self, ids: Iterable[object]) -> None:
        """The page just read held records ``ids``: a page holding the very records of an
        earlier page (a server ignoring the position asked for) stops the listing."""
        key = hash(tuple(str(i) for i in ids))
        if key in self._pages_seen:
            raise RemoteFatalError(
                f"{self.tracker}: {self.what}: the tracker sent the same page twice, so its "
                "pages would never end; the pull stopped. Try again later, and report it to "
                "the tracker's support if it lasts", tracker=self.tracker)
        self._pages_seen.add(key)
