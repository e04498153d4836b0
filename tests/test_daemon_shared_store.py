"""Two daemons on one PostgreSQL store share the clients: each client synced, no notice twice."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

import connectors
from connectors.testing.fakes.base import Fault
from tests.daemon_world import daemon_world, wait_for

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
