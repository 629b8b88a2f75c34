"""Conditional sharing through the pages and the API: a department files an access request,
the owner approves, refuses or revokes it, and lookups follow at once — refusals logged."""

from __future__ import annotations

from sqlalchemy import select

from onevisit.datahub.models import AccessLog, Approval
from onevisit.kernel.audit import AuditEvent
from onevisit.kernel.clock import FrozenClock
from onevisit.kernel.platform import Platform
from tests.common.factories import make_clerk, make_department
from tests.functional.conftest import Browser
from tests.unit.datahub.conftest import Hub, build_hub

PURPOSE = {"use": "nr.transfer", "kind": "application", "reference": "A-9", "legal_basis": "《不动产登记暂行条例》"}
REQUEST = {
    "item": "psb.no_criminal_record",
    "use": "nr.transfer",
    "legal_basis": "《不动产登记暂行条例》第十四条",
    "justification": "Buyers of second-hand homes must show they have no criminal record.",
}


def login(client: Browser, number: str) -> None:
    client.cookies.clear()
    client.login(number)


def lookup(client: Browser, hub: Hub) -> tuple[int, str]:
    response = client.post(
        "/api/v1/datahub/dossier",
        json={"subject": hub.id_number, "purpose": PURPOSE, "items": ["psb.no_criminal_record"]},
        headers={"X-CSRF-Token": client.csrf("/staff")},
    )
    return response.status_code, response.json().get("code", "")


def owner_admin(platform: Platform, hub: Hub) -> str:
    _, number, _ = make_clerk(platform, hub.owner, role="department_admin", name="公安处长")
    return number


def file_request(client: Browser, **changes: str) -> int:
    response = client.submit(
        "/staff/datahub/requests/new", "/staff/datahub/requests", {**REQUEST, **changes}, follow_redirects=False
    )
    assert response.status_code == 303, response.text
    return int(response.headers["location"].split("/")[-1].split("?")[0])


def test_request_approve_revoke_through_the_pages(client: Browser, platform: Platform) -> None:
    hub = build_hub(platform)
    owner = owner_admin(platform, hub)

    login(client, hub.other_number)
    assert lookup(client, hub) == (403, "datahub.approval.missing")
    form = client.get("/staff/datahub/requests/new?item=psb.no_criminal_record")
    assert 'value="psb.no_criminal_record" selected' in form.text
    assert 'value="psb.household"' not in form.text  # unconditional items need no request
    request_id = file_request(client)
    page = client.get(f"/staff/datahub/requests/{request_id}?notice=request_filed")
    assert "Pending" in page.text or "待审批" in page.text
    assert "/approve" not in page.text  # the requester cannot decide its own request
    assert lookup(client, hub) == (403, "datahub.approval.missing")  # pending is not approved

    login(client, owner)
    inbox = client.get("/staff/datahub/requests")
    assert f"/staff/datahub/requests/{request_id}" in inbox.text and 'id="inbox"' in inbox.text
    catalogue = client.get("/staff/datahub").text  # the catalogue points at what waits
    assert "1 waiting for your decision" in catalogue or "1 项待您审批" in catalogue
    approved = client.submit(
        f"/staff/datahub/requests/{request_id}",
        f"/staff/datahub/requests/{request_id}/approve",
        {"approve_reason": "同意", "approve_valid_until": ""},
        follow_redirects=False,
    )
    assert approved.status_code == 303

    login(client, hub.other_number)
    assert lookup(client, hub) == (200, "")
    assert "同意" in client.get(f"/staff/datahub/requests/{request_id}").text

    login(client, owner)
    empty = client.submit(
        f"/staff/datahub/requests/{request_id}",
        f"/staff/datahub/requests/{request_id}/revoke",
        {"revoke_reason": ""},
    )
    assert empty.status_code == 422 and ("Error:" in empty.text or "错误" in empty.text)
    assert 'href="#field-revoke_reason"' in empty.text
    revoked = client.submit(
        f"/staff/datahub/requests/{request_id}",
        f"/staff/datahub/requests/{request_id}/revoke",
        {"revoke_reason": "用途已结束"},
        follow_redirects=False,
    )
    assert revoked.status_code == 303

    login(client, hub.other_number)
    assert lookup(client, hub) == (403, "datahub.approval.missing")  # at once
    with platform.db.session() as session:
        refused = list(
            session.scalars(select(AccessLog).where(AccessLog.granted.is_(False), AccessLog.reason.is_not(None)))
        )
        actions = set(session.scalars(select(AuditEvent.action)))
    assert sum(r.reason == "datahub.approval.missing" for r in refused) == 3
    assert {"datahub.access_requested", "datahub.access_request_approved", "datahub.access_request_revoked"} <= actions


