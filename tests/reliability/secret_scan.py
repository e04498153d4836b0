"""Looking for secrets where they must never be: outputs, log records, files, database rows."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterable, Iterator
from pathlib import Path

from sqlalchemy import Engine, MetaData, select


def in_text(secrets: Iterable[str], where: str, text: str) -> list[str]:
    return [f"{where}: holds secret {s[:12]}…" for s in secrets if s and s in text]


def in_records(secrets: Iterable[str], records: Iterable[logging.LogRecord]) -> list[str]:
    """Every log record as a handler would see it: message, exception text, stack."""
    found: list[str] = []
    for record in records:
        parts = [record.getMessage(), record.exc_text or "", record.stack_info or ""]
        if record.exc_info and not record.exc_text:
            parts.append(logging.Formatter().formatException(record.exc_info))
        found += in_text(secrets, f"log record {record.name}:{record.lineno}", "\n".join(parts))
    return found


def _sqlite_rows(path: Path) -> Iterator[str]:
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        yield from connection.iterdump()
    finally:
        connection.close()


def in_files(secrets: Iterable[str], root: Path) -> list[str]:
    """Every file under ``root`` (bytes), and every row of each SQLite database there."""
    wanted = [s for s in secrets if s]
    found: list[str] = []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        data = path.read_bytes()
        found += [f"{path}: holds secret {s[:12]}…" for s in wanted if s.encode() in data]
        if data.startswith(b"SQLite format 3\x00"):
            try:
                dump = "\n".join(_sqlite_rows(path))
            except sqlite3.Error:
                continue
            found += in_text(wanted, f"{path} (rows)", dump)
    return found


def in_schema(secrets: Iterable[str], engine: Engine, schema: str) -> list[str]:
    """Every row of every table of a PostgreSQL ``schema``."""
    wanted = [s for s in secrets if s]
    found: list[str] = []
    tables = MetaData(schema=schema)
    with engine.connect() as conn:
        tables.reflect(conn)
        for table in tables.sorted_tables:
            rows = "\n".join(repr(tuple(row)) for row in conn.execute(select(table)))
            found += in_text(wanted, f"PostgreSQL {schema}.{table.name} (rows)", rows)
    return found
