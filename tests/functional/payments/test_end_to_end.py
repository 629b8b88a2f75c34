"""Payments end to end through the simulator *process*: late, duplicated, reordered and lost
notifications; and the server killed mid-flight — nothing lost, duplicated or half-settled."""

from __future__ import annotations

import datetime as dt
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from sqlalchemy import func, select

from onevisit.app import wire_events
from onevisit.identity.models import Person
from onevisit.kernel.actors import ActorKind, Principal
from onevisit.kernel.platform import Platform
from onevisit.payments.channels import wire
from onevisit.payments.models import Bill, BillStatus, Notification, OrderStatus, PaymentOrder, Receipt, SettlementEntry
from onevisit.payments.services import orders, receipts, reconciliation
from onevisit.payments.simulator.app import auto_pay_url
from tests.common.factories import make_person
from tests.common.liveserver import LiveServer
from tests.functional.payments.processes import ServerProcess, platform_gateways, simulator_process
from tests.unit.payments.helpers import bill_for, department

pytestmark = pytest.mark.slow


def _payer(person: Person) -> Principal:
    return Principal(kind=ActorKind.CITIZEN, account_id=None, person_id=person.id, display_name="payer")


def _confirm(pay_url: str) -> None:
    response = httpx.post(auto_pay_url(pay_url), json={"action": "confirm"}, timeout=10)
    assert response.status_code == 200, response.text


def _wait(condition, timeout: float = 20.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def _counts(platform: Platform) -> dict[str, int]:
    with platform.db.session() as session:

        def n(model: type, *where: object) -> int:
            return int(session.scalar(select(func.count()).select_from(model).where(*where)) or 0)  # type: ignore[arg-type]

        return {
            "paid_bills": n(Bill, Bill.status == BillStatus.PAID),
            "paid_orders": n(PaymentOrder, PaymentOrder.status == OrderStatus.PAID),
            "duplicates": n(PaymentOrder, PaymentOrder.duplicate.is_(True)),
            "receipts": n(Receipt),
            "unregistered": n(Receipt, Receipt.ledger_index.is_(None)),
            "entries": n(SettlementEntry),
            "pending": n(PaymentOrder, PaymentOrder.status == OrderStatus.PENDING),
        }


def _assert_clean(platform: Platform, gateways, bills: int) -> None:  # type: ignore[no-untyped-def]
    today = dt.datetime.now(dt.UTC).date()
    counts = _counts(platform)
    assert counts == {
        "paid_bills": bills,
        "paid_orders": bills,
        "duplicates": 0,
        "receipts": bills,
        "unregistered": 0,
        "entries": bills,
        "pending": 0,
    }, counts
    with platform.db.session() as session:
        settled = session.scalar(select(func.sum(SettlementEntry.amount_fen)))
        billed = session.scalar(select(func.sum(Bill.amount_fen)))
        assert settled == billed  # every fen, once
    for channel in wire.CHANNELS:
        report = reconciliation.reconcile(platform, gateways, channel, today)
        assert report.clean, report.mismatches


def test_misbehaving_notifications_still_settle_every_bill_exactly_once(platform: Platform) -> None:
    rates = {"delay_max": 0.5, "duplicate_rate": 0.4, "drop_rate": 0.25, "max_attempts": 3, "retry_seconds": 0.2}
    person, _, _ = make_person(platform)
    dep = department(platform)
    bills = [bill_for(platform, person, dep, amount_fen=1_000 + i) for i in range(24)]
    with simulator_process(rates) as sim_url, LiveServer(platform) as server:
        gateways = platform_gateways(platform, sim_url, server.url)
        made = [
            orders.start_payment(
                platform,
                gateways,
                _payer(person),
                bill_number=b.number,
                channel=wire.CHANNELS[i % 4],
                idempotency_key=f"e2e-{i:06d}",
            )
            for i, b in enumerate(bills)
        ]
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(_confirm, [o.pay_url for o in made]))
        # Wait for notifications; the dropped ones never come, so the platform asks.
        _wait(lambda: _counts(platform)["paid_orders"] + int(len(made) * 0.4) >= len(made), 10)
        time.sleep(1.0)
        orders.poll_pending(platform, gateways, older_than_seconds=0)
        assert _wait(lambda: _counts(platform)["unregistered"] == 0)
        _assert_clean(platform, gateways, len(bills))
    with platform.db.session() as session:
        outcomes = dict(
            session.execute(select(Notification.outcome, func.count()).group_by(Notification.outcome)).all()
        )
    assert outcomes.get("rejected", 0) == 0
    assert outcomes.get("settled", 0) + outcomes.get("already", 0) + outcomes.get("duplicate", 0) > 0


