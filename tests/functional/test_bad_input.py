"""Bad input gets a clear 4xx in the right shape, and nothing stored changes.

Problem details under /api, a page with an error summary (or an error page) for people.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select

from onevisit.identity.models import EnterpriseAgent
from onevisit.identity.services import login
from onevisit.kernel import passwords
from onevisit.kernel.http.authz import SESSION_COOKIE
from onevisit.kernel.http.middleware import LANG_COOKIE
from onevisit.kernel.platform import Platform
from onevisit.tables import metadata
from tests.common.factories import cheap_password_hashing, make_enterprise, make_person
from tests.functional.conftest import Browser

PROBLEM = "application/problem+json"
CSRF_MESSAGE = "This form has expired or did not come from this site."

# One example of each kind of mistake, with the code the API answers.
BAD_ID_NUMBERS = {
    "11010519491231002": "identity.id_number.format",  # 17 characters
    "1101051949123100AX": "identity.id_number.format",  # a letter inside
    "990105194912310026": "identity.id_number.region",  # no such region
    "110105194902300027": "identity.id_number.birth_date",  # 30 February
    "110105209912310023": "identity.id_number.birth_date",  # born in the future
    "110105194912310021": "identity.id_number.checksum",  # wrong check character
}
BAD_CREDIT_CODES = {
    "91350100M000100Y4": "identity.credit_code.format",
    "91350100M000100I43": "identity.credit_code.format",  # I is not in the alphabet
    "91350100M000100Y44": "identity.credit_code.checksum",
}


@pytest.fixture(autouse=True)
def _english_and_fast(client: Browser, monkeypatch: pytest.MonkeyPatch) -> None:
    client.cookies.set(LANG_COOKIE, "en")
    monkeypatch.setattr(passwords, "_hasher", cheap_password_hashing())
    monkeypatch.setattr(login, "_DUMMY_HASH", passwords.hash_password("not-a-real-password"))


def snapshot(platform: Platform) -> dict[str, int]:
    with platform.db.session() as session:
        return {
            name: int(session.scalar(select(func.count()).select_from(table)) or 0)
            for name, table in metadata.tables.items()
        }


@pytest.fixture
def unchanged(platform: Platform) -> Iterator[None]:
    """Fails the test if any table's row count changed."""
    before = snapshot(platform)
    yield
    assert snapshot(platform) == before


def problem(response, status: int, code: str) -> dict:  # type: ignore[no-untyped-def, type-arg]
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body = response.json()
    assert {"type", "title", "status", "detail", "code"} <= set(body)
    assert (body["status"], body["code"]) == (status, code)
    return body  # type: ignore[no-any-return]


def summary_links(page_html: str) -> list[str]:
    return re.findall(r'<li><a href="#field-([a-z_]+)">', page_html)


# --- malformed ID numbers and credit codes ------------------------------------------------


@pytest.mark.parametrize(("value", "code"), BAD_ID_NUMBERS.items())
def test_each_kind_of_bad_id_number_has_its_own_api_code(client: Browser, value: str, code: str) -> None:
    problem(client.post("/api/v1/identity/id-numbers/check", json={"value": value}), 422, code)


@pytest.mark.parametrize("value", BAD_ID_NUMBERS)
@pytest.mark.usefixtures("unchanged")
def test_a_bad_id_number_on_the_login_page_is_shown_against_the_field(client: Browser, value: str) -> None:
    page = client.submit("/login", "/login", {"id_number": value, "password": "whatever"})
    assert page.status_code == 422
    assert summary_links(page.text) == ["id_number"]
    assert 'id="error-id_number"' in page.text
    assert f'value="{value}"' in page.text  # kept so it can be corrected
    assert "<title>Error:" in page.text


@pytest.mark.parametrize("value", BAD_ID_NUMBERS)
@pytest.mark.usefixtures("unchanged")
def test_a_bad_id_number_in_the_api_names_the_field(client: Browser, value: str) -> None:
    body = problem(
        client.post("/api/v1/auth/login", json={"id_number": value, "password": "x"}), 422, "kernel.validation"
    )
    assert [e["field"] for e in body["errors"]] == ["id_number"]


@pytest.mark.parametrize("value", BAD_ID_NUMBERS)
@pytest.mark.usefixtures("unchanged")
def test_a_bad_id_number_on_the_sms_page_sends_nothing(client: Browser, value: str) -> None:
    page = client.submit("/login/sms", "/login/sms", {"id_number": value})
    assert page.status_code == 422
    assert summary_links(page.text) == ["id_number"]


