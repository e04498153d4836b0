"""``revbridge daemon`` as a real process, against fake trackers served from this process."""

from __future__ import annotations

import itertools
import json
import signal
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlmodel import col

from bridge.store.models import TicketRow
from connectors.testing.fakes.base import Fault
from tests.daemon_world import daemon_world, wait_for


def test_failing_clients_back_off_or_pause_while_the_others_keep_their_schedule(
    tmp_path: Path,
) -> None:
    with daemon_world(tmp_path) as world:
        good = world.add_client("good")
        broken = world.add_client("broken")
        broken.fake.inject(Fault("malformed", times=10**6, path_contains="/search"))
        # every 20 s: once fixed it must be retried at once, not at its next period
        refused = world.add_client("refused", token="not-the-right-token", every="20s")
        world.env["RB_DAEMON_TOKEN_FIXED"] = refused.fake.token
        with world.daemon("--log-format", "json", "--watch", "0.3") as daemon:
            wait_for(lambda: len(world.ok_runs("good")) >= 4 and len(world.runs("broken")) >= 2,
                     what="four good runs and two broken ones", daemon=daemon)
            health = {c["client"]: c for c in json.loads(world.cli("clients", "--json").stdout)}
            good_runs, broken_runs = world.ok_runs("good"), world.runs("broken")
            refused_runs = world.runs("refused")

            # the broken tracker's client failed, with its reason, and backed off: 2 s, then
            # 4 s between tries, while the good client ran every second
            broken_runs = [r for r in broken_runs if r.outcome != "running"]
            assert {r.outcome for r in broken_runs} == {"failed"}, [r.error for r in broken_runs]
            assert all("JSONDecodeError" in (r.error or "") for r in broken_runs), [
                r.error for r in broken_runs]
            assert len(broken_runs) < len(good_runs)
            gaps = [(b.started_at - a.started_at).total_seconds()
                    for a, b in itertools.pairwise(broken_runs)]
            assert all(gap >= 2 ** n * 2 - 0.05 for n, gap in enumerate(gaps)), gaps
            assert health["broken"]["failures"] >= 1 and health["broken"]["retry_at"]
            assert health["good"]["failures"] == 0 and health["good"]["next_run"]
            assert health["good"]["last_run"]["outcome"] in ("ok", "running")  # every second
            # refused credentials: one try, then paused until the file changes
            assert [r.outcome for r in refused_runs] == ["failed"]
            assert "CredentialsRefused" in (health["refused"]["paused"] or "")
            assert health["refused"]["next_run"] is None
            # the good client's notices are on its tracker, each once
            markers = good.bridge_markers()
            assert markers and len(markers) == len(set(markers))

            # the right token was in the daemon's environment all along, under another name:
            # pointing the file at it resumes the client
            refused.table["tracker"]["token"] = "env:RB_DAEMON_TOKEN_FIXED"
            refused.write()
            wait_for(lambda: world.ok_runs("refused"), timeout=8,
                     what="the refused client resumed", daemon=daemon)
            code, seconds = daemon.stop()
        assert code == 0 and seconds < 10

    records = [json.loads(line) for line in daemon.lines]  # every line is a JSON object
    events = [(r.get("client"), r.get("event")) for r in records]
    assert ("broken", "backoff") in events and ("refused", "paused") in events
    backoffs = [r["message"] for r in records if r.get("event") == "backoff"]
    assert "1 failure(s) in a row, next try in 2s" in backoffs[0]
    assert "2 failure(s) in a row, next try in 4s" in backoffs[1]
    paused = next(r["message"] for r in records if r.get("event") == "paused")
    assert "revbridge auth set refused" in paused and "HTTP 401" in paused
    assert ("good", "synced") in events and ("refused", "synced") in events
    for secret in [*world.secrets(), "not-the-right-token"]:
        assert secret not in daemon.output


