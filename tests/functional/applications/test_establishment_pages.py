"""Establishing an enterprise over HTTP: an individual business through the API at once, a
limited company through the pages and the AMR clerk's approval; the applicant then sees
the enterprise and its credit code on the application, the enterprise in My OneVisit and
the business licence in the enterprise's wallet. A taken name is refused on the form."""

from __future__ import annotations

import re

from sqlalchemy import select

from onevisit.identity.creditcodes import parse_credit_code
from onevisit.identity.models import Enterprise
from onevisit.kernel.platform import Platform
from tests.common.factories import make_enterprise
from tests.functional.conftest import Browser
from tests.unit.applications.conftest import build_province
from tests.unit.applications.test_establishment import COMMITMENTS, COMPANY, NAME, SHOP

NUMBER = re.compile(r"/me/applications/(A\d+)")
COMMIT = {f"commit-{code}": "1" for code in COMMITMENTS}


def _enterprise(platform: Platform, name: str) -> Enterprise:
    with platform.db.session() as session:
        found = session.scalars(select(Enterprise).where(Enterprise.name == name)).one()
        session.expunge(found)
        return found


def _sees_the_enterprise(client: Browser, number: str, enterprise: Enterprise) -> None:
    code = enterprise.credit_code
    page = client.get(f"/me/applications/{number}").text
    assert "Your enterprise is established" in page and f'<dd class="mono" id="credit-code">{code}</dd>' in page
    assert f'href="/credentials/enterprises/{code}"' in page
    me = client.get("/me").text
    assert f'<a href="/enterprises/{code}">{enterprise.name}</a>' in me
    assert client.get(f"/enterprises/{code}").status_code == 200
    wallet = client.get(f"/credentials/enterprises/{code}")
    assert wallet.status_code == 200 and "Business licence" in wallet.text
    licence = re.search(r'href="/credentials/c/(BL-[0-9A-Z-]+)"', wallet.text)
    assert licence and licence.group(1) in page
    assert client.get(f"/credentials/c/{licence.group(1)}").status_code == 200
    client.get("/language/zh", follow_redirects=False)
    assert "企业已设立" in client.get(f"/me/applications/{number}").text
    client.get("/language/en", follow_redirects=False)


def test_an_individual_business_is_established_at_once_through_the_api(client: Browser, platform: Platform) -> None:
    province = build_province(platform)
    client.login(province.number)
    client.get("/language/en", follow_redirects=False)
    headers = {"X-CSRF-Token": client.csrf("/me")}
    body = {"service": "amr.business_licence", "form": SHOP, "commitments": COMMITMENTS, "idempotency_key": "shop-0001"}
    first = client.post("/api/v1/applications", json=body, headers=headers)
    assert first.status_code == 201, first.text
    out = first.json()
    assert out["status"] == "completed" and out["instant"] is True
    enterprise = _enterprise(platform, SHOP["enterprise_name"])
    assert out["enterprise"] == {"credit_code": enterprise.credit_code, "name": SHOP["enterprise_name"]}
    assert parse_credit_code(enterprise.credit_code).entity_type == "2"
    assert enterprise.legal_rep_id == province.person.id and enterprise.kind == "individual_business"
    again = client.post("/api/v1/applications", json=body, headers=headers)  # the same key
    assert again.status_code == 200 and again.json()["enterprise"] == out["enterprise"]
    with platform.db.session() as session:
        assert len(session.scalars(select(Enterprise)).all()) == 1
    _sees_the_enterprise(client, out["number"], enterprise)


def test_a_limited_company_through_the_pages_and_the_amr_clerk(client: Browser, platform: Platform) -> None:
    province = build_province(platform)
    client.login(province.number)
    client.get("/language/en", follow_redirects=False)
    client.submit("/apply/amr.business_licence", "/apply/amr.business_licence", {}, follow_redirects=False)
    number = NUMBER.search(client.get("/me/applications").text)
    assert number
    path = f"/me/applications/{number.group(1)}"
    form = client.get(path).text
    assert 'name="industry"' in form and 'name="enterprise_name"' in form
    sent = client.submit(path, path, {**COMPANY, **COMMIT}, follow_redirects=False)
    assert sent.status_code == 303, sent.text
    assert "Being reviewed" in client.get(path).text
    client.cookies.clear()

    client.login(province.clerks["ZJ-AMR"][0])
    client.get("/language/en", follow_redirects=False)
    task_ids = re.findall(r'href="/staff/applications/tasks/(\d+)"', client.get("/staff/applications").text)
    assert len(task_ids) == 1
    task = f"/staff/applications/tasks/{task_ids[0]}"
    decided = client.submit(task, task, {"decision": "approve"}, follow_redirects=False)
    assert decided.status_code == 303, decided.text
    client.cookies.clear()

    client.login(province.number)
    client.get("/language/en", follow_redirects=False)
    page = client.get(path).text
    assert "Completed" in page and "Enterprise established and registered" in page
    _sees_the_enterprise(client, number.group(1), _enterprise(platform, NAME))


def test_a_taken_name_is_refused_on_the_form_and_for_the_clerk(client: Browser, platform: Platform) -> None:
    province = build_province(platform)
    client.login(province.number)
    client.get("/language/en", follow_redirects=False)
    headers = {"X-CSRF-Token": client.csrf("/me")}
    body = {"service": "amr.business_licence", "form": COMPANY, "commitments": COMMITMENTS}
    pending = client.post("/api/v1/applications", json=body, headers=headers).json()
    assert pending["status"] == "in_review"
    make_enterprise(platform, province.person, name=NAME)
    refused = client.post("/api/v1/applications", json=body, headers=headers)
    assert refused.status_code == 422 and refused.json()["code"] == "applications.enterprise.name_taken"
    assert [e["field"] for e in refused.json()["errors"]] == ["enterprise_name"]
    client.submit("/apply/amr.business_licence", "/apply/amr.business_licence", {}, follow_redirects=False)
    numbers = NUMBER.findall(client.get("/me/applications").text)
    path = f"/me/applications/{numbers[0]}"
    page = client.submit(path, path, {**COMPANY, **COMMIT})
    assert page.status_code == 422 and 'href="#field-enterprise_name"' in page.text
    assert f"An enterprise named {NAME} is already registered: choose another name." in page.text
    client.cookies.clear()

    # the application submitted before the name was taken: the clerk is told, nothing decided
    client.login(province.clerks["ZJ-AMR"][0])
    client.get("/language/en", follow_redirects=False)
    task_ids = re.findall(r'href="/staff/applications/tasks/(\d+)"', client.get("/staff/applications").text)
    task = f"/staff/applications/tasks/{task_ids[0]}"
    conflict = client.submit(task, task, {"decision": "approve"})
    assert conflict.status_code == 409
    assert f"An enterprise named {NAME} has been registered since this application was submitted." in conflict.text
