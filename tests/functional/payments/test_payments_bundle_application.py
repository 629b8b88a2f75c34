"""The second-hand housing bundle, approved by its four departments, paid once through the
channel: the application completes, the deed tax is settled to the tax service and the
registration fee to natural resources, each department's administrator sees their own
share only, and the receipt names each item's payee."""

from __future__ import annotations

from sqlalchemy import func, select

from onevisit.applications.models import Application
from onevisit.applications.services import lifecycle, review
from onevisit.identity.models import Department
from onevisit.kernel.money import yuan
from onevisit.kernel.platform import Platform
from onevisit.payments.models import Bill, Receipt, SettlementEntry
from onevisit.payments.services import orders
from tests.common.factories import make_clerk
from tests.functional.conftest import Browser
from tests.unit.applications.conftest import Province, build_province
from tests.unit.payments.helpers import in_process_simulator, pay_at_simulator

HOUSING = {"seller_name": "张三", "location": "杭州市西湖区文三路1号", "area_m2": "88", "utilities": "all"}


def test_a_bundle_paid_once_is_settled_to_each_department(platform: Platform, client: Browser) -> None:
    province = build_province(platform)
    citizen = province.citizen()
    draft = lifecycle.start(platform, citizen, "bundle.second_hand_housing")
    submitted = lifecycle.submit(
        platform, citizen, draft.number, {**draft.form, **HOUSING, "seller_id_number": province.number}
    )
    with platform.db.session() as session:
        tasks = review.tasks_of(session, submitted)
    by_department = {ident: code for code, ident in province.departments.items()}
    for task in tasks:
        app = review.decide(platform, province.clerk(by_department[task.department_id]), task.id, "approve")
    assert app.status == "awaiting_payment" and app.bill_number
    tax_id, land_id = province.departments["ZJ-TAX"], province.departments["ZJ-NR"]
    with platform.db.session() as session:
        bill = session.scalars(select(Bill).where(Bill.number == app.bill_number)).one()
        assert {i["department_id"] for i in bill.items} == {tax_id, land_id}
        tax, land = session.get(Department, tax_id), session.get(Department, land_id)
        assert tax is not None and land is not None

    client.login(province.number)
    client.get("/language/en", follow_redirects=False)
    page = client.get(f"/payments/bills/{bill.number}").text
    assert "Zhejiang" in page and tax.name_en in page and land.name_en in page  # each item's payee
    with in_process_simulator(platform) as (sim, gateways):
        order = orders.start_payment(
            platform, gateways, citizen, bill_number=bill.number, channel="alipay", idempotency_key="housing-0001"
        )
        pay_at_simulator(sim, order.pay_url)
        assert orders.refresh_from_channel(platform, gateways, order.number) == "settled"
        client.cookies.clear()
        _the_province_refunds_the_registration_fee(platform, client, province, order.number)
        client.cookies.clear()
    client.login(province.number)
    client.get("/language/en", follow_redirects=False)
    with platform.db.session() as session:
        final = session.scalars(select(Application).where(Application.number == app.number)).one()
        assert final.status == "completed"  # one payment completed the whole bundle
        receipt = session.scalars(select(Receipt).where(Receipt.bill_id == bill.id)).one()
    receipt_page = client.get(f"/payments/receipts/{receipt.number}").text
    assert f"paid to {tax.name_en}" in receipt_page and f"paid to {land.name_en}" in receipt_page
    verify = client.get(f"/receipts/verify/{receipt.number}?code={receipt.verify_code}").text
    assert tax.name_en in verify and land.name_en in verify
    client.cookies.clear()

    shares = {tax_id: 2_400_000, land_id: 8_000}  # deed tax 1 % of ¥2.4m; registration fee ¥80
    assert sum(shares.values()) == receipt.amount_fen
    for mine, theirs in ((tax, land), (land, tax)):
        _, admin, _ = make_clerk(platform, mine, role="department_admin", name="部门管理员")
        client.login(admin)
        client.get("/language/en", follow_redirects=False)
        staff = client.get("/staff/payments").text
        assert mine.name_en in staff and theirs.name_en not in staff
        assert yuan(shares[mine.id]) in staff  # their balance and their share of the payment
        assert yuan(shares[theirs.id]) not in staff
        assert f"{yuan(2_408_000)} in all (one payment for several departments)" in staff
        client.cookies.clear()


def _the_province_refunds_the_registration_fee(
    platform: Platform, client: Browser, province: Province, order_number: str
) -> None:
    """Waived: refunded from natural resources alone, never more than it received."""
    tax_id, land_id = province.departments["ZJ-TAX"], province.departments["ZJ-NR"]
    with platform.db.session() as session:
        police = session.get(Department, province.departments["ZJ-PSB"])
        assert police is not None
    _, province_admin, _ = make_clerk(platform, police, role="administrator", name="省管理员")
    client.login(province_admin)
    headers = {"X-CSRF-Token": client.csrf("/staff/payments")}
    url = f"/api/v1/payments/orders/{order_number}/refunds"
    not_a_payee = client.post(url, json={"amount_fen": 100, "reason": "x", "department_id": police.id}, headers=headers)
    assert not_a_payee.status_code == 422 and not_a_payee.json()["code"] == "payments.refund.not_allowed"
    too_much = client.post(
        url, json={"amount_fen": 8_001, "reason": "waived", "department_id": land_id}, headers=headers
    )
    assert too_much.status_code == 409 and too_much.json()["code"] == "payments.refund.exceeds_paid"
    refund = client.post(url, json={"amount_fen": 8_000, "reason": "waived", "department_id": land_id}, headers=headers)
    assert refund.status_code == 201, refund.text
    assert refund.json()["status"] == "done" and refund.json()["shares"] == [
        {"department_id": land_id, "amount_fen": 8_000}
    ]
    with platform.db.session() as session:
        left = dict(
            session.execute(
                select(SettlementEntry.department_id, func.sum(SettlementEntry.amount_fen)).group_by(
                    SettlementEntry.department_id
                )
            ).all()
        )
    assert left == {tax_id: 2_400_000, land_id: 0}
