"""Headless Chromium for the browser tests (Debian's chromium and chromium-driver, driven by selenium).

Every received websocket frame is recorded in the page (window.__received) before the page's own scripts run,
so a test reads what the terminal was sent, as text, next to the screenshot a person can look at.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")
DRIVER_NAMES = ("chromedriver",)
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--window-size=1280,800",
)

RECORD_FRAMES = """
window.__received = [];
window.WebSocket = class extends window.WebSocket {
  constructor(...args) {
    super(...args);
    this.addEventListener("message", (event) => {
      if (typeof event.data === "string") { window.__received.push(event.data); }
      else if (event.data instanceof Blob) { event.data.text().then((text) => window.__received.push(text)); }
      else { window.__received.push(new TextDecoder().decode(event.data)); }
    });
  }
};
"""

_ESCAPES = re.compile(r"\x1b\[[0-9;?<>=]*[ -/]*[@-~]|\x1b[()][0-9A-Za-z]|\x1b[=>]|\x1b\][^\x07]*\x07")


def missing() -> str | None:
    """Why the browser test cannot run here, or None."""
    if not any(shutil.which(name) for name in CHROMIUM_NAMES):
        return "Chromium is not installed (apt-get install chromium chromium-driver)"
    if not any(shutil.which(name) for name in DRIVER_NAMES):
        return "chromedriver is not installed (apt-get install chromium-driver)"
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install '.[test]')"
    return None


def start(profile: Path) -> Any:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = next(str(shutil.which(n)) for n in CHROMIUM_NAMES if shutil.which(n))
    for flag in (*FLAGS, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=Service(shutil.which("chromedriver")))
    driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": RECORD_FRAMES})
    return driver


def screen_text(driver: Any) -> str:
    """What the terminal has been sent so far, control sequences removed."""
    raw = driver.execute_script("return (window.__received || []).join('')")
    return _ESCAPES.sub("", str(raw))


def resources(driver: Any) -> list[str]:
    """Every URL the page loaded (the document, styles, scripts, fonts, images)."""
    script = (
        "return performance.getEntries().filter((entry) => ['navigation', 'resource'].includes(entry.entryType))"
        ".map((entry) => entry.name)"
    )
    return [str(url) for url in driver.execute_script(script)]
