"""Store throughput: save and load a client's records on SQLite (and PostgreSQL when
REVBRIDGE_TEST_PG is set). Prints the figures; exits 1 when a target is missed.

    python bench/store_roundtrip.py [TICKETS]
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bridge.store import Store
from connectors.base import (
    Comment,
    Person,
    StatusChange,
    Ticket,
    TicketBundle,
    TimeEntry,
)

PAGE = 100  # bundles per page, one transaction each (as a sync commits a page)
TARGET_SECONDS_PER_1000 = 10.0  # save + load of 1000 tickets, ~24 rows each


def bundles(count: int) -> list[TicketBundle]:
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    ana, me = Person("a", "Ana"), Person("m", "Me")
    out = []
    for n in range(count):
        tid = str(10000 + n)
        at = t0 + timedelta(minutes=n)
        out.append(
            TicketBundle(
                Ticket(tid, f"WEB-{n}", f"https://x/{n}", f"t{n}", "Done", ("bug",), at, at, ana),
                changes=tuple(
                    StatusChange(tid, at + timedelta(hours=h), me, "a", "b", f"h{tid}-{h}")
                    for h in range(4)
                ),
                comments=tuple(
                    Comment(f"c{tid}-{k}", tid, at + timedelta(minutes=k), ana, "text " * 20)
                    for k in range(15)
                ),
                time_entries=tuple(TimeEntry(f"w{tid}-{k}", tid, at, me, 1800) for k in range(4)),
            )
        )
    return out


def run(label: str, url: str, data: list[TicketBundle]) -> bool:
    store = Store.open(url)
    start = time.perf_counter()
    for i in range(0, len(data), PAGE):
        with store.session() as session:
            store.save_bundles("bench", data[i : i + PAGE], session=session)
            store.set_cursor("bench", str(i), session=session)
    saved = time.perf_counter()
    records = store.load_records("bench")
    loaded = time.perf_counter()
    store.close()
    rows = len(records.tickets) + len(records.changes) + len(records.comments)
    rows += len(records.time_entries)
    per_1000 = (loaded - start) * 1000 / len(data)
    ok = per_1000 <= TARGET_SECONDS_PER_1000 and len(records.tickets) == len(data)
    print(
        f"{label}: {len(data)} tickets, {rows} rows: save {saved - start:.2f}s, "
        f"load {loaded - saved:.2f}s, {per_1000:.2f}s per 1000 tickets "
        f"(target {TARGET_SECONDS_PER_1000}s) {'ok' if ok else 'MISSED'}"
    )
    return ok


def main() -> int:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    data = bundles(count)
    ok = True
    with tempfile.TemporaryDirectory() as folder:
        ok &= run("sqlite", f"sqlite:///{folder}/bench.db", data)
    pg = os.environ.get("REVBRIDGE_TEST_PG")
    if pg:
        schema = f"rb_bench_{uuid.uuid4().hex[:8]}"
        admin = create_engine(pg)
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        try:
            url = make_url(pg).update_query_dict({"options": f"-csearch_path={schema}"})
            ok &= run("postgresql", url.render_as_string(hide_password=False), data)
        finally:
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
