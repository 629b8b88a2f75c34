from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from onevisit.app import create_app
from onevisit.kernel.platform import Platform
from tests.functional.conftest import Browser


@pytest.fixture
def new_browser(platform: Platform) -> Iterator[Callable[[], Browser]]:
    """Another person's browser on the same site (its own cookies)."""
    app = create_app(platform=platform)
    opened: list[Browser] = []

    def make() -> Browser:
        browser = Browser(app, base_url="http://127.0.0.1")
        browser.__enter__()
        opened.append(browser)
        return browser

    yield make
    for browser in opened:
        browser.__exit__(None, None, None)
