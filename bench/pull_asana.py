"""Request counts of Asana pulls against the fake: full pull, no-change and k-change incrementals.

    python bench/pull_asana.py [--tasks 2000] [--changed 1,10,100] [--no-time-tracking]

The fake is populated in-process (no HTTP); only the connector's pulls go over HTTP and are
counted (``requests_made``, checked against the fake's request log).
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from connectors.asana import AsanaConnector, AsanaSettings
from connectors.base import Page
from connectors.fakes.asana import FakeAsana, settings_for
from connectors.http import RetryPolicy

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def drain(pages: object) -> tuple[int, str | None]:
    count, cursor = 0, None
    for page in pages:  # type: ignore[attr-defined]
        assert isinstance(page, Page)
        count += len(page.bundles)
        cursor = page.next_cursor or cursor
    return count, cursor


def populate(fake: FakeAsana, tasks: int) -> list[str]:
    client, team = fake.add_person("Claire Client"), fake.add_person("Tom Team")
    ids = []
    for i in range(tasks):
        at = T0 - timedelta(days=30) + timedelta(minutes=i)
        gid = fake.create_ticket(f"Change {i}", client, labels=("round-1",), at=at)
        if i % 2 == 0:
            fake.move(gid, "In Progress", team, at=at + timedelta(hours=1))
            fake.add_comment(gid, "On it", team, at=at + timedelta(hours=2))
        if i % 4 == 0:
            fake.log_time(gid, 1800, team, at=at + timedelta(hours=3))
        ids.append(gid)
    return ids


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=2000)
    parser.add_argument("--changed", default="1,10,100")
    parser.add_argument("--no-time-tracking", action="store_true")
    args = parser.parse_args()
    print(f"command: python bench/pull_asana.py --tasks {args.tasks} --changed {args.changed}"
          + (" --no-time-tracking" if args.no_time_tracking else ""))
    with FakeAsana(time_tracking=not args.no_time_tracking) as fake:
        ids = populate(fake, args.tasks)
        team = fake.add_person("Tina Team")
        settings = AsanaSettings.model_validate(settings_for(fake))
        connector = AsanaConnector(settings, {"token": fake.token}, RetryPolicy())

        def measure(label: str, cursor: str | None) -> str | None:
            before, logged, started = connector.requests_made, len(fake.log), time.perf_counter()
            bundles, cursor = drain(connector.pull(cursor))
            made = connector.requests_made - before
            assert made == len(fake.log) - logged, "requests_made disagrees with the fake's log"
            print(f"{label:<34} {bundles:>6} tickets {made:>6} requests "
                  f"{time.perf_counter() - started:6.2f} s")
            return cursor

        cursor = measure(f"full pull ({args.tasks} tasks)", None)
        cursor = measure("incremental, nothing changed", cursor)
        at = T0
        for k in (int(k) for k in args.changed.split(",")):
            at += timedelta(hours=1)
            for j, gid in enumerate(ids[:k]):
                if j % 2:
                    fake.add_comment(gid, "One more thing", team, at=at)
                else:
                    fake.move(gid, "In Review", team, at=at)
            cursor = measure(f"incremental, {k} changed", cursor)


if __name__ == "__main__":
    main()