def test_sigterm_ends_the_running_sync_after_a_committed_page_and_exits_0(
    tmp_path: Path,
) -> None:
    with daemon_world(tmp_path) as world:
        client = world.add_client("big", every="5s")
        for n in range(250):  # three search pages of 100; chores: no notices to post
            client.fake.create_ticket(f"Chore {n}", client.story.team, labels=("internal",))
        client.fake.inject(Fault("timeout", times=100, delay=1.2, path_contains="/search"))
        store = world.open_store()

        def stored() -> int:
            with store.session() as s:
                query = select(func.count()).select_from(TicketRow).where(
                    col(TicketRow.client) == "big")
                return int(s.execute(query).scalar_one())

        with world.daemon() as daemon:
            before = wait_for(stored, what="the first page committed", daemon=daemon)
            code, seconds = daemon.stop()
        assert code == 0 and seconds < 10, daemon.output
        after = stored()
        # nothing committed was lost, the sync stopped at a page boundary before the end
        assert before <= after < 255 and after % 100 == 0, (before, after)
        assert store.get_cursor("big") is not None
        [run] = world.runs("big")
        assert run.outcome == "failed" and run.finished_at is not None
        assert "Interrupted: the daemon is stopping" in (run.error or "")
        assert "big: the daemon is stopping" in daemon.output

        client.fake.clear_faults()
        done = world.cli("sync", "big", "--json")
        assert done.returncode == 0, done.stderr
        assert stored() == 255  # the story's five tickets and the 250
        markers = client.bridge_markers()
        assert markers and len(markers) == len(set(markers))


def test_sighup_adds_and_removes_clients_and_a_broken_file_keeps_its_last_good_version(
    tmp_path: Path,
) -> None:
    with daemon_world(tmp_path) as world:
        alpha = world.add_client("alpha")
        beta = world.add_client("beta", "trello", write=False)
        with world.daemon("--watch", "0") as daemon:
            wait_for(lambda: world.ok_runs("alpha"), what="alpha synced", daemon=daemon)
            beta.write()
            time.sleep(1.0)  # file watching is off: only SIGHUP picks it up
            assert world.runs("beta") == []
            daemon.signal(signal.SIGHUP)
            wait_for(lambda: world.ok_runs("beta"), what="beta synced", daemon=daemon)

            alpha.table["quote"]["rounds_included"] = -1
            alpha.table["colour"] = "blue"
            alpha.write()
            daemon.signal(signal.SIGHUP)
            wait_for(lambda: "keeping its last good version" in daemon.output,
                     what="the broken file reported", daemon=daemon)
            seen = len(world.ok_runs("alpha"))
            wait_for(lambda: len(world.ok_runs("alpha")) >= seen + 2,
                     what="alpha still synced", daemon=daemon)

            beta.path.unlink()
            daemon.signal(signal.SIGHUP)
            wait_for(lambda: "beta: no longer scheduled" in daemon.output,
                     what="beta removed", daemon=daemon)
            gone = len(world.runs("beta"))
            time.sleep(1.0)
            assert len(world.runs("beta")) == gone
            code, seconds = daemon.stop()
        assert code == 0 and seconds < 10
    log = daemon.output
    assert f"{alpha.path}: [quote] rounds_included: Input should be greater than or equal" in log
    assert f"{alpha.path}: colour: unknown key" in log
    assert "beta: scheduled every 1s" in log
    for secret in world.secrets():
        assert secret not in log


@pytest.mark.slow
def test_sigterm_exits_0_within_10_s_even_while_a_tracker_hangs(tmp_path: Path) -> None:
    with daemon_world(tmp_path) as world:
        client = world.add_client("stuck", every="5s")
        client.fake.inject(Fault("timeout", times=1, delay=20, path_contains="/search"))
        with world.daemon() as daemon:
            wait_for(lambda: client.fake.requests_to("/search"), what="a search under way",
                     daemon=daemon)
            code, seconds = daemon.stop()
        assert code == 0 and seconds < 10, daemon.output
        assert "stopping now with 1 sync(s) still waiting on a tracker (stuck)" in daemon.output
        [run] = world.runs("stuck")
        assert run.outcome == "failed" and "Interrupted: the daemon stopped" in (run.error or "")
        # the abandoned sync's lock died with the process: the next sync runs at once
        done = world.cli("sync", "stuck", "--json")
        assert done.returncode == 0, done.stderr
        assert client.bridge_markers()
