"""The dashboard over HTTP (Starlette's test client, no browser): language, token, host and
CSRF checks, "sync now" while a sync runs, report downloads, the overview's order — on SQLite
and on PostgreSQL — and the ``revbridge web`` command's refusals."""

from __future__ import annotations

import os
import re
import stat
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import tomli_w
from starlette.testclient import TestClient

from bridge.clientfile.schema import ClientConfig
from bridge.store import Store
from bridge.sync.run import RunSummary, SyncOptions
from tests.e2e import ROOT
from tests.web_world import WebWorld, web_world

LOCAL = "http://127.0.0.1"


@pytest.fixture
def ww(tmp_path: Path, store_url: str) -> Iterator[WebWorld]:
    with web_world(tmp_path, store_url=store_url) as found:
        yield found


def csrf_of(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found, "no CSRF field on the page"
    return found.group(1)


def test_overview_puts_the_client_needing_attention_first(ww: WebWorld) -> None:
    calm = ww.world.config_dir / "calm.toml"
    table = {"client": "calm", "name": "Aaron Calm", "tracker": {
        "type": "jira", "url": "http://127.0.0.1:9", "project": "CALM", "email": "a@b.example",
        "token": "env:NOTHING"}, "quote": {"rounds_included": 2, "hourly_rate": 50}}
    calm.write_bytes(tomli_w.dumps(table).encode())
    broken = ww.world.config_dir / "broken.toml"
    broken.write_text('client = "broken"\n[quote]\nrounds_included = "three"\n')
    with TestClient(ww.app(), base_url=LOCAL) as http:
        page = http.get("/").text
    order = re.findall(r'data-client="([^"]+)"', page)
    assert order == ["broken", "demo", "calm"]  # a broken file, then held notices, then none
    assert "rounds_included" in page  # the broken file's problem is shown


def test_french_words_money_and_dates_from_the_shared_l10n(ww: WebWorld) -> None:
    with TestClient(ww.app(), base_url=LOCAL) as http:
        english = http.get("/clients/demo").text
        assert "Sync now" in english and "€240.00" in english
        french = http.get("/clients/demo?lang=fr").text
        assert "Synchroniser maintenant" in french and "240,00" in french
        assert "Allers-retours consommés / inclus" in french
        # the choice is remembered
        assert "Tous les clients" in http.get("/").text


def test_post_needs_the_csrf_token_and_the_same_origin(ww: WebWorld) -> None:
    held = ww.store.outbox("demo", ("held",))
    with TestClient(ww.app(), base_url=LOCAL) as http:
        token = csrf_of(http.get("/clients/demo/outbox").text)
        refused = http.post("/clients/demo/outbox/approve", data={"id": str(held[0].id)},
                            follow_redirects=False)
        assert refused.status_code == 403
        wrong = http.post("/clients/demo/outbox/approve",
                          data={"id": str(held[0].id), "csrf": "x" * 43},
                          follow_redirects=False)
        assert wrong.status_code == 403
        foreign = http.post("/clients/demo/outbox/approve",
                            data={"id": str(held[0].id), "csrf": token},
                            headers={"Origin": "http://evil.example"}, follow_redirects=False)
        assert foreign.status_code == 403
        assert len(ww.store.outbox("demo", ("held",))) == len(held)
        nothing = http.post("/clients/demo/outbox/approve", data={"csrf": token})
        assert "No notice selected." in nothing.text
        assert len(ww.store.outbox("demo", ("held",))) == len(held)
        ids = [str(row.id) for row in held[:2]]
        done = http.post("/clients/demo/outbox/discard", data={"id": ids, "csrf": token})
        assert "2 notice(s) discarded" in done.text
    states = {row.id: row.state for row in ww.store.outbox("demo")}
    assert [states[row.id] for row in held[:3]] == ["discarded", "discarded", "held"]


def test_every_response_forbids_outside_assets_and_framing(ww: WebWorld) -> None:
    with TestClient(ww.app(), base_url=LOCAL) as http:
        response = http.get("/clients/demo")
    policy = response.headers["content-security-policy"]
    assert "default-src 'none'" in policy and "frame-ancestors 'none'" in policy
    assert not re.search(r'(src|href)="(https?:)?//', response.text.split("<main>")[0])


def test_only_loopback_host_names_without_a_token(ww: WebWorld) -> None:
    for host in ("evil.example", "127.0.0.1.evil.example", "127.evil.example"):
        with TestClient(ww.app(), base_url=f"http://{host}") as http:
            response = http.get("/")
        assert response.status_code == 400 and "127.0.0.1" in response.text, host
    for host in ("localhost:8765", "127.0.0.1:8765", "[::1]:8765"):
        with TestClient(ww.app(), base_url=f"http://{host}") as http:
            assert http.get("/").status_code == 200, host


def test_a_token_guards_every_page(ww: WebWorld) -> None:
    secret = "s3cr3t-token-of-the-dashboard-0123456789"
    app = ww.app(token=secret, loopback_only=False)
    with TestClient(app, base_url="https://dash.example") as http:
        first = http.get("/clients/demo", follow_redirects=False)
        assert first.status_code == 303 and first.headers["location"].startswith("/login")
        login = http.get(first.headers["location"])
        csrf = csrf_of(login.text)
        assert http.post("/login?next=/clients/demo",
                         data={"token": "wrong", "csrf": csrf}).status_code == 401
        assert http.post("/clients/demo/sync", data={"csrf": csrf},
                         follow_redirects=False).status_code == 401
        signed = http.post("/login?next=/clients/demo", data={"token": secret, "csrf": csrf})
        assert signed.status_code == 200 and "Atelier Demo" in signed.text
        assert secret not in http.cookies.get("rb_auth", "")
    with TestClient(app, base_url="https://dash.example") as bearer:
        ok = bearer.get("/", headers={"Authorization": f"Bearer {secret}"})
        assert ok.status_code == 200 and 'data-client="demo"' in ok.text


def test_sync_now_twice_says_a_sync_is_running(ww: WebWorld) -> None:
    release = threading.Event()
    calls: list[str] = []

    def slow_sync(config: ClientConfig, store: Store, options: SyncOptions) -> RunSummary:
        calls.append(config.client)
        release.wait(30)
        return RunSummary(client=config.client, outcome="ok")

    app = ww.app(syncer=slow_sync)
    with TestClient(app, base_url=LOCAL) as http:
        csrf = csrf_of(http.get("/clients/demo").text)
        first = http.post("/clients/demo/sync", data={"csrf": csrf})
        assert "A sync of Atelier Demo is running" in first.text
        assert '<meta http-equiv="refresh"' in first.text
        second = http.post("/clients/demo/sync", data={"csrf": csrf})
        assert "already running" in second.text
        release.set()
        app.state.dashboard.jobs.wait("demo", 30)
        assert "Sync finished: ok." in http.get("/clients/demo").text
    assert calls == ["demo"]


def test_sync_now_while_another_process_syncs_says_so(ww: WebWorld) -> None:
    app = ww.app()
    with TestClient(app, base_url=LOCAL) as http, ww.store.lock("demo"):
        csrf = csrf_of(http.get("/clients/demo").text)
        http.post("/clients/demo/sync", data={"csrf": csrf})
        app.state.dashboard.jobs.wait("demo", 30)
        assert "Another process (the daemon?) is syncing" in http.get("/clients/demo").text


def test_report_downloads_and_unknown_pages(ww: WebWorld) -> None:
    with TestClient(ww.app(), base_url=LOCAL) as http:
        csv_file = http.get("/clients/demo/report.csv")
        assert csv_file.status_code == 200
        assert "attachment" in csv_file.headers["content-disposition"]
        assert "WEB-1" in csv_file.text
        assert http.get("/clients/demo/report.exe").status_code == 404
        missing = http.get("/clients/nobody")
        assert missing.status_code == 404 and "known: demo" in missing.text
        assert http.get("/clients/demo/explain/NOPE-9").status_code == 404


def run_web(*args: str, tmp_path: Path) -> tuple[int, str]:
    import subprocess
    import sys

    env = {**os.environ, "PYTHONPATH": str(ROOT), "REVBRIDGE_CONFIG_DIR": str(tmp_path),
           "REVBRIDGE_DB": f"sqlite:///{tmp_path / 'rb.db'}"}
    proc = subprocess.run([sys.executable, "-m", "bridge", "web", *args], env=env,
                          capture_output=True, text=True, timeout=60, check=False)
    return proc.returncode, proc.stdout + proc.stderr


def test_the_command_refuses_other_hosts_without_a_token(tmp_path: Path) -> None:
    code, text = run_web("--host", "0.0.0.0", tmp_path=tmp_path)
    assert code == 2 and "--new-token" in text and "--token-file" in text
    assert "Traceback" not in text
    token = tmp_path / "web-token"
    code, text = run_web("--new-token", "--token-file", str(token), tmp_path=tmp_path)
    assert code == 0 and str(token) in text
    assert stat.S_IMODE(token.stat().st_mode) == 0o600
    assert token.read_text().strip() not in text  # the secret is never printed
    token.chmod(0o644)
    code, text = run_web("--host", "0.0.0.0", "--token-file", str(token), tmp_path=tmp_path)
    assert code == 2 and "chmod 600" in text


def test_an_edit_keeps_the_marker_revbridge_s(ww: WebWorld) -> None:
    from bridge.present.notices import find_marker
    from bridge.sync.outbox import discard, edit, editable_text
    from connectors.errors import ConfigError

    first, second = ww.store.outbox("demo", ("held",))[:2]
    assert first.id is not None and second.id is not None
    row = edit(ww.store, "demo", first.id, "Noted, thanks!\r\n\r\nSee you.\r\n")
    assert editable_text(row.body, row.marker) == "Noted, thanks!\n\nSee you."
    assert find_marker(row.body) == first.marker
    with pytest.raises(ConfigError, match="reads like a revbridge marker"):
        edit(ww.store, "demo", first.id, f"Pretending: {second.marker}")
    with pytest.raises(ConfigError, match="text is empty"):
        edit(ww.store, "demo", first.id, "  \n ")
    discard(ww.store, "demo", [first.id])
    with TestClient(ww.app(), base_url=LOCAL) as http:
        csrf = csrf_of(http.get("/clients/demo/outbox").text)
        refused = http.post(f"/clients/demo/outbox/{first.id}/edit",
                            data={"text": "too late", "csrf": csrf})
        assert refused.status_code == 400
        assert "it was discarded and will never be posted" in refused.text


def test_the_demo_ends_with_a_command_that_opens_it_in_the_dashboard(tmp_path: Path) -> None:
    import socket
    import subprocess
    import sys
    import time
    from urllib.error import URLError
    from urllib.request import urlopen

    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "300"}
    demo = subprocess.run([sys.executable, "-m", "bridge", "demo"], env=env,
                          capture_output=True, text=True, timeout=120, check=True)
    command = demo.stdout.strip().splitlines()[-1].split()
    assert command[:2] == ["revbridge", "web"] and "--open" in command
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    args = [a for a in command[2:] if a != "--open"] + ["--port", str(port)]
    server = subprocess.Popen([sys.executable, "-m", "bridge", "web", *args], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        page = None
        for _ in range(200):
            try:
                with urlopen(f"http://127.0.0.1:{port}/", timeout=5) as response:
                    page = response.read().decode()
                break
            except (URLError, ConnectionError):
                time.sleep(0.1)
        assert page is not None
        assert 'data-client="demo"' in page and "Atelier Demo" in page
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=30)
    assert f"http://127.0.0.1:{port}/" in output


