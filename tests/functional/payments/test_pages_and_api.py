"""Citizen pages and the payments API over real HTTP, with the channel simulator in-process."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select

from onevisit.kernel.platform import Platform
from onevisit.payments.models import Bill, Receipt
from tests.common.factories import make_clerk, make_enterprise, make_person
from tests.functional.conftest import Browser
from tests.unit.payments.helpers import SIM_BASE, bill_for, department, event, in_process_simulator, signed


def _problem(response: Any, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == code


def test_a_citizen_pays_a_bill_through_the_channel_page_and_gets_a_verifiable_receipt(
    platform: Platform, client: Browser
) -> None:
    person, number, _ = make_person(platform, name="王小明")
    bill = bill_for(platform, person, department(platform), amount_fen=20_150)
    with in_process_simulator(platform) as (sim, _gateways):
        client.login(number)
        me = client.get("/me")
        assert 'href="/payments/bills"' in me.text and 'href="/payments/receipts"' in me.text
        bills = client.get("/payments/bills")
        assert bill.number in bills.text and "¥201.50" in bills.text

        page = client.get(f"/payments/bills/{bill.number}")
        key = re.search(r'name="idempotency_key" value="([^"]+)"', page.text)
        assert key
        form = {
            "channel": "wechat",
            "idempotency_key": key.group(1),
            "csrf_token": client.csrf(f"/payments/bills/{bill.number}"),
        }
        go = client.post(f"/payments/bills/{bill.number}/pay", data=form, follow_redirects=False)
        assert go.status_code == 303 and go.headers["location"].endswith("/go")
        again = client.post(f"/payments/bills/{bill.number}/pay", data=form, follow_redirects=False)
        assert again.headers["location"] == go.headers["location"]  # a double click: the same order
        handover = client.get(go.headers["location"])
        link = re.search(r'id="go-to-channel" href="([^"]+)"', handover.text)
        assert link and link.group(1).startswith(SIM_BASE + "/wechat/pay/")

        # The payer confirms on the channel's own page, which sends them back to us.
        channel_page = sim.get(link.group(1).removeprefix(SIM_BASE))
        assert "¥201.50" in channel_page.text
        back = sim.post(link.group(1).removeprefix(SIM_BASE), data={"action": "confirm"}, follow_redirects=False)
        assert back.status_code == 303
        done = client.get(back.headers["location"].removeprefix("http://127.0.0.1"))
        assert "You have paid ¥201.50" in done.text or "您已支付 ¥201.50" in done.text

    with platform.db.session() as session:
        receipt = session.scalar(select(Receipt))
        assert receipt is not None
        assert session.get(Bill, bill.id).status == "paid"  # type: ignore[union-attr]
    receipts = client.get("/payments/receipts")
    assert receipt.number in receipts.text
    detail = client.get(f"/payments/receipts/{receipt.number}")
    assert "王小明" in detail.text
    pdf = client.get(f"/payments/receipts/{receipt.number}/pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")

    anonymous = Browser(client.app, base_url="http://127.0.0.1")
    check = anonymous.get(f"/receipts/verify/{receipt.number}?code={receipt.verify_code}")
    assert check.status_code == 200 and "¥201.50" in check.text
    assert anonymous.get(f"/receipts/verify/{receipt.number}?code=000000000000").status_code == 404
    assert anonymous.get(f"/payments/receipts/{receipt.number}", follow_redirects=False).status_code == 303


def test_someone_else_pays_with_the_bill_number_and_pay_code(platform: Platform, client: Browser) -> None:
    owner, _, _ = make_person(platform, name="老王")
    _helper, helper_number, _ = make_person(platform, name="小王")
    bill = bill_for(platform, owner, department(platform))
    client.login(helper_number)
    assert client.get(f"/payments/bills/{bill.number}").status_code == 404  # not theirs, no code
    wrong = client.submit("/payments/bills", "/payments/bills/find", {"bill_number": bill.number, "pay_code": "WRONG"})
    assert (wrong.status_code == 422 and "There is a problem" in wrong.text) or "存在问题" in wrong.text
    found = client.submit(
        "/payments/bills",
        "/payments/bills/find",
        {"bill_number": bill.number, "pay_code": bill.pay_code},
        follow_redirects=False,
    )
    assert found.status_code == 303
    page = client.get(found.headers["location"])
    assert bill.title in page.text and 'name="pay_code"' in page.text


def test_the_order_api_is_idempotent(platform: Platform, client: Browser) -> None:
    person, number, _ = make_person(platform)
    dep = department(platform)
    bill = bill_for(platform, person, dep)
    other = bill_for(platform, person, dep)
    with in_process_simulator(platform):
        token = client.post("/api/v1/auth/login", json={"id_number": number, "password": "correct horse battery"})
        headers = {"X-CSRF-Token": token.json()["csrf_token"]}
        body = {"bill_number": bill.number, "channel": "alipay"}
        _problem(
            client.post("/api/v1/payments/orders", json=body, headers=headers), 422, "payments.idempotency.key_invalid"
        )
        headers["Idempotency-Key"] = "api-key-0001"
        first = client.post("/api/v1/payments/orders", json=body, headers=headers)
        assert first.status_code == 201, first.text
        second = client.post("/api/v1/payments/orders", json=body, headers=headers)
        assert second.json()["number"] == first.json()["number"]
        _problem(
            client.post("/api/v1/payments/orders", json={**body, "bill_number": other.number}, headers=headers),
            409,
            "payments.idempotency.key_reused",
        )
        _problem(
            client.post("/api/v1/payments/orders", json={**body, "amount_fen": 1}, headers=headers),
            422,
            "kernel.validation",
        )
        status = client.get(f"/api/v1/payments/orders/{first.json()['number']}?refresh=true")
        assert status.json()["status"] == "pending"
        listed = client.get("/api/v1/payments/bills?status=outstanding").json()
        assert {b["number"] for b in listed} == {bill.number, other.number}
        assert all(isinstance(b["amount_fen"], int) for b in listed)


def test_notifications_forged_or_genuine_and_the_staff_page(platform: Platform, client: Browser) -> None:
    person, number, _ = make_person(platform)
    dep = department(platform)
    bill = bill_for(platform, person, dep, amount_fen=4_200)
    _, admin_number, _ = make_clerk(platform, dep, role="department_admin", name="管理员")
    with in_process_simulator(platform):
        token = client.post("/api/v1/auth/login", json={"id_number": number, "password": "correct horse battery"})
        order = client.post(
            "/api/v1/payments/orders",
            json={"bill_number": bill.number, "channel": "alipay"},
            headers={"X-CSRF-Token": token.json()["csrf_token"], "Idempotency-Key": "notify-0001"},
        ).json()
        client.cookies.clear()
        headers, body = signed(event(order["number"], 4_200), secret=b"z" * 32)
        forged = client.post("/api/v1/payments/notify/alipay", content=body, headers=headers)
        assert forged.status_code == 400 and forged.json()["code"] == "FAIL"
        headers, body = signed(event(order["number"], 4_200))
        ok = client.post("/api/v1/payments/notify/alipay", content=body, headers=headers)
        assert ok.status_code == 200 and ok.json()["outcome"] == "settled"
        replay = client.post("/api/v1/payments/notify/alipay", content=body, headers=headers)
        assert replay.status_code == 200 and replay.json()["outcome"] == "duplicate"

        client.login(admin_number)
        staff = client.get("/staff/payments")
        assert staff.status_code == 200 and "signature" in staff.text and "¥42.00" in staff.text
        bad = client.submit("/staff/payments", "/staff/payments/reconcile", {"channel": "alipay", "day": "yesterday"})
        assert bad.status_code == 422
        day = order["number"]  # the order number starts with the date; reconcile today (UTC)
        assert day
        import datetime as dt

        done = client.submit(
            "/staff/payments",
            "/staff/payments/reconcile",
            {"channel": "alipay", "day": dt.datetime.now(dt.UTC).date().isoformat()},
        )
        assert done.status_code == 200
        # The statement has no such payment (the "notification" was ours): reported as missing.
        assert "Missing from the statement" in done.text or "对账单中缺少" in done.text


def test_a_receipt_claim_is_refused_the_second_time(platform: Platform, client: Browser) -> None:
    person, number, _ = make_person(platform)
    enterprise = make_enterprise(platform, person, name="示例保险公司")
    bill = bill_for(platform, person, department(platform), amount_fen=900)
    with in_process_simulator(platform) as (sim, gateways):
        from onevisit.kernel.actors import ActorKind, Principal
        from onevisit.payments.services import orders
        from tests.unit.payments.helpers import pay_at_simulator

        who = Principal(kind=ActorKind.CITIZEN, account_id=1, person_id=person.id)
        order = orders.start_payment(
            platform, gateways, who, bill_number=bill.number, channel="alipay", idempotency_key="claim-api-01"
        )
        pay_at_simulator(sim, order.pay_url)
        orders.refresh_from_channel(platform, gateways, order.number)
    with platform.db.session() as session:
        receipt = session.scalar(select(Receipt))
        assert receipt is not None
    client.login(number)
    client.submit(f"/enterprises/{enterprise.credit_code}", f"/enterprises/{enterprise.credit_code}/act", {})
    csrf = client.csrf("/me")
    claim = {"code": receipt.verify_code, "claim_reference": "INS-2026-1"}
    first = client.post(f"/api/v1/payments/receipts/{receipt.number}/claim", json=claim, headers={"X-CSRF-Token": csrf})
    assert first.status_code == 201, first.text
    _problem(
        client.post(f"/api/v1/payments/receipts/{receipt.number}/claim", json=claim, headers={"X-CSRF-Token": csrf}),
        409,
        "payments.receipt.already_claimed",
    )
    verified = client.get(f"/api/v1/payments/receipts/{receipt.number}/verify?code={receipt.verify_code}")
    assert verified.json()["claimed"] is True


def _settle(platform: Platform, person: Any, dep: Any, amount_fen: int, key: str) -> str:
    from onevisit.kernel.actors import ActorKind, Principal
    from onevisit.payments.services import orders
    from tests.unit.payments.helpers import pay_at_simulator

    bill = bill_for(platform, person, dep, amount_fen=amount_fen)
    with in_process_simulator(platform) as (sim, gateways):
        who = Principal(kind=ActorKind.CITIZEN, account_id=1, person_id=person.id)
        order = orders.start_payment(
            platform, gateways, who, bill_number=bill.number, channel="unionpay", idempotency_key=key
        )
        pay_at_simulator(sim, order.pay_url)
        assert orders.refresh_from_channel(platform, gateways, order.number) == "settled"
    return order.number


def test_a_department_admin_sees_and_refunds_only_their_own_departments_payments(
    platform: Platform, client: Browser
) -> None:
    from tests.common.factories import make_department

    payer, _, _ = make_person(platform)
    police = department(platform)  # 浙江省公安厅
    tax = make_department(platform, code="ZJ-TAX", name_zh="浙江省税务局", name_en="Zhejiang Tax Service")
    police_order = _settle(platform, payer, police, 4_200, "scope-police-1")
    tax_order = _settle(platform, payer, tax, 7_700, "scope-tax-0001")
    _, police_admin, _ = make_clerk(platform, police, role="department_admin", name="公安管理员")
    _, province_admin, _ = make_clerk(platform, police, role="administrator", name="省管理员")

    client.login(police_admin)
    page = client.get("/staff/payments")
    assert page.status_code == 200
    assert "¥42.00" in page.text and ("浙江省公安厅" in page.text or "Zhejiang PSB" in page.text)
    assert "¥77.00" not in page.text and "浙江省税务局" not in page.text and "Zhejiang Tax Service" not in page.text
    csrf = {"X-CSRF-Token": client.csrf("/staff/payments")}
    refund = {"amount_fen": 100, "reason": "overcharged"}
    with in_process_simulator(platform):
        # Another department's payment: not found, not "forbidden" (its existence stays hidden).
        _problem(
            client.post(f"/api/v1/payments/orders/{tax_order}/refunds", json=refund, headers=csrf),
            404,
            "payments.order.not_found",
        )
        own = client.post(f"/api/v1/payments/orders/{police_order}/refunds", json=refund, headers=csrf)
        assert own.status_code == 201, own.text

    client.cookies.clear()
    client.login(province_admin)
    everything = client.get("/staff/payments")
    assert "浙江省公安厅" in everything.text and "浙江省税务局" in everything.text and "¥77.00" in everything.text
    with in_process_simulator(platform):
        theirs = client.post(
            f"/api/v1/payments/orders/{tax_order}/refunds",
            json=refund,
            headers={"X-CSRF-Token": client.csrf("/staff/payments")},
        )
        assert theirs.status_code == 201, theirs.text
