"""Credential references and their resolution (docs/architecture.md §9).

A client file never holds a secret, only a reference to one:

* ``keyring:SERVICE/USER`` — the system keyring (``revbridge auth set CLIENT`` stores it);
* ``env:VAR`` — an environment variable;
* ``cmd:COMMAND`` — the trimmed standard output of a shell command (``cmd:pass show acme/jira``).

References are resolved only when a connector is built. Every resolved value is registered
with :data:`REDACTOR`, which blanks it out of every log record from then on.
"""

from __future__ import annotations

import base64
import logging
import os
import re
import subprocess
import threading
import traceback
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import quote, quote_plus

from connectors.errors import CredentialsError

Scheme = Literal["keyring", "env", "cmd"]
ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
KEYRING_TARGET = re.compile(r"^([^/\s]+)/(\S.*)$")
MASK = "***"
CMD_TIMEOUT = 30.0


@dataclass(frozen=True)
class SecretRef:
    scheme: Scheme
    target: str  # VAR, COMMAND, or SERVICE/USER

    @property
    def keyring_entry(self) -> tuple[str, str]:
        """``(service, user)`` of a ``keyring:`` reference (the service holds no ``/``)."""
        match = KEYRING_TARGET.match(self.target)
        if self.scheme != "keyring" or not match:
            raise ValueError(f"not a keyring reference: {self}")
        return match.group(1), match.group(2)

    def __str__(self) -> str:
        return f"{self.scheme}:{self.target}"


def parse_ref(value: str) -> SecretRef | None:
    """The reference ``value`` spells, or ``None`` when it is not one (a literal secret)."""
    scheme, sep, target = value.partition(":")
    target = target.strip()
    if not sep:
        return None
    if scheme == "env" and ENV_NAME.match(target):
        return SecretRef("env", target)
    if scheme == "cmd" and target:
        return SecretRef("cmd", target)
    if scheme == "keyring" and KEYRING_TARGET.match(target):
        return SecretRef("keyring", target)
    return None


def default_keyring_ref(client: str) -> SecretRef:
    return SecretRef("keyring", f"revbridge/{client}")


def how_to_store(client: str, field: str = "token") -> str:
    """The advice shown when a secret is missing or written literally."""
    return (
        f'run `revbridge auth set {client}` and set {field} = "{default_keyring_ref(client)}", '
        f'or point to it with {field} = "env:VARIABLE" or {field} = "cmd:COMMAND"'
    )


class RedactingFilter(logging.Filter):
    """Replaces every registered secret in a log record's message and traceback with ``***``."""

    def __init__(self) -> None:
        super().__init__()
        self._secrets: set[str] = set()
        #: longest first, so a secret that contains another is blanked whole
        self._ordered: tuple[str, ...] = ()
        self._lock = threading.Lock()

    def add(self, secret: str) -> None:
        """Blank ``secret`` out from now on, in every spelling it travels in (see
        :func:`spellings`)."""
        if secret and secret not in self._secrets:
            with self._lock:
                self._secrets.update(spellings(secret))
                self._ordered = tuple(sorted(self._secrets, key=len, reverse=True))

    def redact(self, text: str) -> str:
        for secret in self._ordered:
            if secret in text:
                text = text.replace(secret, MASK)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        if not self._secrets:
            return True
        message = record.getMessage()
        clean = self.redact(message)
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_info and not record.exc_text:
            record.exc_text = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


def spellings(secret: str) -> set[str]:
    """``secret`` as it is written and as it travels: URL-encoded (a Trello token in a query
    string, ``%2B`` or ``%2b``, ``+`` for a space) and base64 (standard and URL-safe, with or
    without padding)."""
    forms = {secret, quote(secret, safe=""), quote_plus(secret, safe=""), quote(secret)}
    forms |= {re.sub(r"%[0-9A-F]{2}", lambda m: m.group(0).lower(), f) for f in set(forms)}
    raw = secret.encode()
    for encoded in (base64.b64encode(raw), base64.urlsafe_b64encode(raw)):
        text = encoded.decode()
        forms |= {text, text.rstrip("=")}
    # inside a longer base64 text (``email:token`` of a basic-auth header) the secret's
    # characters depend on where it starts: the part no neighbour changes, at each alignment
    for shift in (0, 1, 2):
        text = base64.b64encode(b"\0" * shift + raw).decode()
        start = shift + 1 if shift else 0
        core = text[start:] if (shift + len(raw)) % 3 == 0 else text[start:-4]
        if len(core) >= 8:
            forms.add(core)
    return {f for f in forms if f}


