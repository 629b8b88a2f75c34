"""The identity JSON API: login, me, logout, and RFC 9457 problem details."""

from __future__ import annotations

from onevisit.kernel.http.authz import SESSION_COOKIE
from onevisit.kernel.platform import Platform
from tests.common.factories import make_enterprise, make_person
from tests.functional.conftest import Browser

PROBLEM = "application/problem+json"


def _problem(response, status: int, code: str) -> dict:  # type: ignore[no-untyped-def, type-arg]
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body = response.json()
    assert {"type", "title", "status", "detail", "code"} <= set(body)
    assert body["status"] == status
    assert body["code"] == code
    assert body["type"].endswith(code)
    assert body["title"] and body["detail"]
    return body  # type: ignore[no-any-return]


def test_login_me_and_logout(platform: Platform, client: Browser) -> None:
    person, number, account = make_person(platform, name="王小明", phone="13812345678")
    make_enterprise(platform, person, name="小明的公司")
    assert account is not None
    login = client.post("/api/v1/auth/login", json={"id_number": number, "password": "correct horse battery"})
    assert login.status_code == 200
    body = login.json()
    assert body["account_id"] == account.id
    assert body["csrf_token"]
    assert login.cookies.get(SESSION_COOKIE)

    me = client.get("/api/v1/me")
    assert me.status_code == 200
    data = me.json()
    assert data["person"]["name"] == "王小明"
    assert data["person"]["id_number_masked"] == number[:6] + "********" + number[-4:]
    assert data["person"]["phone_masked"] == "138****5678"
    assert number not in me.text and "13812345678" not in me.text
    assert [e["name"] for e in data["enterprises"]] == ["小明的公司"]
    assert "citizen" in data["roles"]

    # With a session cookie, unsafe requests need the CSRF token from the login answer.
    _problem(client.post("/api/v1/auth/logout"), 403, "kernel.csrf")
    out = client.post("/api/v1/auth/logout", headers={"X-CSRF-Token": body["csrf_token"]})
    assert out.status_code == 204
    _problem(client.get("/api/v1/me"), 401, "kernel.not_authenticated")


def test_a_wrong_password_is_a_401_problem(platform: Platform, client: Browser) -> None:
    _, number, _ = make_person(platform)
    body = _problem(
        client.post("/api/v1/auth/login", json={"id_number": number, "password": "nope"}), 401, "identity.login.failed"
    )
    assert body["instance"] == "/api/v1/auth/login"
    assert "nope" not in str(body)


def test_invalid_fields_are_listed_by_name(client: Browser) -> None:
    response = client.post("/api/v1/auth/login", json={"id_number": "110105194912310021"})
    body = _problem(response, 422, "kernel.validation")
    by_field = {e["field"]: e["message"] for e in body["errors"]}
    assert set(by_field) == {"id_number", "password"}
    assert "last character" in by_field["id_number"]


def test_anonymous_me_is_a_401_problem_not_a_redirect(client: Browser) -> None:
    response = client.get("/api/v1/me", follow_redirects=False)
    _problem(response, 401, "kernel.not_authenticated")


def test_sms_code_login_through_the_api(platform: Platform, client: Browser) -> None:
    import re

    from onevisit.kernel.notify import dev_messages_to

    _, number, _ = make_person(platform, phone="13700000001")
    assert client.post("/api/v1/auth/sms-code", json={"id_number": number}).status_code == 202
    with platform.db.session() as session:
        [message] = dev_messages_to(session, platform, "13700000001")
    code = re.search(r"\b(\d{6})\b", message.body)
    assert code
    login = client.post("/api/v1/auth/sms-login", json={"id_number": number, "code": code.group(1)})
    assert login.status_code == 200
    assert client.get("/api/v1/me").status_code == 200


def test_checking_numbers_and_listing_regions(client: Browser) -> None:
    ok = client.post("/api/v1/identity/id-numbers/check", json={"value": "11010519491231002X"}).json()
    assert ok == {"valid": True, "region_code": "110105", "birth_date": "1949-12-31", "gender": "F"}
    assert client.get("/api/v1/identity/credit-codes/91350100M000100Y43").json() == {
        "valid": True,
        "region_code": "350100",
    }
    regions = client.get("/api/v1/regions").json()
    assert len([r for r in regions if r["level"] == 2]) == 11
    assert len([r for r in regions if r["level"] == 3 and r["current"]]) == 90