@pytest.mark.parametrize(("value", "code"), BAD_CREDIT_CODES.items())
def test_each_kind_of_bad_credit_code_has_its_own_api_code(client: Browser, value: str, code: str) -> None:
    body = problem(client.get(f"/api/v1/identity/credit-codes/{value}"), 422, code)
    assert body["instance"] == f"/api/v1/identity/credit-codes/{value}"


# --- oversized input ----------------------------------------------------------------------


@pytest.mark.usefixtures("unchanged")
def test_a_5000_character_id_number_is_refused_politely(platform: Platform, client: Browser) -> None:
    page = client.submit("/login", "/login", {"id_number": "1" * 5000, "password": "x"})
    assert page.status_code == 422
    assert "Must be 32 characters or fewer." in page.text
    assert "1" * (platform.settings.max_form_field_length + 2) not in page.text  # echoed only up to the field limit
    body = problem(
        client.post("/api/v1/auth/login", json={"id_number": "1" * 5000, "password": "x"}), 422, "kernel.validation"
    )
    assert body["errors"][0]["field"] == "id_number"
    problem(client.post("/api/v1/identity/id-numbers/check", json={"value": "1" * 5000}), 422, "kernel.validation")


@pytest.mark.usefixtures("unchanged")
def test_a_body_over_the_limit_is_413(platform: Platform, client: Browser) -> None:
    limit = platform.settings.max_request_bytes
    token = client.csrf()
    page = client.post("/login", data={"id_number": "1" * (limit + 1), "csrf_token": token})
    assert page.status_code == 413
    assert "too large" in page.text
    api = client.post(
        "/api/v1/auth/login",
        content=b'{"id_number": "' + b"1" * limit + b'"}',
        headers={"content-type": "application/json"},
    )
    body = problem(api, 413, "kernel.payload_too_large")
    assert str(limit) in body["detail"]


# --- CSRF ---------------------------------------------------------------------------------


def _csrf_refused(response) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == 403
    assert response.headers["content-type"].startswith("text/html")
    assert CSRF_MESSAGE in html.unescape(response.text)


@pytest.mark.parametrize("token", [None, "", "0" * 64, "not-a-token"])
@pytest.mark.parametrize(
    ("action", "data"),
    [
        ("/login", {"id_number": "11010519491231002X", "password": "x"}),
        ("/login/sms", {"id_number": "11010519491231002X"}),
        ("/login/sms/verify", {"id_number": "11010519491231002X", "code": "123456"}),
    ],
)
@pytest.mark.usefixtures("unchanged")
def test_anonymous_forms_need_a_valid_csrf_token(
    client: Browser, action: str, data: dict[str, str], token: str | None
) -> None:
    client.get("/login")  # the browser has its CSRF cookie
    _csrf_refused(client.post(action, data=data if token is None else {**data, "csrf_token": token}))


def test_a_token_from_another_browser_is_refused(platform: Platform, client: Browser) -> None:
    from onevisit.app import create_app

    with Browser(create_app(platform=platform), base_url="http://127.0.0.1") as other:
        foreign = other.csrf()
    client.get("/login")
    _csrf_refused(
        client.post("/login", data={"id_number": "11010519491231002X", "password": "x", "csrf_token": foreign})
    )


def test_signed_in_forms_need_a_valid_csrf_token(platform: Platform, client: Browser) -> None:
    rep, rep_number, _ = make_person(platform, name="钱法人")
    enterprise = make_enterprise(platform, rep)
    _, agent_number, _ = make_person(platform, name="孙代理")
    client.login(rep_number)
    code = enterprise.credit_code
    before = snapshot(platform)
    for action, data in [
        ("/logout", {}),
        (f"/enterprises/{code}/act", {}),
        (f"/enterprises/{code}/agents", {"id_number": agent_number, "name": "孙代理"}),
    ]:
        _csrf_refused(client.post(action, data=data))
        _csrf_refused(client.post(action, data={**data, "csrf_token": "forged"}))
        _csrf_refused(client.post(action, json=data))  # not a form at all
    assert snapshot(platform) == before
    assert client.get("/me").status_code == 200  # still logged in

    assert (
        client.submit(
            f"/enterprises/{code}",
            f"/enterprises/{code}/agents",
            {"id_number": agent_number, "name": "孙代理"},
            follow_redirects=False,
        ).status_code
        == 303
    )
    with platform.db.session() as session:
        agent_id = session.scalar(select(EnterpriseAgent.id))
    revoke = f"/enterprises/{code}/agents/{agent_id}/revoke"
    _csrf_refused(client.post(revoke, data={}))
    _csrf_refused(client.post(revoke, data={"csrf_token": "forged"}))
    with platform.db.session() as session:
        assert session.scalar(select(EnterpriseAgent.revoked_at)) is None


