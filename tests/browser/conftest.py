"""Headless Chromium or Chrome as installed on the machine (never a downloaded browser), driven by
Selenium, and the console served in-process against a stack deployed on a fresh local endpoint.

Without a browser and its driver the browser tests are skipped with the reason; under CI=true (CI
installs Debian's chromium and chromium-driver) a missing browser fails them."""

from __future__ import annotations

import base64
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

BROWSER_COMMANDS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")
MACOS_BROWSERS = (
    "/Applications/Chromium.app/Contents/MacOS/Chromium",
    "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
)
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-output"
# Without the background-networking flags Chromium waits on the closed network.
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1280,1000",
)


@pytest.fixture(scope="module")
def browser() -> Iterator[webdriver.Chrome]:
    binary, driver_path = installed_browser()
    profile = tempfile.mkdtemp(prefix="console-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for flag in (*FLAGS, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    driver.implicitly_wait(0)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def installed_browser() -> tuple[str, str]:
    """(browser, chromedriver) found on PATH or in macOS's Applications; skips (fails under CI) without."""
    browser = next(filter(None, map(shutil.which, BROWSER_COMMANDS)), None) or next(
        (path for path in MACOS_BROWSERS if Path(path).is_file()), None
    )
    driver = shutil.which("chromedriver")
    if browser and driver:
        return browser, driver
    missing = " and ".join(
        name for name, found in (("Chromium or Chrome", browser), ("chromedriver", driver)) if not found
    )
    reason = (
        f"{missing} not found on PATH: install them (Debian: `sudo apt-get install "
        "--no-install-recommends chromium chromium-driver`; macOS: `brew install --cask chromium "
        "chromedriver`) to run the browser tests"
    )
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true needs the browser tests: {reason}")
    pytest.skip(reason)


def screenshot(driver: webdriver.Chrome, name: str) -> Path:
    """A full-page PNG under test-output/ for a reviewer to look at."""
    SCREENSHOTS.mkdir(exist_ok=True)
    shot = driver.execute_cdp_cmd("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True})
    path = SCREENSHOTS / f"{name}.png"
    path.write_bytes(base64.b64decode(shot["data"]))
    return path
