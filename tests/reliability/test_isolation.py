"""Isolation: a client's notices only ever go to its own project or board.

Every POST in the fakes' request logs is checked: its marker belongs to a notice of the client
whose tracker (and scope) received it, on the very ticket it was written for.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bridge.present.notices import find_marker
from bridge.store import Store
from bridge.sync.run import SyncOptions, sync_client
from connectors.testing.fakes import Fake
from tests.reliability.test_bad_records import _posted_text, _posted_ticket
from tests.reliability.worlds import (
    ROOT,
    TRACKERS,
    People,
    add_people,
    backend_store,
    backend_url,
    client_table,
    load_world_config,
    new_fake,
    policy,
    seed,
    world,
)

pytestmark = pytest.mark.usefixtures("store_backend")


def posts(fake: Fake, tracker: str, since: int = 0) -> Iterator[tuple[str, str]]:
    """(ticket id, marker) of every comment POSTed to ``fake`` (from log entry ``since``)."""
    for request in fake.log[since:]:
        if request.method == "POST":
            marker = find_marker(_posted_text(tracker, request.json(), request.query))
            assert marker is not None
            yield _posted_ticket(tracker, request.path), marker


def outbox_markers(store: Store, client: str) -> set[tuple[str, str]]:
    return {(row.ticket_id, row.marker) for row in store.outbox(client)}


@pytest.mark.parametrize("full", [False, True], ids=["incremental", "full"])
def test_two_clients_scoped_on_one_jira_never_comment_on_each_other(tmp_path: Path,
                                                                    full: bool) -> None:
    """One Jira, one bot account, two clients told apart by a JQL filter on a label; a ticket
    moves from one scope to the other between syncs."""
    fake = new_fake("jira")
    opened = ExitStack()
    store = opened.enter_context(backend_store(tmp_path, "store"))
    try:
        people = add_people(fake)
        at = datetime.now(UTC) - timedelta(days=10)
        labels = {"acme": ("acme",), "globex": ("globex",), "nobody": ()}
        tickets: dict[str, list[str]] = {name: [] for name in labels}
        for n in range(30):
            owner = ("acme", "globex", "nobody")[n % 3]
            t = fake.create_ticket(f"Request {n}", people.client, labels=labels[owner],
                                   at=at + timedelta(hours=n))
            tickets[owner].append(t)
        configs = {}
        for slug in ("acme", "globex"):
            table = client_table("jira", fake, slug, people)
            table["tracker"]["jql"] = f'labels = "{slug}"'
            configs[slug] = load_world_config(tmp_path / "clients", table)

        def sync_both_and_check(start: int) -> None:
            for config in configs.values():
                summary = sync_client(config, store, SyncOptions(policy=policy(), full=full))
                assert summary.outcome == "ok", summary.error
            owners = {m: slug for slug in configs for m in outbox_markers(store, slug)}
            for ticket, marker in posts(fake, "jira", start):
                slug = owners[(ticket, marker)]  # the marker is this client's, for this ticket
                issue = fake.issues[int(ticket)]
                assert slug in issue.labels, f"{slug} commented on {issue.key} {issue.labels}"

        sync_both_and_check(0)
        assert fake.requests_to(method="POST"), "nothing was posted: the test proves nothing"
        # the client moves a ticket to the other scope, reopens one, files new ones
        mark = len(fake.log)
        fake.set_labels(tickets["acme"][0], ("globex",), at=at + timedelta(days=5))
        fake.move(tickets["globex"][1], "Done", people.team, at=at + timedelta(days=5, hours=1))
        fake.move(tickets["globex"][1], "To Do", people.client, at=at + timedelta(days=5, hours=2))
        for slug in ("acme", "globex", "nobody"):
            fake.create_ticket(f"Late {slug}", people.client, labels=labels[slug],
                               at=at + timedelta(days=6))
        sync_both_and_check(mark)
        assert list(posts(fake, "jira", mark)), "nothing posted by the second syncs: proves nothing"
    finally:
        fake.stop()
        opened.close()


@pytest.mark.parametrize("tracker", TRACKERS)
def test_two_trackers_of_one_kind_with_the_same_ids(tracker: str, tmp_path: Path) -> None:
    """Two clients on two fakes whose ticket ids collide (Jira and Asana number them alike),
    synced into one store: each fake only receives its own client's notices."""
    with backend_store(tmp_path, "store") as store, ExitStack() as stack:
        a = stack.enter_context(world(tracker, tmp_path / "a", "alpha", store,
                                      team_tickets=20, requests=6))
        b = stack.enter_context(world(tracker, tmp_path / "b", "beta", store,
                                      team_tickets=20, requests=6))
        if tracker != "trello":  # Trello ids are random: no collision to try there
            assert set(a.tickets) == set(b.tickets)
        for _ in range(2):
            for w in (a, b):
                assert w.sync().outcome == "ok"
        for w in (a, b):
            sent = list(posts(w.fake, tracker))
            assert sent and len(sent) == len(set(sent))
            assert set(sent) == outbox_markers(store, w.client)
        assert not outbox_markers(store, "alpha") & outbox_markers(store, "beta")


def test_sync_all_one_client_refused_the_others_synced(tmp_path: Path) -> None:
    """``revbridge sync --all``: a client whose token is refused fails alone (exit 3); the
    three others, one per tracker, sync and post to their own tracker only."""
    folder = tmp_path / "clients"
    env: dict[str, str] = {}
    with ExitStack() as stack:
        env["REVBRIDGE_DB"] = url = stack.enter_context(backend_url(tmp_path, "rb"))
        fakes: dict[str, tuple[Fake, People]] = {}
        for tracker in TRACKERS:
            fake = new_fake(tracker)
            stack.callback(fake.stop)
            people = add_people(fake)
            seed(fake, people, team_tickets=10, requests=4)
            table = client_table(tracker, fake, f"c-{tracker}", people)
            load_world_config(folder, table)
            env[table["tracker"]["token"].removeprefix("env:")] = fake.token
            fakes[tracker] = (fake, people)
        bad = client_table("jira", fakes["jira"][0], "refused", fakes["jira"][1])
        load_world_config(folder, bad)
        env[bad["tracker"]["token"].removeprefix("env:")] = "not-the-token"
        proc = run_cli(tmp_path, env, "sync", "--all", "--json")
        assert proc.returncode == 3, proc.stderr
        summaries = {s["client"]: s for s in json.loads(proc.stdout)}
        assert summaries["refused"]["outcome"] == "failed"
        store = Store.open(url)
        try:
            for tracker, (fake, _) in fakes.items():
                client = f"c-{tracker}"
                assert summaries[client]["outcome"] == "ok", summaries[client]
                sent = set(posts(fake, tracker))
                assert sent and sent == outbox_markers(store, client)
            assert store.outbox("refused") == []
        finally:
            store.close()


def run_cli(tmp_path: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """The CLI in a subprocess; its output is kept under ``tmp_path`` for the secret scan."""
    full_env: dict[str, Any] = {**os.environ, "PYTHONPATH": str(ROOT),
                                "REVBRIDGE_CONFIG_DIR": str(tmp_path / "clients"),
                                "REVBRIDGE_DB": f"sqlite:///{tmp_path / 'rb.db'}", **env}
    proc = subprocess.run([sys.executable, "-m", "bridge", *args], env=full_env,
                          capture_output=True, text=True, timeout=300)
    (tmp_path / "cli-output.txt").write_text(proc.stdout + proc.stderr)
    return proc
