"""Browser tests: headless Debian Chromium driven by Playwright against a live server.

Never run ``playwright install``: we use the system's /usr/bin/chromium with flags that keep
it from reaching out to the (closed) network.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from onevisit.kernel.platform import Platform
from tests.common.liveserver import LiveServer

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--disable-dev-shm-usage",
]

pytestmark = pytest.mark.browser


@pytest.fixture
def live_server(platform: Platform) -> Iterator[LiveServer]:
    with LiveServer(platform) as server:
        yield server


@pytest.fixture(scope="session")
def browser():  # type: ignore[no-untyped-def]
    if not CHROMIUM.exists():
        pytest.skip("Debian chromium is not installed (make system-deps installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):  # type: ignore[no-untyped-def]
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()
