"""A handout page in a real browser: folding works on screen, and printed, every exchange is open again."""

from __future__ import annotations

from pathlib import Path

import pytest

from smtpshell.handout.from_text import text_handout
from smtpshell.handout.html_page import render_html
from tests.presenting import browser
from tests.presenting.test_handout import POSTFIX_EXCERPT

REASON = browser.missing()
pytestmark = [pytest.mark.skipif(REASON is not None, reason=str(REASON)), pytest.mark.timeout(120)]

VISIBLE = "return [...document.querySelectorAll('details .explanation')].map((e) => e.checkVisibility())"


def test_folded_exchanges_print_open(tmp_path: Path) -> None:
    page = tmp_path / "handout.html"
    page.write_text(render_html(text_handout(POSTFIX_EXCERPT, "postfix.txt")))
    driver = browser.start(tmp_path / "profile")
    try:
        driver.get(page.as_uri())
        assert driver.execute_script(VISIBLE) == [True] * 5
        driver.execute_script("document.querySelectorAll('details').forEach((d) => d.removeAttribute('open'))")
        assert driver.execute_script(VISIBLE) == [False] * 5  # folded on screen
        driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
        assert driver.execute_script(VISIBLE) == [True] * 5  # printed, all open
        assert browser.resources(driver) == [page.as_uri()]
    finally:
        driver.quit()
