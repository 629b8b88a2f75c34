"""A bill whose items have their own payees (a "one matter" bundle): paid once, each
department credited its items' sum in integer fen, the e-receipt listing each item with its
payee, refunds split without any department ever giving back more than it received."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select
from starlette.testclient import TestClient

from onevisit.identity.models import Department, Person
from onevisit.kernel.actors import ActorKind, Principal, system_actor
from onevisit.kernel.errors import Conflict, NotFound, ValidationFailed
from onevisit.kernel.platform import Platform
from onevisit.payments.channels.gateway import Gateways
from onevisit.payments.documents import receipt_html
from onevisit.payments.models import Bill, BillKind, Receipt, Refund, SettlementEntry
from onevisit.payments.presenters import receipt_document
from onevisit.payments.services import orders, refunds
from onevisit.payments.services.bills import BillItem, create_bill
from onevisit.payments.services.payees import apportion
from onevisit.payments.services.receipts import record_of
from tests.common.factories import make_department, make_person
from tests.unit.payments.helpers import in_process_simulator, pay_at_simulator


def citizen(person: Person) -> Principal:
    return Principal(
        kind=ActorKind.CITIZEN, account_id=1, person_id=person.id, permissions=frozenset({"citizen.portal"})
    )


def department_admin(dep: Department) -> Principal:
    return Principal(
        kind=ActorKind.STAFF,
        account_id=2,
        department_id=dep.id,
        roles=frozenset({"department_admin"}),
        permissions=frozenset({"payments.manage"}),
    )


def departments(platform: Platform) -> tuple[Department, Department, Department]:
    tax = make_department(platform, code="ZJ-TAX", name_zh="浙江省税务局", name_en="Zhejiang Tax Service")
    land = make_department(platform, code="ZJ-NR", name_zh="浙江省自然资源厅", name_en="Zhejiang Natural Resources")
    other = make_department(platform, code="ZJ-PSB", name_zh="浙江省公安厅", name_en="Zhejiang PSB")
    return tax, land, other


def bundle_bill(platform: Platform, person: Person, tax: Department, land: Department) -> Bill:
    with platform.uow() as uow:
        return create_bill(
            uow,
            kind=BillKind.SERVICE_FEE,
            department_id=tax.id,
            payer_person_id=person.id,
            title="二手房交易登记一件事",
            items=[BillItem("契税", 30_001, tax.id), BillItem("不动产登记费", 8_000, land.id), ("工本费", 1_000)],
            source="test",
            reference="bundle-1",
        )


def paid_bundle(
    platform: Platform, sim: tuple[TestClient, Gateways], person: Person, tax: Department, land: Department
) -> tuple[Bill, str]:
    bill = bundle_bill(platform, person, tax, land)
    client, gateways = sim
    order = orders.start_payment(
        platform, gateways, citizen(person), bill_number=bill.number, channel="wechat", idempotency_key="bundle-001"
    )
    pay_at_simulator(client, order.pay_url)
    assert orders.refresh_from_channel(platform, gateways, order.number) == "settled"
    return bill, order.number


def balances(platform: Platform) -> dict[int, int]:
    with platform.db.session() as session:
        rows = session.execute(
            select(SettlementEntry.department_id, func.sum(SettlementEntry.amount_fen)).group_by(
                SettlementEntry.department_id
            )
        )
        return {int(d): int(total) for d, total in rows}


def test_apportion_adds_up_exactly_and_never_gives_a_part_more_than_its_weight() -> None:
    assert apportion(39_001, [(1, 31_001), (2, 8_000)]) == [(1, 31_001), (2, 8_000)]
    assert apportion(500, [(7, 500)]) == [(7, 500)]
    assert apportion(1, [(1, 1), (2, 1), (3, 1)]) == [(1, 1)]  # ties to the first; zero parts left out
    weights = [(1, 101), (2, 7), (3, 250)]
    for amount in range(1, 101 + 7 + 250 + 1):
        parts = apportion(amount, weights)
        assert sum(p for _, p in parts) == amount
        assert all(p <= dict(weights)[d] for d, p in parts)


def test_a_bundle_is_paid_once_and_each_department_credited_its_items(platform: Platform) -> None:
    person, _, _ = make_person(platform, name="王小明")
    tax, land, other = departments(platform)
    with in_process_simulator(platform) as sim:
        bill, _order = paid_bundle(platform, sim, person, tax, land)
    assert balances(platform) == {tax.id: 31_001, land.id: 8_000}  # the untagged item is the bill's department's
    assert sum(balances(platform).values()) == bill.amount_fen == 39_001
    with platform.db.session() as session:
        receipt = session.scalar(select(Receipt).where(Receipt.bill_id == bill.id))
        assert receipt is not None and receipt.amount_fen == 39_001
        assert [(i["name"], i["department_id"]) for i in receipt.items] == [
            ("契税", tax.id),
            ("不动产登记费", land.id),
            ("工本费", tax.id),
        ]
        assert ["契税", 30_001, tax.id] in record_of(receipt)["items"]  # type: ignore[operator]  # on the ledger too
        doc = receipt_document(session, receipt, base_url="http://127.0.0.1")
    assert doc.item_payees == ("浙江省税务局", "浙江省自然资源厅", "浙江省税务局")
    assert "浙江省税务局" in doc.payee_zh and "浙江省自然资源厅" in doc.payee_zh
    html = receipt_html(doc)
    assert "收款单位 Payee" in html and html.count("浙江省自然资源厅") == 2  # header and its item's row
    assert other.id not in balances(platform)


def test_a_single_payee_bill_keeps_its_items_as_they_were(platform: Platform) -> None:
    person, _, _ = make_person(platform)
    tax, _, _ = departments(platform)
    with platform.uow() as uow:
        bill = create_bill(
            uow,
            kind=BillKind.TAX,
            department_id=tax.id,
            payer_person_id=person.id,
            title="车船税",
            items=[BillItem("车船税", 36_000, tax.id), ("滞纳金", 100)],
            source="test",
            reference="single-1",
        )
    assert bill.items == [{"name": "车船税", "amount_fen": 36_000}, {"name": "滞纳金", "amount_fen": 100}]


def test_an_item_paid_to_no_department_is_refused(platform: Platform) -> None:
    person, _, _ = make_person(platform)
    tax, _, _ = departments(platform)
    with pytest.raises(ValidationFailed) as err, platform.uow() as uow:
        create_bill(
            uow,
            kind=BillKind.SERVICE_FEE,
            department_id=tax.id,
            payer_person_id=person.id,
            title="费用",
            items=[BillItem("费用", 100, 999_999)],
            source="test",
            reference="bad-payee",
        )
    assert [f.field for f in err.value.fields] == ["items"]
    with platform.db.session() as session:
        assert session.scalar(select(func.count()).select_from(Bill)) == 0


def test_bundle_refunds_split_and_never_exceed_what_a_department_received(platform: Platform) -> None:
    person, _, _ = make_person(platform)
    tax, land, other = departments(platform)
    with in_process_simulator(platform) as sim:
        _bill, order = paid_bundle(platform, sim, person, tax, land)
        refund_everything(platform, sim[1], order, tax=tax, land=land, other=other)
    assert balances(platform) == {tax.id: 0, land.id: 0}
    with platform.db.session() as session:
        entries = session.scalars(select(SettlementEntry).where(SettlementEntry.kind == "refund")).all()
    assert sorted((e.department_id, e.amount_fen) for e in entries) == sorted(
        [(land.id, -3_000), (tax.id, -31_000), (land.id, -5_000), (tax.id, -1)]
    )


def refund_everything(
    platform: Platform, gateways: Gateways, order: str, *, tax: Department, land: Department, other: Department
) -> None:
    # The land department's administrator refunds from their share only, never beyond it.
    with pytest.raises(Conflict) as err, platform.uow(department_admin(land)) as uow:
        refunds.request_refund(uow, order_number=order, amount_fen=8_001, reason="too much")
    assert err.value.code == "payments.refund.exceeds_paid"
    with platform.uow(department_admin(land)) as uow:
        own = refunds.request_refund(uow, order_number=order, amount_fen=3_000, reason="registration fee waived")
    assert own.shares == [{"department_id": land.id, "amount_fen": 3_000}]
    # A department that was not paid by it does not learn it exists.
    with pytest.raises(NotFound), platform.uow(department_admin(other)) as uow:
        refunds.request_refund(uow, order_number=order, amount_fen=1, reason="x")
    # The province refunds the rest in proportion to what each still holds: 31,001 and 5,000.
    with platform.uow(system_actor("province")) as uow:
        split = refunds.request_refund(uow, order_number=order, amount_fen=36_001 - 1, reason="sale cancelled")
    assert {s["department_id"]: s["amount_fen"] for s in split.shares or []} == {tax.id: 31_000, land.id: 5_000}
    with pytest.raises(Conflict), platform.uow(department_admin(land)) as uow:  # land gave back all it had
        refunds.request_refund(uow, order_number=order, amount_fen=1, reason="x", department_id=land.id)
    with platform.uow(department_admin(tax)) as uow:
        refunds.request_refund(uow, order_number=order, amount_fen=1, reason="last fen")
    assert refunds.send_pending_refunds(platform, gateways) == 3


def test_concurrent_department_refunds_stop_at_the_departments_share(platform: Platform) -> None:
    person, _, _ = make_person(platform)
    tax, land, _ = departments(platform)
    with in_process_simulator(platform) as sim:
        _bill, order = paid_bundle(platform, sim, person, tax, land)
    results: list[str] = []

    def ask() -> None:
        try:
            with platform.uow(department_admin(land)) as uow:
                refunds.request_refund(uow, order_number=order, amount_fen=3_000, reason="partial")
            results.append("ok")
        except Conflict:
            results.append("refused")

    threads = [threading.Thread(target=ask) for _ in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count("ok") == 2 and results.count("refused") == 3  # 8,000 of land's: two of 3,000
    with platform.db.session() as session:
        assert session.scalar(select(func.sum(Refund.amount_fen))) == 6_000


def test_settling_a_bundle_costs_the_same_statements_as_a_single_payee_bill(
    platform: Platform, monkeypatch: pytest.MonkeyPatch
) -> None:
    from onevisit.kernel import rows
    from tests.unit.payments.helpers import bill_for, event

    person, _, _ = make_person(platform)
    tax, land, _ = departments(platform)
    statements: list[str] = []
    for name in ("all", "run", "insert"):
        original = getattr(rows.Rows, name)

        def counted(self: rows.Rows, *args: object, _original: object = original, **kwargs: object) -> object:
            statements.append(str(args[0])[:40])
            return _original(self, *args, **kwargs)  # type: ignore[operator]

        monkeypatch.setattr(rows.Rows, name, counted)
    counts = []
    with in_process_simulator(platform) as (_client, gateways):
        for bill in (bill_for(platform, person, tax, amount_fen=39_001), bundle_bill(platform, person, tax, land)):
            order = orders.start_payment(
                platform,
                gateways,
                citizen(person),
                bill_number=bill.number,
                channel="alipay",
                idempotency_key=bill.number,
            )
            statements.clear()
            with platform.uow(system_actor("t")) as uow:
                assert orders.apply_event(uow, order, event(order.number, 39_001), via="query") == "settled"
            counts.append(len(statements))
    assert counts[0] == counts[1] > 0, statements
    assert balances(platform) == {tax.id: 39_001 + 31_001, land.id: 8_000}
