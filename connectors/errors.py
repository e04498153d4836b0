"""The one error hierarchy of revbridge (httpx style), for connectors and product alike.

It lives in ``connectors`` because imports point from ``bridge`` to ``connectors`` only::

    RevbridgeError
    ├── RemoteError                   talking to a tracker failed                  exit 1
    │   ├── RemoteRetriableError      rate limited, 5xx, timeout, reset: try again later
    │   └── RemoteFatalError          the tracker refused or answered nonsense: retrying won't help
    │       ├── CredentialsRefused    401/403: the token is wrong or lacks rights  exit 3
    │       └── AnswerTooDeep         an answer nested deeper than the JSON parser goes
    ├── BadRecordError                one record could not be normalized (reported, skipped)
    ├── ConfigError                   a client file (or the command line) is wrong exit 2
    ├── CredentialsError              a secret is missing or cannot be resolved    exit 3
    ├── StoreError                    the database cannot be opened, migrated or written  exit 1
    ├── LockTimeout                   another process is syncing this client       exit 1
    └── SyncError                     one client's sync failed                     exit 1
        └── Interrupted               asked to stop: it ended between two pages or posts
"""

from __future__ import annotations

from collections.abc import Iterable


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


class AnswerTooDeep(RemoteFatalError):
    """An answer nested deeper than Python's JSON parser goes (``RecursionError``): it cannot be
    read at all. A listing page is then read again record by record, and a record whose own
    answer is too deep is reported and skipped (see docs/DECISIONS.md, "Poison records")."""


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


EXIT_OK = 0
EXIT_FAILED = 1
EXIT_CONFIG = 2
EXIT_CREDENTIALS = 3


class ConfigError(RevbridgeError):
    """A client file or a command-line value is wrong.

    ``problems`` holds one line per mistake, each ``FILE: [section] key: message``, so one
    run shows every mistake of a file at once.
    """

    def __init__(self, problems: Iterable[str]) -> None:
        self.problems: list[str] = list(problems)
        super().__init__("\n".join(self.problems))


class CredentialsError(RevbridgeError):
    """A secret is missing or cannot be resolved (unset variable, failed command, no keyring)."""


class StoreError(RevbridgeError):
    """The store cannot be opened, migrated or written."""


class LockTimeout(RevbridgeError):
    """Another process holds the client's sync lock and did not release it in time."""


class SyncError(RevbridgeError):
    """A sync of one client failed; other clients are not affected."""


class Interrupted(SyncError):
    """The sync was asked to stop (the daemon is stopping) and ended after the page it had
    committed or the notice it had posted; the next sync goes on from there."""


def exit_code(error: BaseException | None) -> int:
    """The process exit code for ``error`` (``None``: success).

    0 ok, 1 a sync failed or a tracker answered an error, 2 bad config or usage,
    3 credentials missing or refused.
    """
    if error is None:
        return EXIT_OK
    if isinstance(error, CredentialsError | CredentialsRefused):
        return EXIT_CREDENTIALS
    if isinstance(error, ConfigError):
        return EXIT_CONFIG
    return EXIT_FAILED
