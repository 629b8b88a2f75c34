"""Functional tests: real HTTP requests through the whole app against a real database."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from onevisit.app import create_app
from onevisit.kernel.platform import Platform
from tests.common.pagechecks import check_page

CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


class Browser(TestClient):
    """A test client that checks every HTML page it fetches and can fill in forms."""

    def request(self, method: str, url: str, *args: object, **kwargs: object):  # type: ignore[no-untyped-def, override]
        response = super().request(method, url, *args, **kwargs)  # type: ignore[arg-type]
        if response.headers.get("content-type", "").startswith("text/html"):
            check_page(response.text, url=str(url))
        return response

    def csrf(self, path: str = "/login") -> str:
        page = self.get(path)
        match = CSRF_RE.search(page.text)
        assert match, f"no CSRF token on {path}"
        return match.group(1)

    def submit(self, form_page: str, action: str, data: dict[str, str], **kwargs: object):  # type: ignore[no-untyped-def]
        return self.post(action, data={**data, "csrf_token": self.csrf(form_page)}, **kwargs)  # type: ignore[arg-type]

    def login(self, id_number: str, password: str = "correct horse battery") -> None:
        response = self.submit(
            "/login", "/login", {"id_number": id_number, "password": password}, follow_redirects=False
        )
        assert response.status_code == 303, response.text


@pytest.fixture
def client(platform: Platform) -> Iterator[Browser]:
    app = create_app(platform=platform)
    with Browser(app, base_url="http://127.0.0.1") as browser:
        yield browser
