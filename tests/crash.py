"""Crash and concurrency tests' tools: a slower fake, posts that land and then fail, SIGKILL
campaigns against ``revbridge sync`` subprocesses, and the exactly-once check.

Everything runs for real: the sync is ``python -m bridge sync`` in its own process, talking
HTTP to a stateful fake in the test process; kills are SIGKILL.
"""

from __future__ import annotations

import json
import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from bridge.cli.story import play_story, story_start
from bridge.present.notices import find_marker, marker_for, notice_key
from connectors.testing.fakes import Fake, make_fake, tracker_table
from connectors.testing.fakes.base import Fault, Response
from tests.e2e import TOKEN_ENV, World, write_client_file
from tests.more_requests import play_more

#: the POST that creates a comment, per tracker
COMMENT_POST = {
    "jira": re.compile(r"/rest/api/2/issue/[^/]+/comment$"),
    "trello": re.compile(r"/1/cards/[^/]+/actions/comments$"),
    "asana": re.compile(r"/tasks/\d+/stories$"),
}
#: a path fragment of the requests a pull makes, per tracker
PULL_PATH = {"jira": "/search", "trello": "/boards/", "asana": "/tasks"}
#: a path fragment of the comment POST (for ``Fault.path_contains``)
COMMENT_PATH = {"jira": "/comment", "trello": "/actions/comments", "asana": "/stories"}


def is_comment_post(tracker: str, method: str, path: str) -> bool:
    return method == "POST" and COMMENT_POST[tracker].search(path) is not None


class Slowdown:
    """Wraps a fake's dispatcher: each request takes ``latency`` s longer, and the next
    ``fail_after_commit`` comment POSTs are answered 502 *after* the comment was created."""

    def __init__(self, fake: Fake, tracker: str, latency: float) -> None:
        self.tracker, self.latency = tracker, latency
        self.fail_after_commit = 0
        #: answers given instead of the real one to the next comment POSTs that landed
        self.answers_after_commit: list[Response] = []
        self._lock = threading.Lock()
        self._inner = fake._dispatch
        fake._dispatch = self  # type: ignore[method-assign]

    def __call__(self, method: str, path: str, query: dict[str, list[str]],
                 headers: dict[str, str], body: bytes) -> Response:
        if self.latency:
            time.sleep(self.latency)
        response = self._inner(method, path, query, headers, body)
        if is_comment_post(self.tracker, method, path) and response.status < 300:
            with self._lock:
                if self.fail_after_commit > 0:
                    self.fail_after_commit -= 1
                    return Response(502, {"errorMessages": ["Bad gateway"]})
                if self.answers_after_commit:
                    return self.answers_after_commit.pop(0)
        return response