def test_the_api_refuses_a_cookie_session_without_the_csrf_header(platform: Platform, client: Browser) -> None:
    _, number, _ = make_person(platform)
    client.post("/api/v1/auth/login", json={"id_number": number, "password": "correct horse battery"})
    problem(client.post("/api/v1/auth/logout", headers={"X-CSRF-Token": "forged"}), 403, "kernel.csrf")
    assert client.get("/api/v1/me").status_code == 200


# --- unknown routes, wrong methods, wrong passwords, malformed requests -----------------


def test_an_unknown_page_is_a_404_page(client: Browser) -> None:
    page = client.get("/no/such/page")
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert "Page not found" in page.text
    assert 'href="/"' in page.text


def test_an_unknown_api_route_is_a_404_problem(client: Browser) -> None:
    problem(client.get("/api/v1/no-such-thing"), 404, "kernel.not_found")


def test_a_wrong_method_is_405(client: Browser) -> None:
    page = client.get("/logout")
    assert page.status_code == 405
    assert page.headers["allow"] == "POST"
    assert page.headers["content-type"].startswith("text/html")
    problem(client.delete("/api/v1/me"), 405, "kernel.method_not_allowed")
    problem(client.get("/api/v1/auth/login"), 405, "kernel.method_not_allowed")


def test_a_wrong_password_is_a_401_on_both_surfaces(platform: Platform, client: Browser) -> None:
    _, number, _ = make_person(platform)
    page = client.submit("/login", "/login", {"id_number": number, "password": "wrong"})
    assert page.status_code == 401
    assert summary_links(page.text) == ["password"]
    problem(
        client.post("/api/v1/auth/login", json={"id_number": number, "password": "wrong"}), 401, "identity.login.failed"
    )


@pytest.mark.usefixtures("unchanged")
def test_an_empty_login_form_lists_every_missing_field(client: Browser) -> None:
    page = client.submit("/login", "/login", {})
    assert page.status_code == 422
    assert summary_links(page.text) == ["id_number", "password"]


@pytest.mark.parametrize(
    "body",
    [b'{"id_number": ', b"not json", b"[1, 2]", b'{"id_number": "11010519491231002X", "password": "x", "admin": true}'],
)
@pytest.mark.usefixtures("unchanged")
def test_a_malformed_json_body_is_a_422_problem(client: Browser, body: bytes) -> None:
    response = client.post("/api/v1/auth/login", content=body, headers={"content-type": "application/json"})
    details = problem(response, 422, "kernel.validation")
    assert details["errors"] and all(e["field"] and not e["field"].isdigit() for e in details["errors"])


@pytest.mark.parametrize(
    "cookie",
    [
        'ov_session="unterminated; ov_csrf=\x7f',
        "=; ;;; ov_lang",
        "ov_session=" + "A" * 5000,
        "ov_session=../../etc/passwd; ov_csrf=" + "x" * 500,
    ],
)
def test_a_malformed_cookie_header_is_treated_as_no_session(platform: Platform, client: Browser, cookie: str) -> None:
    client.cookies.clear()
    for path in ("/", "/login"):
        assert client.get(path, headers={"cookie": cookie}).status_code == 200
    me = client.get("/me", headers={"cookie": cookie}, follow_redirects=False)
    assert me.status_code == 303 and me.headers["location"].startswith("/login")
    problem(client.get("/api/v1/me", headers={"cookie": cookie}), 401, "kernel.not_authenticated")


def test_a_forged_session_cookie_is_anonymous(client: Browser) -> None:
    client.cookies.set(SESSION_COOKIE, "forged-session-token")
    problem(client.get("/api/v1/me"), 401, "kernel.not_authenticated")


@pytest.mark.usefixtures("unchanged")
def test_bad_query_parameters_are_a_4xx_page(client: Browser) -> None:
    assert client.get("/?page=0").status_code == 422
    assert client.get("/?page=abc").status_code == 422
    assert client.get("/?q=" + "x" * 101).status_code == 422


def test_a_non_numeric_agent_id_is_a_4xx_not_a_crash(platform: Platform, client: Browser) -> None:
    rep, rep_number, _ = make_person(platform)
    enterprise = make_enterprise(platform, rep)
    client.login(rep_number)
    path = f"/enterprises/{enterprise.credit_code}"
    response = client.submit(path, f"{path}/agents/abc/revoke", {})
    assert response.status_code == 422
