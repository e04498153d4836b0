"""Benchmark: a full Jira pull of N issues from the fake, against a bare library loop.

The fake runs in a child process (populated by Python calls, not HTTP) so the parent's time and
memory are the client side only. Reports requests made vs the minimum number of search pages,
wall time of the connector vs a bare loop that only fetches the same pages with the library
(ratio, same run, best of --repeat interleaved runs), and the connector's peak traced memory.

    PYTHONPATH=. python bench/pull_jira.py [--issues 5000] [--deployment cloud|datacenter]
"""

from __future__ import annotations

import argparse
import math
import multiprocessing as mp
import resource
import statistics
import sys
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from jira import JIRA

from connectors.jira.connector import PAGE_SIZE, SEARCH_FIELDS, JiraConnector, JiraSettings
from connectors.testing.fakes.jira import FakeJira, settings_for

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def serve(deployment: str, issues: int, pipe: Connection) -> None:
    fake = FakeJira(deployment)  # type: ignore[arg-type]
    client = fake.add_person("Claire Client", "claire@client.example")
    team = fake.add_person("Tom Team", "tom@studio.example")
    for i in range(issues):
        at = T0 + timedelta(minutes=i)
        t = fake.create_ticket(f"Change {i}", client, labels=("round-1",), at=at)
        for n, status in enumerate(("In Progress", "In Review", "Done")):
            fake.move(t, status, team, at=at + timedelta(seconds=10 + n))
        for n in range(3):
            fake.add_comment(t, f"comment {n} on {i}", client, at=at + timedelta(seconds=20 + n))
        for n in range(2):
            fake.log_time(t, 1800, team, at=at + timedelta(seconds=30 + n))
    fake.start()
    pipe.send(settings_for(fake) | {"_token": fake.token})
    pipe.recv()  # wait for "stop"
    fake.stop()


def connector_pull(settings: dict[str, Any], token: str) -> tuple[float, int, int, int]:
    connector = JiraConnector(JiraSettings.model_validate(settings), {"token": token})
    started = time.perf_counter()
    bundles = pages = 0
    for page in connector.pull(None):
        pages += 1
        bundles += len(page.bundles)
    return time.perf_counter() - started, connector.requests_made, pages, bundles


def bare_pull(settings: dict[str, Any], token: str) -> tuple[float, int]:
    """Only the search pages, through the library, nothing normalized."""
    started = time.perf_counter()
    auth: dict[str, Any] = ({"basic_auth": (settings["email"], token)} if settings.get("email")
                            else {"token_auth": token})
    j = JIRA(server=settings["url"], max_retries=0, **auth)
    jql = f'project = "{settings["project"]}" ORDER BY updated ASC'
    issues = 0
    token_: str | None = None
    start = 0
    while True:
        if j._is_cloud:
            page = j.enhanced_search_issues(jql, nextPageToken=token_, maxResults=PAGE_SIZE,
                                            fields=list(SEARCH_FIELDS), expand="changelog",
                                            json_result=True)
        else:
            page = j.search_issues(jql, startAt=start, maxResults=PAGE_SIZE,
                                   fields=list(SEARCH_FIELDS), expand="changelog",
                                   json_result=True)
        issues += len(page["issues"])
        start += len(page["issues"])
        token_ = page.get("nextPageToken")
        if (j._is_cloud and not token_) or (not j._is_cloud and start >= page["total"]):
            break
    return time.perf_counter() - started, issues


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--issues", type=int, default=5000)
    parser.add_argument("--deployment", choices=("cloud", "datacenter"), default="cloud")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    ours, theirs = mp.Pipe()
    child = mp.get_context("fork").Process(target=serve,
                                           args=(args.deployment, args.issues, theirs))
    child.start()
    settings = ours.recv()
    token = settings.pop("_token")
    try:
        bare_times, our_times = [], []
        for _ in range(args.repeat):
            bare_time, bare_issues = bare_pull(settings, token)
            bare_times.append(bare_time)
            our_time, requests, pages, bundles = connector_pull(settings, token)
            our_times.append(our_time)
        tracemalloc.start()
        connector_pull(settings, token)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    finally:
        ours.send("stop")
        child.join()
    minimum = math.ceil(args.issues / PAGE_SIZE)
    ratio = min(our_times) / min(bare_times)  # best of N: the least disturbed run of each
    print(f"jira {args.deployment}: {bundles} issues in {pages} pages "
          f"(bare loop saw {bare_issues})")
    print(f"requests: {requests} (minimum {minimum} search pages; "
          f"+{requests - minimum} setup: serverInfo, field)")
    print(f"wall time (best of {args.repeat}): connector {min(our_times):.2f}s, bare library "
          f"loop {min(bare_times):.2f}s, ratio {ratio:.2f}; medians "
          f"{statistics.median(our_times):.2f}s / {statistics.median(bare_times):.2f}s")
    print(f"peak traced memory during a pull: {peak / 2**20:.1f} MiB; "
          f"max RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")
    print("reproduce: PYTHONPATH=. /work/main/.venv/bin/python bench/pull_jira.py "
          f"--issues {args.issues} --deployment {args.deployment} --repeat {args.repeat}")


if __name__ == "__main__":
    main()
