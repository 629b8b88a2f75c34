"""Policies over real HTTP: a department drafts, publishes and matches; the legal
representative sees the offer, confirms once and gets the payment notice; auditors see why;
bad input (unknown fields, negative budget, empty period, strangers, second clicks) refused."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import func, select

from onevisit.identity.models import Department
from onevisit.kernel.platform import Platform
from onevisit.payments.models import Bill, Payout
from onevisit.policies.models import Offer
from tests.common.factories import make_clerk, make_person
from tests.functional.conftest import Browser
from tests.unit.policies.helpers import RENT_BENEFIT, RENT_RULE, insurance, load_facts, make_firm, setup_departments


def _problem(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["code"] == code, body
    return body


def _department(platform: Platform, code: str = "ZJ-HRSS") -> Department:
    with platform.db.session() as session:
        dep = session.scalar(select(Department).where(Department.code == code))
        assert dep is not None
        return dep


def _policy_body(**changes: Any) -> dict[str, Any]:
    body = {
        "code": "rent-subsidy-2026",
        "title": "小微企业员工租房补贴",
        "eligibility": RENT_RULE,
        "benefit": RENT_BENEFIT,
        "budget_fen": 10_000_000,
        "starts_on": "2026-01-01",
        "ends_on": "2026-12-31",
        "recurrence": "once",
    }
    body.update(changes)
    return body


def _draft_through_the_page(client: Browser, admin_number: str) -> None:
    """Bad input first (every problem named, the input kept), then a good draft."""
    client.login(admin_number)
    new = client.get("/staff/policies/new")
    assert "insured_employees" in new.text  # the facts a rule may use are listed
    form = {
        "code": "rent-subsidy-2026",
        "title": "小微企业员工租房补贴",
        "eligibility": "employes >= 5",
        "benefit": RENT_BENEFIT,
        "budget": "-5",
        "starts_on": "2026-12-31",
        "ends_on": "2026-01-01",
        "recurrence": "once",
    }
    bad = client.submit("/staff/policies/new", "/staff/policies", form)
    assert bad.status_code == 422
    assert "<title>Error:" in bad.text or "<title>错误" in bad.text
    assert 'href="#field-budget"' in bad.text and 'href="#field-ends_on"' in bad.text
    assert "employes" in bad.text and "employees" in bad.text  # the pointed rules error, with its suggestion
    assert 'value="rent-subsidy-2026"' in bad.text  # what was typed is kept
    form.update(eligibility=RENT_RULE, budget="100,000", starts_on="2026-01-01", ends_on="2026-12-31")
    made = client.submit("/staff/policies/new", "/staff/policies", form, follow_redirects=False)
    assert made.status_code == 303 and made.headers["location"].startswith("/staff/policies/rent-subsidy-2026")


def test_publish_match_confirm_and_audit_through_pages_and_api(platform: Platform, client: Browser) -> None:
    setup_departments(platform)
    firm = make_firm(platform, name="杭州小微科技有限公司", employees=10)
    other = make_firm(platform, name="杭州参保不足有限公司", employees=20, rep_name="李法人")
    load_facts(platform, {firm.enterprise.credit_code: insurance(10), other.enterprise.credit_code: insurance(5)})
    _, admin_number, _ = make_clerk(platform, _department(platform), role="department_admin", name="王处长")

    _draft_through_the_page(client, admin_number)
    page = client.get("/staff/policies/rent-subsidy-2026")
    assert "¥100,000.00" in page.text
    client.submit("/staff/policies/rent-subsidy-2026", "/staff/policies/rent-subsidy-2026/publish", {})
    matched = client.submit(
        "/staff/policies/rent-subsidy-2026", "/staff/policies/rent-subsidy-2026/match", {}, follow_redirects=True
    )
    assert matched.status_code == 200
    assert re.search(r"<dt>[^<]*</dt><dd>1</dd>", matched.text)  # one enterprise offered
    with platform.db.session() as session:
        number = session.scalars(select(Offer.number)).one()
    # the staff see the offer and why, but cannot confirm it for the enterprise
    audit = client.get(f"/policies/offers/{number}")
    assert (
        "insured_employees &gt;= 0.8 * employees" in audit.text or "insured_employees >= 0.8 * employees" in audit.text
    )
    refused = client.post(f"/api/v1/policies/offers/{number}/confirm", headers={"X-CSRF-Token": client.csrf("/staff")})
    _problem(refused, 403, "policies.offer.not_representative")
    api = client.get("/api/v1/policies/rent-subsidy-2026/offers").json()
    assert api[0]["explanation"]["eligibility"]["status"] == "held"
    client.post("/logout", data={"csrf_token": client.csrf("/staff")})

    # --- a stranger cannot see or confirm it (404, nothing confirmed)
    _, stranger_number, _ = make_person(platform, name="路人甲")
    client.login(stranger_number)
    assert client.get(f"/policies/offers/{number}").status_code == 404
    token = client.csrf("/me")
    _problem(
        client.post(f"/api/v1/policies/offers/{number}/confirm", headers={"X-CSRF-Token": token}),
        404,
        "policies.offer.not_found",
    )
    client.post("/logout", data={"csrf_token": token})

    # --- the legal representative: the offer, one click, the payment notice
    client.login(firm.rep_number)
    mine = client.get("/policies/offers")
    assert "小微企业员工租房补贴" in mine.text and "¥5,000.00" in mine.text
    offer = client.get(f"/policies/offers/{number}")
    assert 'id="confirm-offer"' in offer.text and "✓" in offer.text
    done = client.submit(f"/policies/offers/{number}", f"/policies/offers/{number}/confirm", {}, follow_redirects=True)
    assert done.status_code == 200 and 'id="payment-notice"' in done.text and 'id="confirm-offer"' not in done.text
    again = client.submit(f"/policies/offers/{number}", f"/policies/offers/{number}/confirm", {})
    assert again.status_code == 409
    _problem(
        client.post(f"/api/v1/policies/offers/{number}/confirm", headers={"X-CSRF-Token": client.csrf("/me")}),
        409,
        "policies.offer.already_confirmed",
    )
    listed = client.get("/api/v1/policies/offers/mine").json()
    assert listed[0]["status"] == "paid" and listed[0]["payout"]["amount_fen"] == 500_000
    with platform.db.session() as session:
        assert session.scalar(select(func.count()).select_from(Payout)) == 1


def test_api_bad_input_is_refused_clearly(platform: Platform, client: Browser) -> None:
    setup_departments(platform)
    _, admin_number, _ = make_clerk(platform, _department(platform), role="department_admin", name="王处长")
    client.login(admin_number)
    headers = {"X-CSRF-Token": client.csrf("/staff")}
    body = _problem(
        client.post("/api/v1/policies", json=_policy_body(budget_fen=-1), headers=headers),
        422,
        "policies.policy.invalid",
    )
    assert any(e["field"] == "budget" for e in body["errors"])
    body = _problem(
        client.post(
            "/api/v1/policies", json=_policy_body(starts_on="2026-06-01", ends_on="2026-05-31"), headers=headers
        ),
        422,
        "policies.policy.invalid",
    )
    assert [e["field"] for e in body["errors"]] == ["ends_on"]
    body = _problem(
        client.post(
            "/api/v1/policies", json=_policy_body(eligibility="turnover > 5 AND employees >= 1"), headers=headers
        ),
        422,
        "policies.policy.invalid",
    )
    assert body["errors"][0]["field"] == "eligibility" and "turnover" in body["errors"][0]["message"]
    created = client.post("/api/v1/policies", json=_policy_body(), headers=headers)
    assert created.status_code == 201 and created.json()["status"] == "draft"
    _problem(
        client.post("/api/v1/policies/rent-subsidy-2026/match", json={}, headers=headers),
        409,
        "policies.policy.not_published",
    )
    assert client.post("/api/v1/policies/rent-subsidy-2026/publish", headers=headers).json()["status"] == "published"
    _problem(
        client.post("/api/v1/policies/rent-subsidy-2026/publish", headers=headers), 409, "policies.policy.not_draft"
    )
    # another department's staff do not see it
    _, tax_number, _ = make_clerk(platform, _department(platform, "ZJ-TAX"), name="税务员")
    client.post("/logout", data={"csrf_token": headers["X-CSRF-Token"]})
    client.login(tax_number)
    assert client.get("/api/v1/policies/rent-subsidy-2026").status_code == 404


def test_clawback_from_the_offer_page_bills_the_enterprise(platform: Platform, client: Browser) -> None:
    setup_departments(platform)
    firm = make_firm(platform, employees=10)
    load_facts(platform, {firm.enterprise.credit_code: insurance(10)})
    _, admin_number, _ = make_clerk(platform, _department(platform), role="department_admin", name="王处长")
    client.login(admin_number)
    headers = {"X-CSRF-Token": client.csrf("/staff")}
    client.post("/api/v1/policies", json=_policy_body(), headers=headers)
    client.post("/api/v1/policies/rent-subsidy-2026/publish", headers=headers)
    assert (
        client.post("/api/v1/policies/rent-subsidy-2026/match", json={"as_of": "2026-11-20"}, headers=headers).json()[
            "new_offers"
        ]
        == 1
    )
    with platform.db.session() as session:
        number = session.scalars(select(Offer.number)).one()
    client.post("/logout", data={"csrf_token": headers["X-CSRF-Token"]})
    client.login(firm.rep_number)
    assert (
        client.post(f"/api/v1/policies/offers/{number}/confirm", headers={"X-CSRF-Token": client.csrf("/me")}).json()[
            "status"
        ]
        == "paid"
    )
    client.post("/logout", data={"csrf_token": client.csrf("/me")})
    client.login(admin_number)
    page = client.get(f"/policies/offers/{number}")
    assert 'action="/staff/policies/offers/' in page.text
    empty = client.submit(f"/policies/offers/{number}", f"/staff/policies/offers/{number}/clawback", {"reason": ""})
    assert empty.status_code == 422 and 'href="#field-reason"' in empty.text
    done = client.submit(
        f"/policies/offers/{number}",
        f"/staff/policies/offers/{number}/clawback",
        {"reason": "参保人数虚报，经核查实际参保3人"},
        follow_redirects=True,
    )
    assert done.status_code == 200 and "参保人数虚报" in done.text
    with platform.db.session() as session:
        bill = session.scalars(select(Bill)).one()
        assert bill.kind == "clawback" and bill.payer_enterprise_id == firm.enterprise.id
