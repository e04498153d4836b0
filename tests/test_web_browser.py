"""``revbridge web`` in a real browser: Debian's headless Chromium driven by Selenium over the
dashboard served by uvicorn, on a store filled by a sync of the story against a fake tracker
(comments in review mode, so notices are held)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.test_report_cli import png_size
from tests.web_world import XSS_TITLE, WebWorld, browser_missing, chromium, served, web_world

pytestmark = pytest.mark.skipif(browser_missing() is not None, reason=str(browser_missing()))


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[WebWorld, str, Any]]:
    root = tmp_path_factory.mktemp("web")
    with web_world(root) as ww, served(ww.app()) as base, chromium(root / "profile") as driver:
        yield ww, base, driver


def _wait_for(driver: Any, css: str, timeout: float = 30) -> Any:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout).until(
        expected_conditions.presence_of_element_located((By.CSS_SELECTOR, css)))


def _wait_text(driver: Any, css: str, text: str, timeout: float = 60) -> str:
    """Wait until the element at ``css`` says ``text`` (after a click, the old page may still
    be there for a moment); returns its whole text."""
    from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    def says(d: Any) -> str | bool:
        try:
            found: str = d.find_element(By.CSS_SELECTOR, css).text
        except (NoSuchElementException, StaleElementReferenceException):
            return False
        return found if text in found else False

    result: str = WebDriverWait(driver, timeout).until(says)
    return result


def _shot(driver: Any, path: Path) -> None:
    driver.save_screenshot(str(path))
    assert png_size(path) == (1280, driver.execute_script("return window.innerHeight"))
    assert path.stat().st_size > 20_000  # a blank page compresses to a few kilobytes
    keep = os.environ.get("REVBRIDGE_KEEP_SCREENSHOT_DIR")
    if keep:
        shutil.copy(path, Path(keep) / path.name)


def test_overview_client_page_and_an_explanation(site: tuple[WebWorld, str, Any],
                                                 tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By

    ww, base, driver = site
    ledger = ww.app().state.dashboard.board.client("demo").ledger
    driver.get(base + "/?lang=en")
    row = _wait_for(driver, 'tr[data-client="demo"]')
    assert f"{ledger.rounds_used} / {ledger.rounds_included}" in row.find_element(
        By.CSS_SELECTOR, "td.rounds").text
    held = len(ww.store.outbox("demo", ("held",)))
    assert held > 0 and row.find_element(By.CSS_SELECTOR, "td.held").text == str(held)
    assert row.find_element(By.CSS_SELECTOR, "td.late").text == str(len(ledger.late_requests))
    assert "€240.00" in row.find_element(By.CSS_SELECTOR, "td.overage").text
    _shot(driver, tmp_path / "overview.png")

    row.find_element(By.CSS_SELECTOR, "a.client-link").click()
    facts = _wait_for(driver, "#facts")
    assert facts.find_element(By.ID, "fact-overage").text == "€240.00"
    assert driver.find_element(By.CSS_SELECTOR, "#chart svg.chart") is not None
    tickets = [r.get_attribute("data-ticket")
               for r in driver.find_elements(By.CSS_SELECTOR, "#request-table tr.request")]
    assert tickets == [r.ticket for r in ledger.requests]
    _shot(driver, tmp_path / "client.png")

    first = driver.find_element(By.CSS_SELECTOR, 'tr[data-ticket="WEB-1"] a.explain')
    first.click()
    text = _wait_for(driver, "#explanation").text
    assert "WEB-1 “Homepage: make the logo bigger”" in text
    assert "round 1 (delivery grouping)" in text and "round 2 (delivery grouping)" in text


def test_a_script_in_a_ticket_title_shows_as_text(site: tuple[WebWorld, str, Any]) -> None:
    from selenium.webdriver.common.by import By

    ww, base, driver = site
    key = next(r.ticket for r in ww.app().state.dashboard.board.client("demo").ledger.requests
               if r.remote_id == ww.xss_ticket)
    driver.get(base + "/clients/demo")
    row = _wait_for(driver, f'tr[data-ticket="{key}"]')
    assert row.find_element(By.CSS_SELECTOR, "td.title").text == XSS_TITLE
    assert row.find_elements(By.CSS_SELECTOR, "img, script") == []
    assert driver.title != "pwned"
    driver.get(base + "/clients/demo/outbox")
    _wait_for(driver, "article.notice")
    assert XSS_TITLE in driver.find_element(By.TAG_NAME, "main").text
    assert driver.title != "pwned"


def test_a_post_without_the_csrf_token_is_refused(site: tuple[WebWorld, str, Any]) -> None:
    from selenium.webdriver.common.by import By

    ww, base, driver = site
    before = {r.id: r.state for r in ww.store.outbox("demo")}
    driver.get(base + "/clients/demo/outbox")
    form = _wait_for(driver, "article.notice form.inline")
    driver.execute_script(
        "arguments[0].querySelector('input[name=csrf]').remove()", form)
    form.find_element(By.CSS_SELECTOR, "button.approve").click()
    _wait_text(driver, "#error", "security token is missing")
    assert {r.id: r.state for r in ww.store.outbox("demo")} == before


def test_edit_approve_then_sync_now_posts_the_edited_text(site: tuple[WebWorld, str, Any]
                                                          ) -> None:
    from selenium.webdriver.common.by import By

    ww, base, driver = site
    target = ww.store.outbox("demo", ("held",))[0]
    others = [r.id for r in ww.store.outbox("demo", ("held",))[1:]]
    driver.get(base + "/clients/demo/outbox")
    notice = _wait_for(driver, f"#notice-{target.id}")
    box = notice.find_element(By.CSS_SELECTOR, "textarea")
    box.clear()
    new_text = "Bonjour Claire,\nc'est noté : le logo sera agrandi d'ici jeudi."
    box.send_keys(new_text)
    notice.find_element(By.CSS_SELECTOR, "button.save").click()
    _wait_text(driver, "#note", "Text saved.")
    notice = driver.find_element(By.ID, f"notice-{target.id}")
    assert notice.find_element(By.CSS_SELECTOR, "textarea").get_attribute("value") == new_text
    assert target.marker in notice.find_element(By.CSS_SELECTOR, ".marker").text
    notice.find_element(By.CSS_SELECTOR, "button.approve").click()
    _wait_text(driver, "#note", "1 notice(s) approved")
    assert ww.world.fake.comment_bodies(target.ticket_id) == [] or all(
        target.marker not in body for _, body in ww.world.fake.comment_bodies(target.ticket_id))

    driver.get(base + "/clients/demo")
    _wait_for(driver, "#sync-now").click()
    assert "Sync finished: ok." in _wait_text(driver, "#sync-state", "Sync finished")
    bodies = [body for _, body in ww.world.fake.comment_bodies(target.ticket_id)]
    assert f"{new_text}\n\n{target.marker}" in bodies
    states = {r.id: r.state for r in ww.store.outbox("demo")}
    assert states[target.id] == "posted"
    assert all(states[i] == "held" for i in others)
