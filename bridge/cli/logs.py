"""Log output for long-running commands: human-readable lines or JSON lines, never a secret.

Every record goes through :data:`bridge.clientfile.secrets.REDACTOR` twice: when it is made
(the record factory installed by :func:`install_redaction`) and once more on the finished line,
so a secret resolved after a record was made, or hidden in a traceback, is still blanked out.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any, Literal, TextIO

from bridge.clientfile.secrets import REDACTOR, install_redaction

LogFormat = Literal["text", "json"]
#: chatty libraries: their warnings (e.g. a skipped run of a job still running) are ours to say
QUIET = {"apscheduler": logging.ERROR, "urllib3": logging.WARNING, "alembic": logging.WARNING}


def _time(record: logging.LogRecord) -> str:
    moment = datetime.fromtimestamp(record.created, UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


class TextFormatter(logging.Formatter):
    """``2026-03-02T09:00:00.000Z INFO  acme: synced ...``"""

    def format(self, record: logging.LogRecord) -> str:
        line = f"{_time(record)} {record.levelname:<5} {record.getMessage()}"
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            line += "\n" + record.exc_text
        return REDACTOR.redact(line)


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, and client / error when known."""

    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, Any] = {
            "time": _time(record),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": REDACTOR.redact(record.getMessage()),
        }
        for name in ("client", "event"):
            value = getattr(record, name, None)
            if value is not None:
                data[name] = value
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            data["traceback"] = REDACTOR.redact(record.exc_text)
        return json.dumps(data, ensure_ascii=False)


def configure(fmt: LogFormat = "text", level: int = logging.INFO,
              stream: TextIO | None = None) -> None:
    """Send every log record of the process to ``stream`` (stderr) in ``fmt``."""
    install_redaction()
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    if level > logging.DEBUG:
        for name, quiet in QUIET.items():
            logging.getLogger(name).setLevel(quiet)


class _VerboseHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to the ``sys.stderr`` of the moment (a test runner swaps it between commands)."""

    verbose_option = True

    def __init__(self, previous_level: int) -> None:
        super().__init__()
        self.previous_level = previous_level

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, _value: TextIO) -> None:
        pass


def verbose_logging(on: bool) -> None:
    """``-v``: every logger's debug records on stderr, secrets masked; ``False`` undoes it."""
    root = logging.getLogger()
    for handler in [h for h in root.handlers if isinstance(h, _VerboseHandler)]:
        root.removeHandler(handler)
        root.setLevel(handler.previous_level)
    if on:
        install_redaction()
        handler = _VerboseHandler(root.level)
        handler.setFormatter(TextFormatter())
        root.addHandler(handler)
        root.setLevel(logging.DEBUG)