def test_ledgers_are_kept_until_the_store_changes(ww: WebWorld) -> None:
    from bridge.web.board import Board

    board = Board(ww.store, ww.world.config_dir, max_age=3600)
    first = board.client("demo")
    assert first is not None and first.ledger is not None
    again = board.client("demo")
    assert again is not None and again.ledger is first.ledger  # nothing changed: kept
    ww.world.fake.create_ticket("Header: one more change", ww.world.story.client)
    assert ww.sync().outcome == "ok"
    after = board.client("demo")
    assert after is not None and after.ledger is not None
    assert len(after.ledger.requests) == len(first.ledger.requests) + 1
    board.ledgers.max_age = 0  # too old: shown once more, derived again in the background
    stale = board.client("demo")
    assert stale is not None and stale.ledger is after.ledger
    for _ in range(500):
        line = board.client("demo")
        assert line is not None
        if line.ledger is not after.ledger:
            break
        threading.Event().wait(0.01)
    else:
        raise AssertionError("the old ledger was never derived again")


def test_the_daemon_s_plan_and_a_failed_sync_are_shown(ww: WebWorld) -> None:
    from datetime import UTC, datetime, timedelta

    from bridge.store.plans import DaemonPlan

    retry = datetime.now(UTC) + timedelta(minutes=5)
    ww.store.plans.save("demo", DaemonPlan("host:1", next_run_at=None, failures=2,
                                           retry_at=retry))
    with TestClient(ww.app(), base_url=LOCAL) as http:
        assert "backing off after 2 failure(s), retry" in http.get("/").text
        ww.store.plans.save("demo", DaemonPlan(
            "host:1", next_run_at=None,
            paused="credentials refused (401): run `revbridge auth set demo`"))
        assert "paused: credentials refused (401)" in http.get("/").text
        run = ww.store.start_run("demo")
        ww.store.finish_run(run.id, "failed", error="SyncError: the tracker answered 500")
        page = http.get("/clients/demo").text
        assert "failed" in page and "SyncError: the tracker answered 500" in page