@dataclass
class CrashWorld(World):
    slowdown: Slowdown | None = None
    grown: int = 0

    def grow(self, count: int) -> list[str]:
        """The client files ``count`` more requests (and the team works on them), now."""
        made = play_more(self.fake, self.story, count, first=self.grown)
        self.grown += count
        return made

    def sync_process(self, *args: str, db: str | None = None,
                     env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
        extra = {"REVBRIDGE_DB": db} if db else {}
        return subprocess.Popen(
            [sys.executable, "-m", "bridge", "sync", "demo", "--json", *args],
            env={**self.env, **extra, **(env or {})},
            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


@contextmanager
def crash_world(tracker: str, folder: Path, *, more: int = 0, latency: float = 0.0,
                **client_overrides: Any) -> Iterator[CrashWorld]:
    """The story plus ``more`` tickets on a started fake, a client file and a SQLite URL."""
    fake = make_fake(tracker)
    fake.start()
    try:
        story = play_story(fake)
        world = CrashWorld(tracker, fake, story, folder / "clients", f"sqlite:///{folder}/rb.db")
        if more:
            play_more(fake, story, more, first=0, start=story_start() + timedelta(days=5))
            world.grown = more
        table = story.client_file(tracker_table(tracker, fake, f"env:{TOKEN_ENV}"))
        for section, values in client_overrides.items():
            table[section] = {**table.get(section, {}), **values}
        write_client_file(world.config_dir, table)
        if latency:
            world.slowdown = Slowdown(fake, tracker, latency)
        yield world
    finally:
        fake.stop()


# -- the exactly-once check ------------------------------------------------------------------

def outbox_rows(db: str) -> list[dict[str, Any]]:
    """The outbox of a SQLite store, read with sqlite3 (the test never opens it for writing)."""
    path = db.removeprefix("sqlite:///")
    if not Path(path).exists():
        return []
    with sqlite3.connect(path, timeout=30) as conn:
        conn.row_factory = sqlite3.Row
        try:
            rows = conn.execute("SELECT * FROM outbox ORDER BY id").fetchall()
        except sqlite3.OperationalError:  # killed before the tables were made
            return []
    return [dict(r) for r in rows]


def markers_on_tracker(world: World) -> Counter[tuple[str, str]]:
    """(ticket, marker) of every bridge comment on the fake, counted."""
    found: Counter[tuple[str, str]] = Counter()
    for ticket in set(world.story.tickets.values()):
        for _, body in world.fake.comment_bodies(ticket):
            marker = find_marker(body)
            if marker is not None:
                found[(ticket, marker)] += 1
    return found


def without_last_sync(status: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in status.items() if k != "last_sync"}


def assert_exactly_once(world: CrashWorld, tmp: Path, *, reference: bool = True
                        ) -> dict[str, Any]:
    """One clean rerun, then: every notice on the tracker exactly once, none missing, no
    ticket missing, and (``reference``) the ledger equal to an uninterrupted sync's on a
    fresh store, which finds every notice already there."""
    world.fake.clear_faults()
    if world.slowdown is not None:
        world.slowdown.latency, world.slowdown.fail_after_commit = 0.0, 0
    rerun = json.loads(world.cli("sync", "demo", "--json").stdout)
    assert rerun["outcome"] == "ok", rerun
    status = world.status()

    on_tracker = markers_on_tracker(world)
    twice = {k: n for k, n in on_tracker.items() if n > 1}
    assert not twice, f"notices posted more than once: {twice}"
    rows = outbox_rows(world.db)
    assert {r["state"] for r in rows} <= {"posted"}, Counter(r["state"] for r in rows)
    assert {(r["ticket_id"], r["marker"]) for r in rows} == set(on_tracker), \
        "the tracker's bridge comments differ from the outbox"
    ids = {ticket: dict(world.fake.comment_bodies(ticket))
           for ticket in {r["ticket_id"] for r in rows}}
    for r in rows:  # each row points at the comment that carries its marker
        assert find_marker(ids[r["ticket_id"]][r["remote_comment_id"]]) == r["marker"], r
    wanted = {(r["remote_id"], marker_for(notice_key(
                  "demo", r["remote_id"], datetime.fromisoformat(r["at"]), kind)))
              for r in status["requests"] for kind in r["notices"]}
    assert wanted and wanted <= set(on_tracker), f"missing notices: {wanted - set(on_tracker)}"

    path = world.db.removeprefix("sqlite:///")
    with sqlite3.connect(path) as conn:
        stored = {row[0] for row in conn.execute(
            "SELECT remote_id FROM tickets WHERE client = 'demo' AND NOT deleted")}
    assert stored == set(world.story.tickets.values()), "tickets missing from the store"

    figures = {"notices": sum(on_tracker.values()), "tickets": len(stored),
               "requests": len(status["requests"])}
    if not reference:
        return figures
    fresh = f"sqlite:///{tmp}/fresh.db"
    reference = json.loads(world.cli("sync", "demo", "--json", env={"REVBRIDGE_DB": fresh}).stdout)
    assert reference["outcome"] == "ok" and reference["notices_posted"] == 0, reference
    assert reference["notices_found_posted"] == len(wanted)
    fresh_status = json.loads(world.cli("status", "demo", "--json",
                                        env={"REVBRIDGE_DB": fresh}).stdout)
    assert without_last_sync(fresh_status) == without_last_sync(status)
    assert markers_on_tracker(world) == on_tracker
    return figures


# -- SIGKILL campaigns ----------------------------------------------------------------------

@dataclass
class Campaign:
    """Kills ``revbridge sync`` at random moments, one store reused across kills."""

    world: CrashWorld
    rng: random.Random
    faults: bool = False
    #: after the first request reaches the fake, a kill comes uniformly within this many
    #: seconds: the length of the last run that was not killed, widened by 10 % per kill since
    #: (the startup before the first request is the same in every run)
    window: float = 1.0
    kills: int = 0
    runs: int = 0
    finished_ok: int = 0
    finished_failed: int = 0
    phases: Counter[str] = field(default_factory=Counter)
    #: kills that left a notice `sending` (its POST started, its result not recorded)
    left_sending: int = 0
    #: ... of which the comment had reached the tracker
    landed_unrecorded: int = 0
    faults_injected: Counter[str] = field(default_factory=Counter)
    _may_fail: bool = False

    def run(self, kills: int, max_runs: int | None = None) -> Campaign:
        max_runs = max_runs or kills * 4
        while self.kills < kills and self.runs < max_runs:
            if self.runs:  # the client keeps working between two syncs
                self.world.grow(self.rng.choice((1, 2, 3)))
            self._inject()
            self._one_run(full=self.rng.random() < 0.1)
            self.world.fake.clear_faults()
            if self.world.slowdown is not None:
                self.world.slowdown.fail_after_commit = 0
        assert self.kills == kills, f"only {self.kills} kills landed in {self.runs} runs"
        return self

    #: faults that fail a run (a comment POST answered 5xx is never retried)
    FAILING = frozenset({"500 on a comment POST", "502 after the comment landed"})

    def _inject(self) -> None:
        self._may_fail = False
        if not self.faults or self.rng.random() < 0.25:
            return
        tracker, fake = self.world.tracker, self.world.fake
        pull, post = PULL_PATH[tracker], COMMENT_PATH[tracker]
        menu = {
            "429 on a pull": lambda: fake.inject(Fault(
                "429", times=self.rng.randint(1, 3), method="GET", path_contains=pull,
                retry_after=0)),
            "503 on a pull": lambda: fake.inject(Fault(
                "503", times=1, method="GET", path_contains=pull)),
            "429 on a comment POST": lambda: fake.inject(Fault(
                "429", times=1, method="POST", path_contains=post, retry_after=0)),
            "500 on a comment POST": lambda: fake.inject(Fault(
                "500", times=1, method="POST", path_contains=post)),
            "slow-after-commit on a comment POST": lambda: fake.inject(Fault(
                "slow-after-commit", times=1, method="POST", path_contains=post, delay=0.5)),
            "502 after the comment landed": self._fail_after_commit,
        }
        for name in self.rng.sample(sorted(menu), self.rng.randint(1, 2)):
            menu[name]()
            self.faults_injected[name] += 1
            self._may_fail |= name in self.FAILING

    def _fail_after_commit(self) -> None:
        assert self.world.slowdown is not None
        self.world.slowdown.fail_after_commit = 1

    def _one_run(self, full: bool) -> None:
        fake = self.world.fake
        mark = len(fake.log)
        before = {r["key"] for r in outbox_rows(self.world.db) if r["state"] == "sending"}
        self.runs += 1
        proc = self.world.sync_process(*(["--full"] if full else []))
        while len(fake.log) == mark and proc.poll() is None:
            time.sleep(0.002)
        first = time.monotonic()
        delay = self.rng.uniform(0, self.window)
        try:
            out, err = proc.communicate(timeout=delay)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.communicate()
            self.kills += 1
            self._classify(fake.log[mark:], full, before)
            # this run was longer than the delay: widen the window until runs finish again
            self.window *= 1.1
            return
        self.window = max(0.2, time.monotonic() - first)
        if proc.returncode == 0:
            self.finished_ok += 1
            return
        self.finished_failed += 1
        # only a 5xx on a comment POST may fail a run: exit 1, a message, never a traceback
        assert self._may_fail and proc.returncode == 1, (proc.returncode, out, err)
        assert json.loads(out)["outcome"] == "failed" and b"Traceback" not in err, err

    def _classify(self, requests: list[Any], full: bool, sending_before: set[str]) -> None:
        tracker = self.world.tracker
        posts = [r for r in requests if is_comment_post(tracker, r.method, r.path)]
        if not posts:
            phase = "full pull / derive (no POST yet)" if full else "pull / derive (no POST yet)"
        elif posts[-1].status == 0:
            phase = "during a comment POST"
        else:
            phase = "between comment POSTs / after posting"
        self.phases[phase] += 1
        on_tracker = markers_on_tracker(self.world)
        for row in outbox_rows(self.world.db):
            if row["state"] == "sending" and row["key"] not in sending_before:
                self.left_sending += 1
                if (row["ticket_id"], row["marker"]) in on_tracker:
                    self.landed_unrecorded += 1

    def figures(self) -> dict[str, Any]:
        return {"kills": self.kills, "runs": self.runs, "finished_ok": self.finished_ok,
                "finished_failed": self.finished_failed, "phases": dict(self.phases),
                "left_sending": self.left_sending, "landed_unrecorded": self.landed_unrecorded,
                "injected": dict(self.faults_injected)}


def calibrate(tracker: str, folder: Path, more: int, latency: float) -> float:
    """Seconds from the first request to the end of an uninterrupted first sync."""
    with crash_world(tracker, folder, more=more, latency=latency) as twin:
        mark = len(twin.fake.log)
        proc = twin.sync_process()
        while len(twin.fake.log) == mark and proc.poll() is None:
            time.sleep(0.002)
        first = time.monotonic()
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        return time.monotonic() - first
