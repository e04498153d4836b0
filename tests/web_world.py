"""Helpers for the dashboard's tests: a story synced in review mode into a store, the dashboard
served on 127.0.0.1 by uvicorn in a thread, and headless Chromium driven by Selenium."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import uvicorn
from starlette.applications import Starlette

from bridge.clientfile.load import load_client
from bridge.clientfile.schema import ClientConfig
from bridge.store import Store
from bridge.sync.run import RunSummary, SyncOptions, sync_client
from bridge.web.app import create_app
from bridge.web.serve import listen
from tests.e2e import TOKEN_ENV, World, story_world

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
#: a ticket title that would run script if a page did not escape it
XSS_TITLE = '<script>document.title="pwned"</script><img src=x onerror="document.title=\'pwned\'">'


def browser_missing() -> str | None:
    """Why no browser test can run here, or None."""
    if not CHROMIUM.exists() or not CHROMEDRIVER.exists():
        return ("Debian's chromium and chromium-driver are not installed "
                "(.ci/run installs them: apt-get install chromium chromium-driver)")
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install -e '.[dev]')"
    return None


@dataclass
class WebWorld:
    world: World
    store: Store
    config: ClientConfig
    xss_ticket: str

    def sync(self) -> RunSummary:
        return sync_client(self.config, self.store, SyncOptions())

    def app(self, **options: Any) -> Starlette:
        return create_app(self.store, self.world.config_dir, warm=False, **options)


@contextmanager
def web_world(tmp_path: Path, tracker: str = "jira", store_url: str | None = None,
              mode: str = "review", **comments: Any) -> Iterator[WebWorld]:
    """The demo story (plus a ticket titled :data:`XSS_TITLE`) synced once, comments held
    (``comments``: more of the client file's ``[comments]``)."""
    with story_world(tracker, tmp_path, comments={"mode": mode, **comments}) as world:
        previous = os.environ.get(TOKEN_ENV)
        os.environ[TOKEN_ENV] = world.fake.token
        xss = world.fake.create_ticket(XSS_TITLE, world.story.client)
        world.story.tickets["xss"] = xss
        config = load_client(world.config_dir / "demo.toml")
        store = Store.open(store_url or world.db)
        try:
            found = WebWorld(world, store, config, xss)
            summary = found.sync()
            assert summary.outcome == "ok", summary.error
            yield found
        finally:
            store.close()
            if previous is None:
                os.environ.pop(TOKEN_ENV, None)
            else:
                os.environ[TOKEN_ENV] = previous


@contextmanager
def served(app: Starlette) -> Iterator[str]:
    """``app`` served on a free port of 127.0.0.1; yields its base URL."""
    sock = listen("127.0.0.1", 0)
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        for _ in range(500):
            if server.started:
                break
            threading.Event().wait(0.01)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


@contextmanager
def chromium(profile: Path) -> Iterator[Any]:
    """Headless Debian Chromium under Selenium (chromium-driver)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--no-first-run", "--disable-background-networking", "--disable-sync",
                "--disable-component-update", "--window-size=1280,1500",
                f"--user-data-dir={profile}"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()
