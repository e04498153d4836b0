"""The one error hierarchy of revbridge (httpx style).

It lives in ``connectors`` because imports point from ``bridge`` to ``connectors`` only;
``bridge.errors`` re-exports it and adds the product-side errors::

    RevbridgeError
    ├── RemoteError                   talking to a tracker failed
    │   ├── RemoteRetriableError      rate limited, 5xx, timeout, reset: try again later
    │   └── RemoteFatalError          the tracker refused or answered nonsense: retrying won't help
    │       └── CredentialsRefused    401/403: the token is wrong or lacks rights (exit code 3)
    ├── BadRecordError                one record could not be normalized (reported, skipped)
    └── (bridge.errors) ConfigError, CredentialsError, StoreError, LockTimeout, SyncError
"""

from __future__ import annotations


class RevbridgeError(Exception):
    """Root of every error revbridge raises on purpose."""


class RemoteError(RevbridgeError):
    """A request to a tracker failed."""

    def __init__(self, message: str, *, tracker: str = "", status: int | None = None) -> None:
        super().__init__(message)
        self.tracker = tracker
        self.status = status


class RemoteRetriableError(RemoteError):
    """Transient: rate limited, server error, timeout or reset after the bounded wait ran out.

    ``in_flight`` is true when a write was sent and no answer came before the timeout: the
    tracker may still carry it out after this error (a comment may appear later).
    """

    def __init__(self, message: str, *, tracker: str = "", status: int | None = None,
                 in_flight: bool = False) -> None:
        super().__init__(message, tracker=tracker, status=status)
        self.in_flight = in_flight


class RemoteFatalError(RemoteError):
    """The tracker refused the request or answered something unusable; retrying won't help."""


class CredentialsRefused(RemoteFatalError):
    """The tracker answered 401/403: the credentials are wrong or lack the needed rights."""


class BadRecordError(RevbridgeError):
    """One record from a tracker could not be turned into a normalized record."""

    def __init__(self, message: str, *, remote_id: str | None = None) -> None:
        super().__init__(message)
        self.remote_id = remote_id


def error_for_status(message: str, *, tracker: str, status: int | None) -> RemoteError:
    """The error an HTTP error status calls for: 401/403 → :class:`CredentialsRefused`; 429, 5xx
    or no status at all → :class:`RemoteRetriableError`; any other → :class:`RemoteFatalError`."""
    if status in (401, 403):
        return CredentialsRefused(message, tracker=tracker, status=status)
    if status is None or status == 429 or status >= 500:
        return RemoteRetriableError(message, tracker=tracker, status=status)
    return RemoteFatalError(message, tracker=tracker, status=status)