def test_killing_the_server_mid_flight_loses_and_duplicates_nothing(platform: Platform) -> None:
    rates = {"delay_max": 0.3, "duplicate_rate": 0.3, "drop_rate": 0.05, "max_attempts": 8, "retry_seconds": 0.3}
    person, _, _ = make_person(platform)
    dep = department(platform)
    bills = [bill_for(platform, person, dep, amount_fen=500 + i) for i in range(60)]
    with simulator_process(rates, seed=3) as sim_url:
        server = ServerProcess(platform, sim_url)
        server.start()
        try:
            gateways = platform_gateways(platform, sim_url, server.url)
            made = [
                orders.start_payment(
                    platform,
                    gateways,
                    _payer(person),
                    bill_number=b.number,
                    channel=wire.CHANNELS[i % 4],
                    idempotency_key=f"crash-{i:06d}",
                )
                for i, b in enumerate(bills)
            ]
            stop = threading.Event()

            def payers() -> None:
                with ThreadPoolExecutor(6) as pool:
                    list(pool.map(_confirm, [o.pay_url for o in made]))
                stop.set()

            paying = threading.Thread(target=payers)
            paying.start()
            # Kill the server while payments and notifications are in flight.
            assert _wait(lambda: _counts(platform)["paid_orders"] >= 10, 20)
            server.kill()
            killed_at = _counts(platform)["paid_orders"]
            time.sleep(0.8)
            server.start()  # same port: the simulator's retries find it again
            paying.join()
            assert stop.is_set()
            assert killed_at < len(bills), "the kill came too late to test anything"
            _wait(lambda: _counts(platform)["paid_orders"] >= len(bills) - 5, 20)
        finally:
            server.stop()
        # After the restart: ask the channels about whatever is still pending (lost for good),
        # deliver events a crash left in the outbox, register receipts still waiting.
        orders.poll_pending(platform, gateways, older_than_seconds=0)
        wire_events(platform)
        platform.deliver_pending_events()
        with platform.uow() as uow:  # receipts whose event was delivered but whose batch died
            receipts.register_pending(uow)
        _assert_clean(platform, gateways, len(bills))


def test_orders_made_through_the_api_of_a_running_server_settle_through_the_simulator(platform: Platform) -> None:
    """The web process's own path: orders created in shared transactions, WeChat/counter
    orders registered at the channel over pooled connections, Alipay/UnionPay by signed
    URL, notifications settled in batches — every bill paid once, reconciliation clean."""
    person, number, _ = make_person(platform)
    dep = department(platform)
    bills = [bill_for(platform, person, dep, amount_fen=2_000 + i) for i in range(12)]
    rates = {"delay_max": 0.1, "duplicate_rate": 0.3, "drop_rate": 0.0}
    with simulator_process(rates, seed=5) as sim_url, LiveServer(platform) as server:
        gateways = platform_gateways(platform, sim_url, server.url)
        with httpx.Client(base_url=server.url, timeout=10) as api:
            login = api.post("/api/v1/auth/login", json={"id_number": number, "password": "correct horse battery"})
            assert login.status_code == 200, login.text
            csrf = login.json()["csrf_token"]

            def order(i: int) -> dict[str, str]:
                response = api.post(
                    "/api/v1/payments/orders",
                    json={"bill_number": bills[i].number, "channel": wire.CHANNELS[i % 4]},
                    headers={"X-CSRF-Token": csrf, "Idempotency-Key": f"live-api-{i:04d}"},
                )
                assert response.status_code == 201, response.text
                return dict(response.json())

            made = [order(i) for i in range(len(bills))]
            assert order(0)["number"] == made[0]["number"]  # the same key: the same order
            for i, item in enumerate(made):
                assert item["pay_url"].startswith(f"{sim_url}/{wire.CHANNELS[i % 4]}/pay")
            with ThreadPoolExecutor(4) as pool:
                list(pool.map(_confirm, [item["pay_url"] for item in made]))
        assert _wait(lambda: _counts(platform)["paid_orders"] == len(bills) and _counts(platform)["unregistered"] == 0)
        _assert_clean(platform, gateways, len(bills))
