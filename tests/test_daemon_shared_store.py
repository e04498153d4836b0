"""Two daemons on one PostgreSQL store share the clients: each client synced, no notice twice."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

import connectors
from connectors.testing.fakes.base import Fault
from tests.daemon_world import DaemonProcess, daemon_world, wait_for

pytestmark = pytest.mark.postgres


def test_two_daemons_on_one_postgres_store_post_each_notice_once(
    tmp_path: Path, pg_url: str
) -> None:
    with daemon_world(tmp_path, db=pg_url) as world:
        clients = [world.add_client(f"c-{name}", name) for name in connectors.names()]
        for client in clients:  # a comment posted is answered late: a wide window for twins
            client.fake.inject(Fault("slow-after-commit", times=10**6, method="POST",
                                     delay=0.1))
        # both start on a fresh schema: the migrations run one daemon after the other
        first = world.daemon("--lock-timeout", "0.2", "--watch", "0")
        second = world.daemon("--lock-timeout", "0.2", "--watch", "0")
        with first, second:
            for daemon in (first, second):
                wait_for(lambda d=daemon: "scheduled every 1s" in d.output,
                         what="both daemons scheduling", daemon=daemon)
            for n in range(4):  # new requests while both daemons run: new notices each cycle
                for client in clients:
                    client.story.tickets[f"new-{n}"] = client.fake.create_ticket(
                        f"Request {n}", client.story.client)
                time.sleep(0.5)
            added = datetime.now(UTC)
            for client in clients:  # several cycles, one since the last request came in
                wait_for(lambda c=client: len(runs := world.ok_runs(c.slug)) >= 3 and any(
                    r.started_at > added for r in runs),
                    what=f"{client.slug} synced after the last request", daemon=first)
            first.terminate()
            second.terminate()
            exits = [first.exited(), second.exited()]
        assert [code for code, _ in exits] == [0, 0], first.output + second.output
        assert all(seconds < 10 for _, seconds in exits)

        for client in clients:
            runs = world.runs(client.slug)
            assert len([r for r in runs if r.outcome == "ok"]) >= 3, client.slug
            # a run is ok, or was ended by its daemon stopping (after a committed page)
            assert all(r.outcome == "ok" or "Interrupted" in (r.error or "") for r in runs), [
                (r.outcome, r.error) for r in runs if r.outcome != "ok"]
            markers = client.bridge_markers()
            assert len(markers) == len(set(markers)), client.slug  # no notice posted twice
            # and every notice queued was posted: nothing left pending for a later run
            store = world.open_store()
            assert store.outbox(client.slug, ("pending", "sending")) == []
            assert len(store.outbox(client.slug, ("posted",))) == len(markers)
            # each of the four new requests was acknowledged (round 3, beyond the quote)
            new = [client.story.tickets[f"new-{n}"] for n in range(4)]
            assert all(any("rb-" in body for _, body in client.fake.comment_bodies(t))
                       for t in new), client.slug
        for daemon in (first, second):
            assert " synced in " in daemon.output  # both did part of the work


PERIOD = 2.0  # seconds: the clients' schedule in the takeover test


def test_a_killed_daemons_clients_are_taken_over_within_one_period(
    tmp_path: Path, pg_url: str
) -> None:
    with daemon_world(tmp_path, db=pg_url) as world:
        client = world.add_client("held", every=f"{PERIOD:g}s")
        other = world.add_client("free", "trello", every=f"{PERIOD:g}s")
        # the held client's first comment lands on the tracker, then its answer takes 60 s:
        # the daemon that sent it sits in the sync, holding the client's lock, when killed.
        # One worker: while it waits, the free client queues in the first daemon, so the
        # second one must take it (neither daemon idles while the other has a queue)
        client.fake.inject(Fault("slow-after-commit", times=1, method="POST",
                                 path_contains="/comment", delay=60))
        first = world.daemon("--lock-timeout", "0.2", "--watch", "0", "--workers", "1")
        with first:
            wait_for(lambda: client.fake.requests_to("/comment", method="POST"), timeout=60,
                     what="the first daemon posting its first comment", daemon=first)
            second = world.daemon("--lock-timeout", "0.2", "--watch", "0")
            with second:
                wait_for(lambda: second.output.count("scheduled every") == 2, timeout=60,
                         what="the second daemon scheduling both clients", daemon=second)
                wait_for(lambda: " synced in " in second.output, timeout=30,
                         what="the second daemon syncing the free client", daemon=second)
                assert not world.ok_runs("held")  # still held by the first daemon
                first.proc.kill()  # SIGKILL: no clean-up, the lock goes with the connection
                first.proc.wait()
                killed = datetime.now(UTC)
                taken = wait_for(lambda: [r for r in world.ok_runs("held")
                                          if r.started_at > killed], timeout=30,
                                 what="the second daemon syncing the held client",
                                 daemon=second)
                second.stop()
        started = taken[0].started_at
        started = started if started.tzinfo else started.replace(tzinfo=UTC)
        # taken over at its next scheduled run: within one period (and its small jitter)
        assert (started - killed).total_seconds() <= PERIOD * 1.1 + 0.5, (started, killed)
        markers = client.bridge_markers()
        assert markers and len(markers) == len(set(markers))  # nothing posted twice
        assert len(other.bridge_markers()) == len(set(other.bridge_markers()))
        store = world.open_store()
        assert store.outbox("held", ("pending", "sending")) == []


def synced(daemon: DaemonProcess) -> list[tuple[str, datetime]]:
    """(client, when) of every sync a daemon (``--log-format json``) reported done."""
    records = [json.loads(line) for line in list(daemon.lines) if line.startswith("{")]
    return [(r["client"], datetime.fromisoformat(r["time"])) for r in records
            if r.get("event") == "synced"]


def test_a_daemon_with_a_full_queue_leaves_the_other_clients_to_the_second_daemon(
    tmp_path: Path, pg_url: str
) -> None:
    with daemon_world(tmp_path, db=pg_url) as world:
        slow = world.add_client("slow", every=f"{PERIOD:g}s")
        free = [world.add_client(f"free-{name}", name, every=f"{PERIOD:g}s")
                for name in connectors.names()]
        slugs = [client.slug for client in free]
        # one worker: alone, the first daemon syncs every client in turn
        first = world.daemon("--lock-timeout", "0.2", "--watch", "0", "--workers", "1",
                             "--log-format", "json")
        with first:
            wait_for(lambda: all(world.ok_runs(c.slug) for c in [slow, *free]), timeout=90,
                     what="the first daemon syncing every client", daemon=first)
            # then the slow client's tracker hangs: its sync holds the first daemon's only
            # worker, and every other client queues behind it there
            mark = len(slow.fake.log)
            slow.fake.inject(Fault("timeout", times=10**6, delay=120))
            wait_for(lambda: len(slow.fake.log) > mark, timeout=60,
                     what="the first daemon stuck on the slow tracker", daemon=first)
            [stuck] = [r for r in world.runs("slow") if r.outcome == "running"]
            second = world.daemon("--lock-timeout", "0.2", "--watch", "0", "--workers", "2",
                                  "--log-format", "json")
            with second:
                # the second daemon takes the first one's queue: every free client, twice
                wait_for(lambda: all(sum(1 for slug, _ in synced(second) if slug == s) >= 2
                                     for s in slugs), timeout=90,
                         what="the second daemon syncing every free client twice",
                         daemon=second)
                second.stop()
            before, after = synced(first), synced(second)
            first.kill()
        assert {slug for slug, _ in before} == {"slow", *slugs}  # the first did its share
        assert {slug for slug, _ in after} == set(slugs)  # the slow client stayed locked
        since = stuck.started_at if stuck.started_at.tzinfo else stuck.started_at.replace(
            tzinfo=UTC)
        # while stuck, the first daemon synced nothing: the queue was the second's to take
        assert all(when <= since for _, when in before), (since, before)
