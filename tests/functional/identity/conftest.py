from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from onevisit.app import create_app
from onevisit.identity.services import login
from onevisit.kernel import passwords
from onevisit.kernel.http.middleware import LANG_COOKIE
from onevisit.kernel.platform import Platform
from tests.common.factories import cheap_password_hashing
from tests.functional.conftest import Browser


@pytest.fixture(autouse=True)
def _fast_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(passwords, "_hasher", cheap_password_hashing())
    monkeypatch.setattr(login, "_DUMMY_HASH", passwords.hash_password("not-a-real-password"))


@pytest.fixture(autouse=True)
def _english(client: Browser) -> None:
    """These tests read English messages (Chinese, the default, is covered in tests/functional/web)."""
    client.cookies.set(LANG_COOKIE, "en")


@pytest.fixture
def new_browser(platform: Platform) -> Iterator[Callable[[], Browser]]:
    """Another person's browser on the same site (its own cookies)."""
    app = create_app(platform=platform)
    opened: list[Browser] = []

    def make() -> Browser:
        browser = Browser(app, base_url="http://127.0.0.1")
        browser.__enter__()
        browser.cookies.set(LANG_COOKIE, "en")
        opened.append(browser)
        return browser

    yield make
    for browser in opened:
        browser.__exit__(None, None, None)
