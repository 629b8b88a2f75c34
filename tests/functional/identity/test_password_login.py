"""Logging in with an ID number and password, lock-out, logout."""

from __future__ import annotations

import html
import re

from sqlalchemy import select

from onevisit.identity.models import Account
from onevisit.kernel.clock import FrozenClock
from onevisit.kernel.http.authz import SESSION_COOKIE
from onevisit.kernel.masking import mask_id_number
from onevisit.kernel.platform import Platform
from tests.common.factories import id_number, make_person
from tests.functional.conftest import Browser

PASSWORD = "correct horse battery"


def _attempt(client: Browser, number: str, password: str):  # type: ignore[no-untyped-def]
    return client.submit("/login", "/login", {"id_number": number, "password": password}, follow_redirects=False)


def test_login_shows_my_onevisit_with_masked_identifiers(platform: Platform, client: Browser) -> None:
    _, number, _ = make_person(platform, name="王小明", phone="13812345678")
    response = _attempt(client, number, PASSWORD)
    assert response.status_code == 303
    assert response.headers["location"] == "/me"
    page = client.get("/me")
    assert page.status_code == 200
    assert "王小明" in page.text
    assert mask_id_number(number) in page.text
    assert "138****5678" in page.text
    # Never the full identifiers, anywhere in the HTML source.
    assert number not in page.text
    assert number[6:14] + number[14:] not in page.text  # not even the birth date + sequence run
    assert "13812345678" not in page.text


def test_login_goes_to_a_safe_next_page(platform: Platform, client: Browser) -> None:
    _, number, _ = make_person(platform)
    form = client.get("/login?next=/me")
    assert 'name="next" value="/me"' in form.text
    ok = client.post(
        "/login",
        data={"id_number": number, "password": PASSWORD, "next": "//evil.example/x", "csrf_token": client.csrf()},
        follow_redirects=False,
    )
    assert ok.status_code == 303
    assert ok.headers["location"] == "/me"


def test_a_wrong_password_says_so_keeps_the_id_number_and_never_echoes_the_password(
    platform: Platform, client: Browser
) -> None:
    _, number, _ = make_person(platform)
    response = _attempt(client, number, "Wrong-Password-123")
    assert response.status_code == 401
    assert SESSION_COOKIE not in response.cookies
    assert 'class="error-summary"' in response.text
    assert 'href="#field-password"' in response.text  # the summary links to the field
    assert 'id="error-password"' in response.text  # and the field shows its error
    assert "The ID number or password is not right." in response.text
    assert f'value="{number}"' in response.text
    assert "Wrong-Password-123" not in response.text
    assert "<title>Error:" in response.text or "<title>" + html.escape("Error:") in response.text
    assert client.get("/me", follow_redirects=False).status_code == 303


def test_an_unknown_id_number_gets_the_same_answer_as_a_wrong_password(platform: Platform, client: Browser) -> None:
    _, known, _ = make_person(platform)
    unknown = id_number()
    wrong = _attempt(client, known, "nope")
    missing = _attempt(client, unknown, "nope")
    assert wrong.status_code == missing.status_code == 401
    assert wrong.text.replace(known, "N") == missing.text.replace(unknown, "N")


def test_five_failures_lock_the_account_until_the_lock_out_passes(
    platform: Platform, client: Browser, clock: FrozenClock
) -> None:
    _, number, account = make_person(platform)
    assert account is not None
    for _ in range(5):
        assert _attempt(client, number, "wrong").status_code == 401
    locked = _attempt(client, number, PASSWORD)
    assert locked.status_code == 429
    assert "locked until 2026-11-20 09:45" in locked.text
    assert SESSION_COOKIE not in locked.cookies
    clock.advance(minutes=14)
    assert _attempt(client, number, PASSWORD).status_code == 429
    clock.advance(minutes=2)
    assert _attempt(client, number, PASSWORD).status_code == 303
    assert client.get("/me").status_code == 200
    with platform.db.session() as session:
        stored = session.scalar(select(Account).where(Account.id == account.id))
        assert stored is not None and stored.failed_logins == 0 and stored.locked_until is None


def test_a_success_resets_the_failure_count(platform: Platform, client: Browser) -> None:
    _, number, _ = make_person(platform)
    for _ in range(4):
        _attempt(client, number, "wrong")
    assert _attempt(client, number, PASSWORD).status_code == 303
    client.cookies.delete(SESSION_COOKIE)
    for _ in range(4):
        _attempt(client, number, "wrong")
    assert _attempt(client, number, PASSWORD).status_code == 303


def test_logout_ends_the_session_on_the_server(platform: Platform, client: Browser) -> None:
    _, number, _ = make_person(platform)
    client.login(number)
    old_cookie = client.cookies.get(SESSION_COOKIE)
    assert old_cookie
    page = client.get("/me")
    token = re.search(r'action="/logout".*?name="csrf_token" value="([^"]+)"', page.text, re.DOTALL)
    assert token
    out = client.post("/logout", data={"csrf_token": token.group(1)}, follow_redirects=False)
    assert out.status_code == 303
    assert out.headers["location"] == "/?notice=logged_out"
    assert "You have logged out." in client.get(out.headers["location"]).text
    # Replaying the old cookie does not bring the session back.
    client.cookies.set(SESSION_COOKIE, old_cookie)
    again = client.get("/me", follow_redirects=False)
    assert again.status_code == 303
    assert again.headers["location"].startswith("/login")


def test_a_logged_in_user_visiting_login_is_sent_on(platform: Platform, client: Browser) -> None:
    _, number, _ = make_person(platform)
    client.login(number)
    assert client.get("/login", follow_redirects=False).headers["location"] == "/me"
