"""`smtpshell web` in a real browser: headless Chromium opens the page, types EHLO me, and sees the 250 reply and
its explanation; everything the page loads comes from the server itself; the limit on tabs gives a clear page;
closing a tab ends its process."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from smtpshell.web.server import ShellWebServer, WebSettings
from tests.presenting import browser
from tests.presenting.page_reader import read_page

REASON = browser.missing()
pytestmark = [pytest.mark.skipif(REASON is not None, reason=str(REASON)), pytest.mark.timeout(240)]
WAIT = 90  # seconds: a shell process starting on a loaded machine


@pytest.fixture
async def served(smtpshell_home: Path) -> AsyncIterator[tuple[ShellWebServer, str]]:
    server = ShellWebServer(WebSettings(max_tabs=1))
    runner = web.AppRunner(server.application())
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield server, f"http://127.0.0.1:{port}/"
    finally:
        await runner.cleanup()
    assert not server.base.exists()  # every tab's files, and the server's, are gone


def _wait(driver: Any, condition: Any, what: str) -> None:
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.support.ui import WebDriverWait

    try:
        WebDriverWait(driver, WAIT, poll_frequency=0.2).until(lambda d: condition(d))
    except TimeoutException:
        raise AssertionError(f"the browser never showed {what}") from None


def _open_and_type(driver: Any, url: str, screenshot: Path, downloads: Path) -> tuple[str, list[str]]:
    from selenium.webdriver.common.by import By

    driver.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
    driver.get(url)
    # The command line's placeholder is on screen: the shell has started and its greeting has arrived.
    _wait(
        driver,
        lambda d: "220 sandbox.test" in browser.screen_text(d) and "try EHLO me" in browser.screen_text(d),
        "the shell's greeting",
    )
    driver.find_element(By.CSS_SELECTOR, ".xterm-helper-textarea").send_keys("EHLO me\n")
    _wait(driver, lambda d: "Hello accepted" in browser.screen_text(d), "the explanation of the 250 reply")
    driver.save_screenshot(str(screenshot))
    seen = browser.screen_text(driver), browser.resources(driver)
    # /save in a tab: the page lands in the browser's downloads, not on the server's disk.
    driver.find_element(By.CSS_SELECTOR, ".xterm-helper-textarea").send_keys("/save class.html\n")
    _wait(driver, lambda d: (downloads / "class.html").is_file(), "the saved page downloaded")
    return seen


async def test_a_browser_tab_runs_the_shell_and_explains_ehlo(
    served: tuple[ShellWebServer, str], tmp_path: Path
) -> None:
    server, url = served
    driver = await asyncio.to_thread(browser.start, tmp_path / "profile")
    try:
        screenshot = tmp_path / "web-ehlo.png"
        downloads = tmp_path / "downloads"
        downloads.mkdir()
        text, loaded = await asyncio.to_thread(_open_and_type, driver, url, screenshot, downloads)
        assert "C: EHLO me" in text and "250-PIPELINING" in text
        assert "250 Hello accepted: the server lists" in text and "Explanation" in text
        assert screenshot.stat().st_size > 10_000
        assert loaded and all(u.startswith(url) for u in loaded), loaded  # no font or script from outside
        page = read_page((downloads / "class.html").read_text())
        assert [block.summary.split(".", 1)[1][:7] for block in page.exchanges] == ["Greetin", "EHLO me"]
        assert "Hello accepted" in page.exchanges[1].explanation
        assert not list(Path.cwd().glob("class.html"))  # nothing was written where the server runs
        assert len(server.tabs) == 1
        [service] = server.tabs
        process = service._process
        assert process is not None and process.returncode is None

        # A second tab while the only shell is in use: a page that says so, not a broken terminal.
        def second_tab() -> str:
            driver.switch_to.new_window("tab")
            driver.get(url)
            return str(driver.find_element("tag name", "body").text)

        full = await asyncio.to_thread(second_tab)
        assert "All 1 shells are in use" in full and "Close a tab" in full

        # Leaving the first tab's page ends its shell process (even if the browser keeps the page cached).
        def close_first() -> None:
            driver.switch_to.window(driver.window_handles[0])
            driver.get("about:blank")

        await asyncio.to_thread(close_first)
        async with server.tabs_changed:
            await asyncio.wait_for(server.tabs_changed.wait_for(lambda: not server.tabs), WAIT)
        assert process.returncode is not None
    finally:
        await asyncio.to_thread(driver.quit)
