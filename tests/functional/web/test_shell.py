"""The web shell: language switch, error pages, security headers, health."""

from __future__ import annotations

import pytest

from onevisit.kernel.http.middleware import LANG_COOKIE
from tests.functional.conftest import Browser


def test_chinese_is_the_default_page_language(client: Browser) -> None:
    assert '<html lang="zh-Hans">' in client.get("/").text


def test_the_browser_language_is_honoured(client: Browser) -> None:
    assert '<html lang="en">' in client.get("/", headers={"Accept-Language": "en-GB,en;q=0.9"}).text


def test_switching_language_sets_a_cookie_and_returns_to_the_page(client: Browser) -> None:
    response = client.get("/language/en?next=/login", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login"
    set_cookie = response.headers["set-cookie"]
    assert f"{LANG_COOKIE}=en" in set_cookie and "HttpOnly" in set_cookie
    page = client.get("/login", headers={"Accept-Language": "zh-CN"})  # the choice beats the browser
    assert '<html lang="en">' in page.text
    assert "Log in" in page.text
    client.get("/language/zh")
    assert '<html lang="zh-Hans">' in client.get("/").text


def test_every_page_links_to_the_other_language_with_the_current_page(client: Browser) -> None:
    assert 'href="/language/en?next=/login%3Fnext%3D/me"' in client.get("/login?next=/me").text


@pytest.mark.parametrize(
    "target",
    ["//evil.example", "//evil.example/login", "https://evil.example/", "/\\evil.example", "javascript:alert(1)", ""],
)
def test_next_cannot_leave_the_site(client: Browser, target: str) -> None:
    response = client.get("/language/en", params={"next": target}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/"


def test_an_unknown_language_is_a_404_page(client: Browser) -> None:
    response = client.get("/language/fr")
    assert response.status_code == 404
    assert LANG_COOKIE not in response.cookies


def test_pages_carry_the_security_headers(client: Browser) -> None:
    for path in ("/", "/login", "/no-such-page", "/api/v1/regions"):
        headers = client.get(path).headers
        csp = headers["content-security-policy"]
        assert "default-src 'self'" in csp
        assert "frame-ancestors 'none'" in csp
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert headers["x-frame-options"] == "DENY"
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "same-origin"


def test_cookies_are_http_only_and_same_site(client: Browser) -> None:
    set_cookie = client.get("/").headers["set-cookie"]
    assert "ov_csrf=" in set_cookie and "HttpOnly" in set_cookie and "SameSite=Lax" in set_cookie


def test_home_page_offers_service_search_and_login(client: Browser) -> None:
    page = client.get("/?q=passport", headers={"Accept-Language": "en"})
    assert page.status_code == 200
    assert 'name="q"' in page.text
    assert 'href="/login"' in page.text


def test_health_answers_without_a_session(client: Browser) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