def test_no_client_files_says_where_to_put_them(tmp_path: Path) -> None:
    from bridge.web.app import create_app

    with Store.open(f"sqlite:///{tmp_path / 'rb.db'}") as store:
        app = create_app(store, tmp_path / "clients", warm=False)
        with TestClient(app, base_url=LOCAL) as http:
            page = http.get("/")
    assert page.status_code == 200
    assert f"No client files in {tmp_path / 'clients'}" in page.text
    assert "revbridge init" in page.text


def test_a_stopping_server_stops_its_syncs_and_waits_for_them(ww: WebWorld) -> None:
    from connectors.errors import Interrupted

    def stoppable_sync(config: ClientConfig, store: Store, options: SyncOptions) -> RunSummary:
        assert options.stop is not None
        if options.stop.wait(30):
            raise Interrupted(options.stop_reason)
        return RunSummary(client=config.client, outcome="ok")

    app = ww.app(syncer=stoppable_sync)
    with TestClient(app, base_url=LOCAL) as http:
        csrf = csrf_of(http.get("/clients/demo").text)
        http.post("/clients/demo/sync", data={"csrf": csrf})
        job = app.state.dashboard.jobs.job("demo")
        assert job is not None and job.running
    # the server's shutdown asked it to stop, and waited for it
    assert not job.running and job.outcome == "failed"
    assert job.error == "Interrupted: the dashboard was stopped"
