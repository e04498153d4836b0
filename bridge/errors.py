"""Every error revbridge raises on purpose, and the exit code each one means.

The tracker-side hierarchy lives in :mod:`connectors.errors` (imports point from ``bridge`` to
``connectors`` only); it is re-exported here with the product-side errors added::

    RevbridgeError
    ├── RemoteError → RemoteRetriableError, RemoteFatalError → CredentialsRefused
    ├── BadRecordError
    ├── ConfigError        a client file (or the command line) is wrong         exit 2
    ├── CredentialsError   a secret is missing or cannot be resolved            exit 3
    ├── StoreError         the database cannot be opened, migrated or written   exit 1
    ├── LockTimeout        another process is syncing this client               exit 1
    └── SyncError          one client's sync failed                             exit 1
"""

from __future__ import annotations

from collections.abc import Iterable

from connectors.errors import (
    BadRecordError,
    CredentialsRefused,
    RemoteError,
    RemoteFatalError,
    RemoteRetriableError,
    RevbridgeError,
)

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


__all__ = [
    "EXIT_CONFIG",
    "EXIT_CREDENTIALS",
    "EXIT_FAILED",
    "EXIT_OK",
    "BadRecordError",
    "ConfigError",
    "CredentialsError",
    "CredentialsRefused",
    "LockTimeout",
    "RemoteError",
    "RemoteFatalError",
    "RemoteRetriableError",
    "RevbridgeError",
    "StoreError",
    "SyncError",
    "exit_code",
]