def test_refusal_withdrawal_and_bad_input(client: Browser, platform: Platform) -> None:
    hub = build_hub(platform)
    owner = owner_admin(platform, hub)
    login(client, hub.other_number)
    bad = client.submit(
        "/staff/datahub/requests/new",
        "/staff/datahub/requests",
        {
            "item": "psb.household",
            "use": "nr.transfer",
            "legal_basis": "",
            "justification": "short",
            "valid_until": "x",
        },
    )
    assert bad.status_code == 422
    for field in ("legal_basis", "justification", "valid_until"):
        assert f'href="#field-{field}"' in bad.text
    not_needed = client.submit(
        "/staff/datahub/requests/new", "/staff/datahub/requests", {**REQUEST, "item": "psb.household"}
    )
    assert not_needed.status_code == 422 and 'href="#field-item"' in not_needed.text
    first = file_request(client)
    twice = client.submit("/staff/datahub/requests/new", "/staff/datahub/requests", REQUEST)
    assert twice.status_code == 409
    withdrawn = client.submit(
        f"/staff/datahub/requests/{first}", f"/staff/datahub/requests/{first}/withdraw", {}, follow_redirects=False
    )
    assert withdrawn.status_code == 303
    second = file_request(client)

    login(client, owner)
    refused = client.submit(
        f"/staff/datahub/requests/{second}",
        f"/staff/datahub/requests/{second}/refuse",
        {"refuse_reason": "依据不足"},
        follow_redirects=False,
    )
    assert refused.status_code == 303
    again = client.submit(
        f"/staff/datahub/requests/{second}",
        f"/staff/datahub/requests/{second}/approve",
        {"approve_reason": ""},
    )
    assert again.status_code == 409  # decided already: nothing changes

    login(client, hub.other_number)
    page = client.get(f"/staff/datahub/requests/{second}")
    assert "依据不足" in page.text
    assert lookup(client, hub) == (403, "datahub.approval.missing")


def test_requests_are_private_to_the_two_departments(client: Browser, platform: Platform) -> None:
    hub = build_hub(platform)
    login(client, hub.other_number)
    request_id = file_request(client)
    stranger_department = make_department(platform, "ZJ-EDU", "浙江省教育厅", "Education")
    _, stranger, _ = make_clerk(platform, stranger_department, role="department_admin", name="教育处长")
    login(client, stranger)
    assert client.get(f"/staff/datahub/requests/{request_id}").status_code == 404
    assert f"/staff/datahub/requests/{request_id}" not in client.get("/staff/datahub/requests").text
    response = client.submit(
        "/staff/datahub/requests", f"/staff/datahub/requests/{request_id}/approve", {"approve_reason": ""}
    )
    assert response.status_code == 404
    # the requesting department's own admin may not approve its own request either
    _, requester_admin, _ = make_clerk(platform, hub.other, role="department_admin", name="自然资源处长")
    login(client, requester_admin)
    response = client.submit(
        f"/staff/datahub/requests/{request_id}", f"/staff/datahub/requests/{request_id}/approve", {}
    )
    assert response.status_code == 403
    # a clerk of the owner sees it but cannot decide (datahub.manage)
    login(client, client_number_of_owner_clerk(platform, hub))
    assert client.get(f"/staff/datahub/requests/{request_id}").status_code == 200
    response = client.submit(
        f"/staff/datahub/requests/{request_id}", f"/staff/datahub/requests/{request_id}/approve", {}
    )
    assert response.status_code == 403


def client_number_of_owner_clerk(platform: Platform, hub: Hub) -> str:
    _, number, _ = make_clerk(platform, hub.owner, name="公安文员二")
    return number


def test_the_api_workflow_and_expiry(client: Browser, platform: Platform, clock: FrozenClock) -> None:
    hub = build_hub(platform)
    owner = owner_admin(platform, hub)
    login(client, hub.other_number)
    headers = {"X-CSRF-Token": client.csrf("/staff")}
    bad = client.post("/api/v1/datahub/requests", json={**REQUEST, "legal_basis": ""}, headers=headers)
    assert bad.status_code == 422 and bad.headers["content-type"].startswith("application/problem+json")
    assert {e["field"] for e in bad.json()["errors"]} == {"legal_basis"}
    filed = client.post("/api/v1/datahub/requests", json={**REQUEST, "valid_until": "2026-11-30"}, headers=headers)
    assert filed.status_code == 201, filed.text
    body = filed.json()
    assert body["status"] == "pending" and body["valid_until"] == "2026-11-30" and body["requester"] == "ZJ-NR"
    assert [r["id"] for r in client.get("/api/v1/datahub/requests?box=outbox").json()] == [body["id"]]

    login(client, owner)
    headers = {"X-CSRF-Token": client.csrf("/staff")}
    assert [r["id"] for r in client.get("/api/v1/datahub/requests?box=inbox").json()] == [body["id"]]
    approved = client.post(f"/api/v1/datahub/requests/{body['id']}/approve", json={}, headers=headers)
    assert approved.status_code == 200 and approved.json()["status"] == "approved"

    login(client, hub.other_number)
    assert lookup(client, hub) == (200, "")
    clock.advance(days=11)  # 2026-12-01: past the last day
    login(client, hub.other_number)  # (the session did not last that long)
    assert lookup(client, hub) == (403, "datahub.approval.missing")  # lapsed at once
    assert client.get(f"/api/v1/datahub/requests/{body['id']}").json()["status"] == "expired"
    from onevisit.datahub.jobs import expire_requests

    assert expire_requests(platform) == 1
    with platform.db.session() as session:
        assert session.scalar(select(Approval.status).where(Approval.id == body["id"])) == "expired"