REDACTOR = RedactingFilter()
_installed = False


def install_redaction() -> None:
    """Make :data:`REDACTOR` see every log record of the process.

    A filter on the root logger alone would miss records logged on child loggers (logger
    filters do not apply to propagated records), so it is also run from the record factory,
    which every logger calls, before any handler sees the record.
    """
    global _installed
    if _installed:
        return
    _installed = True
    logging.getLogger().addFilter(REDACTOR)
    previous = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        REDACTOR.filter(record)
        return record

    logging.setLogRecordFactory(factory)


def resolve(ref: SecretRef) -> str:
    """The secret ``ref`` points to. Raises :class:`CredentialsError`, never echoing a secret."""
    if ref.scheme == "env":
        value = os.environ.get(ref.target, "")
        if not value:
            raise CredentialsError(f"environment variable {ref.target} is not set or empty")
    elif ref.scheme == "cmd":
        value = _run_command(ref.target)
    else:
        value = _read_keyring(*ref.keyring_entry)
    install_redaction()
    REDACTOR.add(value)
    return value


def _run_command(command: str) -> str:
    try:
        done = subprocess.run(
            command,
            shell=True,  # the user's own command line, from their own file: pipes allowed
            capture_output=True,
            text=True,
            timeout=CMD_TIMEOUT,
            check=False,
            stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise CredentialsError(
            f"secret command `{command}` could not run: {type(exc).__name__}"
        ) from None
    if done.returncode != 0:
        # its output may hold the secret or part of it: never shown
        raise CredentialsError(
            f"secret command `{command}` failed with exit code {done.returncode}"
        )
    value = done.stdout.strip()
    if not value:
        raise CredentialsError(f"secret command `{command}` printed nothing")
    return value


def _keyring_backend() -> Any:
    import keyring
    from keyring.backends import fail

    backend = keyring.get_keyring()
    if isinstance(backend, fail.Keyring):
        raise _no_backend("keyring.backends.fail.Keyring")
    return backend


def _read_keyring(service: str, user: str) -> str:
    from keyring.errors import KeyringError, NoKeyringError

    backend = _keyring_backend()
    try:
        value = backend.get_password(service, user)
    except NoKeyringError:
        raise _no_backend("keyring.errors.NoKeyringError") from None
    except KeyringError as exc:
        raise CredentialsError(f"keyring entry {service}/{user} could not be read: {exc}") from None
    if not value:
        raise CredentialsError(
            f"no secret in the keyring under {service}/{user}; "
            "store it with `revbridge auth set CLIENT`"
        )
    return str(value)


def check_keyring() -> None:
    """Raise :class:`CredentialsError` (naming the ``env:`` / ``cmd:`` way out) when this
    machine has no usable keyring backend: asked before prompting for a secret to store."""
    _keyring_backend()


def store_in_keyring(ref: SecretRef, secret: str) -> None:
    """Save ``secret`` where the ``keyring:`` reference ``ref`` points."""
    from keyring.errors import KeyringError, NoKeyringError

    service, user = ref.keyring_entry
    backend = _keyring_backend()
    try:
        backend.set_password(service, user, secret)
    except NoKeyringError:
        raise _no_backend("keyring.errors.NoKeyringError") from None
    except KeyringError as exc:
        raise CredentialsError(
            f"keyring entry {service}/{user} could not be written: {exc}"
        ) from None


def _no_backend(detail: str) -> CredentialsError:
    return CredentialsError(
        f"no usable keyring backend on this machine ({detail}); "
        "use an env:VARIABLE or cmd:COMMAND reference instead, or install a keyring backend"
    )
