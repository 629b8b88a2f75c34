"""Exactly once: idempotent order creation, verified notifications, one settlement per bill
under duplicates and races, refunds capped at what was paid, receipts claimed once."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from onevisit import ledger
from onevisit.identity.models import Person
from onevisit.kernel.actors import ActorKind, Principal, system_actor
from onevisit.kernel.errors import AppError, Conflict, NotFound
from onevisit.kernel.platform import Platform
from onevisit.payments.models import (
    Bill,
    Notification,
    OrderStatus,
    PaymentOrder,
    Receipt,
    Refund,
    RefundStatus,
    SettlementEntry,
)
from onevisit.payments.services import notifications, orders, receipts, refunds
from onevisit.payments.services.orders import SettleOutcome, apply_event
from tests.common.factories import make_enterprise, make_person
from tests.unit.payments.helpers import bill_for, department, event, in_process_simulator, pay_at_simulator, signed


def citizen(person: Person, account_id: int = 1) -> Principal:
    return Principal(
        kind=ActorKind.CITIZEN, account_id=account_id, person_id=person.id, permissions=frozenset({"citizen.portal"})
    )


def count(platform: Platform, model: type, *where: object) -> int:
    with platform.db.session() as session:
        return int(session.scalar(select(func.count()).select_from(model).where(*where)) or 0)  # type: ignore[arg-type]


def test_the_same_idempotency_key_gives_the_same_order_and_a_different_body_409(platform: Platform) -> None:
    person, _, _ = make_person(platform)
    dep = department(platform)
    bill = bill_for(platform, person, dep)
    other = bill_for(platform, person, dep)
    who = citizen(person)
    with in_process_simulator(platform) as (_client, gateways):
        first = orders.start_payment(
            platform, gateways, who, bill_number=bill.number, channel="alipay", idempotency_key="key-00000001"
        )
        again = orders.start_payment(
            platform, gateways, who, bill_number=bill.number, channel="alipay", idempotency_key="key-00000001"
        )
        assert again.number == first.number and again.pay_url == first.pay_url
        with pytest.raises(Conflict) as err:
            orders.start_payment(
                platform, gateways, who, bill_number=other.number, channel="alipay", idempotency_key="key-00000001"
            )
        assert err.value.code == "payments.idempotency.key_reused"
    assert count(platform, PaymentOrder) == 1


def test_concurrent_requests_with_one_key_make_one_order(platform: Platform) -> None:
    person, _, _ = make_person(platform)
    bill = bill_for(platform, person, department(platform))
    who = citizen(person)
    numbers: list[str] = []
    with in_process_simulator(platform) as (_client, gateways):

        def go() -> None:
            order = orders.start_payment(
                platform, gateways, who, bill_number=bill.number, channel="wechat", idempotency_key="same-key-123"
            )
            numbers.append(order.number)

        threads = [threading.Thread(target=go) for _ in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert len(numbers) == 6 and len(set(numbers)) == 1
    assert count(platform, PaymentOrder) == 1


def test_paying_settles_once_issues_a_receipt_on_the_ledger_and_credits_the_department(platform: Platform) -> None:
    person, _, _ = make_person(platform, name="张三")
    dep = department(platform)
    bill = bill_for(platform, person, dep, amount_fen=20_150)
    with in_process_simulator(platform) as (client, gateways):
        order = orders.start_payment(
            platform,
            gateways,
            citizen(person),
            bill_number=bill.number,
            channel="unionpay",
            idempotency_key="pay-once-001",
        )
        assert orders.refresh_from_channel(platform, gateways, order.number) == SettleOutcome.IGNORED  # not paid yet
        pay_at_simulator(client, order.pay_url)
        assert orders.refresh_from_channel(platform, gateways, order.number) == SettleOutcome.SETTLED
        assert orders.refresh_from_channel(platform, gateways, order.number) == SettleOutcome.ALREADY
    with platform.db.session() as session:
        row = session.get(Bill, bill.id)
        assert row is not None and row.status == "paid"
        receipt = session.scalar(select(Receipt).where(Receipt.bill_id == bill.id))
        assert receipt is not None
        assert receipt.amount_fen == 20_150 and receipt.payer_name == "张三" and receipt.department_id == dep.id
        assert receipt.ledger_index is not None and receipt.ledger_index >= 0
        entry = ledger.prove_inclusion(session, "receipts", receipt.ledger_index)
        assert entry.index == receipt.ledger_index
        entries = list(session.scalars(select(SettlementEntry)))
        assert [(e.department_id, e.amount_fen) for e in entries] == [(dep.id, 20_150)]


def test_duplicate_notifications_and_racing_threads_settle_a_bill_once(platform: Platform) -> None:
    person, _, _ = make_person(platform)
    bill = bill_for(platform, person, department(platform), amount_fen=5_000)
    with in_process_simulator(platform) as (_client, gateways):
        order = orders.start_payment(
            platform,
            gateways,
            citizen(person),
            bill_number=bill.number,
            channel="counter",
            idempotency_key="race-000001",
        )
        headers, body = signed(event(order.number, 5_000, channel="counter"))
        outcomes: list[str] = []
        errors: list[BaseException] = []

        def deliver() -> None:
            try:
                outcomes.append(notifications.handle_notification(platform, gateways, "counter", headers, body).outcome)
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)

        def settle_directly() -> None:
            try:
                with platform.uow(system_actor("t")) as uow:
                    row = orders.find_order(uow.session, order.number)
                    outcomes.append(apply_event(uow, row, event(order.number, 5_000, channel="counter"), via="query"))
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)

        threads = [threading.Thread(target=deliver) for _ in range(4)]
        threads += [threading.Thread(target=settle_directly) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert not errors, errors
    assert outcomes.count("settled") == 1, outcomes
    assert count(platform, Receipt) == 1
    assert count(platform, SettlementEntry) == 1
    assert count(platform, Notification, Notification.outcome == "duplicate") == 3


def test_a_bill_paid_twice_on_two_channels_is_settled_once_and_the_second_payment_refunded(
    platform: Platform,
) -> None:
    person, _, _ = make_person(platform)
    bill = bill_for(platform, person, department(platform), amount_fen=8_800)
    who = citizen(person)
    with in_process_simulator(platform) as (client, gateways):
        first = orders.start_payment(
            platform, gateways, who, bill_number=bill.number, channel="alipay", idempotency_key="twice-00001"
        )
        second = orders.start_payment(
            platform, gateways, who, bill_number=bill.number, channel="wechat", idempotency_key="twice-00002"
        )
        pay_at_simulator(client, first.pay_url)
        pay_at_simulator(client, second.pay_url)
        assert orders.refresh_from_channel(platform, gateways, second.number) == SettleOutcome.SETTLED
        assert orders.refresh_from_channel(platform, gateways, first.number) == SettleOutcome.DUPLICATE_PAYMENT
        assert refunds.send_pending_refunds(platform, gateways) == 1
        with pytest.raises(Conflict):  # the bill is paid: no third attempt
            orders.start_payment(
                platform, gateways, who, bill_number=bill.number, channel="counter", idempotency_key="twice-00003"
            )
    with platform.db.session() as session:
        dup = orders.find_order(session, first.number)
        assert dup.duplicate and dup.refunded_fen == 8_800
        refund = session.scalar(select(Refund))
        assert refund is not None and refund.status == RefundStatus.DONE
    assert count(platform, Receipt) == 1
    assert count(platform, SettlementEntry) == 1  # the department got the money once, and no refund entry


def test_refunds_never_exceed_what_was_paid_even_concurrently(platform: Platform) -> None:
    person, _, _ = make_person(platform)
    bill = bill_for(platform, person, department(platform), amount_fen=1_000)
    with in_process_simulator(platform) as (client, gateways):
        order = orders.start_payment(
            platform,
            gateways,
            citizen(person),
            bill_number=bill.number,
            channel="alipay",
            idempotency_key="refund-0001",
        )
        pay_at_simulator(client, order.pay_url)
        orders.refresh_from_channel(platform, gateways, order.number)
        results: list[str] = []

        def ask() -> None:
            try:
                with platform.uow(system_actor("staff")) as uow:
                    refunds.request_refund(uow, order_number=order.number, amount_fen=300, reason="partial")
                results.append("ok")
            except Conflict:
                results.append("refused")

        threads = [threading.Thread(target=ask) for _ in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert results.count("ok") == 3 and results.count("refused") == 3
        assert refunds.send_pending_refunds(platform, gateways) == 3
    with platform.db.session() as session:
        refunded = session.scalar(select(func.sum(Refund.amount_fen)).where(Refund.status == "done"))
        assert refunded == 900
        balance = session.scalar(select(func.sum(SettlementEntry.amount_fen)))
        assert balance == 100


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"amount_fen": 1}, "amount"),
        ({"order_number": "P-NOT-THERE"}, "order"),
        ({"timestamp": 1_000_000_000}, "stale"),
    ],
)
def test_mismatched_or_stale_notifications_are_refused_and_recorded(
    platform: Platform, change: dict[str, object], reason: str
) -> None:
    person, _, _ = make_person(platform)
    bill = bill_for(platform, person, department(platform), amount_fen=700)
    with in_process_simulator(platform) as (_client, gateways):
        order = orders.start_payment(
            platform,
            gateways,
            citizen(person),
            bill_number=bill.number,
            channel="wechat",
            idempotency_key="refuse-0001",
        )
        ev = event(**{"order_number": order.number, "amount_fen": 700, "channel": "wechat", **change})  # type: ignore[arg-type]
        headers, body = signed(ev)
        result = notifications.handle_notification(platform, gateways, "wechat", headers, body, ip="203.0.113.9")
    assert not result.accepted and result.reason == reason
    with platform.db.session() as session:
        assert orders.find_order(session, order.number).status == OrderStatus.PENDING
        rejected = session.scalar(select(Notification).where(Notification.outcome == "rejected"))
        assert rejected is not None and rejected.reason == reason and rejected.ip == "203.0.113.9"


def test_a_notification_sent_to_another_channels_endpoint_is_refused(platform: Platform) -> None:
    person, _, _ = make_person(platform)
    bill = bill_for(platform, person, department(platform), amount_fen=700)
    with in_process_simulator(platform) as (_client, gateways):
        order = orders.start_payment(
            platform,
            gateways,
            citizen(person),
            bill_number=bill.number,
            channel="alipay",
            idempotency_key="wrongch-001",
        )
        headers, body = signed(event(order.number, 700, channel="wechat"))
        result = notifications.handle_notification(platform, gateways, "wechat", headers, body)
    assert not result.accepted and result.reason == "channel"


def test_a_forged_notification_changes_nothing(platform: Platform) -> None:
    person, _, _ = make_person(platform)
    bill = bill_for(platform, person, department(platform), amount_fen=700)
    with in_process_simulator(platform) as (_client, gateways):
        order = orders.start_payment(
            platform,
            gateways,
            citizen(person),
            bill_number=bill.number,
            channel="alipay",
            idempotency_key="forged-0001",
        )
        headers, body = signed(event(order.number, 700), secret=b"x" * 32)
        result = notifications.handle_notification(platform, gateways, "alipay", headers, body)
    assert not result.accepted and result.reason == "signature"
    assert count(platform, Receipt) == 0


def test_a_receipt_is_claimed_once(platform: Platform) -> None:
    person, _, _ = make_person(platform)
    insurer = make_enterprise(platform, person, name="示例保险股份有限公司")
    bill = bill_for(platform, person, department(platform), amount_fen=3_000)
    with in_process_simulator(platform) as (client, gateways):
        order = orders.start_payment(
            platform,
            gateways,
            citizen(person),
            bill_number=bill.number,
            channel="alipay",
            idempotency_key="claim-00001",
        )
        pay_at_simulator(client, order.pay_url)
        orders.refresh_from_channel(platform, gateways, order.number)
    with platform.db.session() as session:
        receipt = session.scalar(select(Receipt))
        assert receipt is not None
    agent = Principal(
        kind=ActorKind.CITIZEN,
        account_id=9,
        person_id=person.id,
        acting_for_enterprise_id=insurer.id,
        enterprise_ids=frozenset({insurer.id}),
        permissions=frozenset({"enterprise.portal"}),
    )
    with pytest.raises(NotFound), platform.uow(agent) as uow:
        receipts.claim_receipt(uow, number=receipt.number, code="000000000000", claim_reference="C-1")
    with platform.uow(agent) as uow:
        result = receipts.claim_receipt(uow, number=receipt.number, code=receipt.verify_code, claim_reference="C-1")
        assert result.claim.ledger_index is not None
    with pytest.raises(AppError) as err, platform.uow(agent) as uow:
        receipts.claim_receipt(uow, number=receipt.number, code=receipt.verify_code, claim_reference="C-2")
    assert err.value.code == "payments.receipt.already_claimed" and err.value.status == 409
