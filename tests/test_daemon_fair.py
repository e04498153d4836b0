"""A hanging tracker keeps at most its share of the daemon's workers (bridge/daemon/fair.py):
the clients of other trackers keep their schedule, late by less than one period."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

from connectors.testing.fakes.base import Fault
from tests.daemon_world import daemon_world, wait_for
from tests.e2e import write_client_file

PERIOD = 3.0  # seconds: the healthy client's schedule


def test_a_hanging_tracker_does_not_delay_the_other_clients(tmp_path: Path) -> None:
    with daemon_world(tmp_path) as world:
        hanging = world.add_client("hang-a", every="1s")
        # every request to this tracker takes 20 s: each of its syncs holds a worker that long
        hanging.fake.inject(Fault("timeout", times=10**6, delay=20))
        for slug in ("hang-b", "hang-c"):  # three clients on it: more than the two workers
            table = {**hanging.table, "client": slug}
            write_client_file(world.folder, table, slug)
        healthy = world.add_client("quick", "trello", every=f"{PERIOD:g}s")
        with world.daemon("--workers", "2", "--log-format", "json") as daemon:
            wait_for(lambda: len(world.ok_runs("quick")) >= 5, timeout=40,
                     what="five syncs of the healthy client", daemon=daemon)
            runs = world.ok_runs("quick")
            daemon.stop()
        starts = [r.started_at for r in runs]
        gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(starts)]
        # on time or late by less than one period (the jitter is a tenth of it)
        assert max(gaps) < 2 * PERIOD, gaps
        # the hanging tracker did hold a worker, and the skips were said
        assert hanging.fake.log, "the hanging tracker was never asked"
        assert not any(r.outcome == "ok" for slug in ("hang-a", "hang-b", "hang-c")
                       for r in world.runs(slug))
        records = [json.loads(line) for line in daemon.lines]
        skipped = [r for r in records if r.get("event") == "skipped"]
        assert skipped and all(r.get("client", "").startswith("hang-") for r in skipped)
        assert "still running" in skipped[0]["message"]
        assert healthy.bridge_markers()
