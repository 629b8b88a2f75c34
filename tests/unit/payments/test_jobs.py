"""The periodic jobs ``onevisit worker`` runs for payments: polling lost notifications and
daily reconciliation, both idempotent."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select, update

from onevisit.kernel.actors import ActorKind, Principal
from onevisit.kernel.platform import Platform
from onevisit.payments import jobs
from onevisit.payments.models import Bill, PaymentOrder, Receipt, Reconciliation
from onevisit.payments.services import orders
from tests.common.factories import make_person
from tests.unit.payments.helpers import bill_for, department, in_process_simulator, pay_at_simulator


def test_the_worker_gets_a_poll_and_a_reconciliation_job(platform: Platform) -> None:
    found = {job.name: job for job in jobs.periodic_jobs(platform)}
    assert set(found) == {"payments.poll", "payments.reconcile"}
    assert found["payments.poll"].every_seconds <= 60
    assert all(job.description for job in found.values())


def test_the_poll_job_settles_a_payment_whose_notification_was_lost(platform: Platform) -> None:
    person, _, _ = make_person(platform, name="赵六")
    bill = bill_for(platform, person, department(platform), amount_fen=3_300)
    who = Principal(kind=ActorKind.CITIZEN, account_id=1, person_id=person.id)
    with in_process_simulator(platform) as (client, gateways):  # notifications go nowhere
        order = orders.start_payment(
            platform, gateways, who, bill_number=bill.number, channel="wechat", idempotency_key="poll-job-01"
        )
        pay_at_simulator(client, order.pay_url)
        assert jobs.poll(platform) == 0  # too recent: the notification may still come
        with platform.uow() as uow:  # a few minutes later, still nothing heard
            uow.session.execute(
                update(PaymentOrder)
                .where(PaymentOrder.id == order.id)
                .values(created_at=platform.clock.now() - dt.timedelta(minutes=5))
            )
        assert jobs.poll(platform) >= 1
        assert jobs.poll(platform) == 0  # nothing left to do: running it again changes nothing
    with platform.db.session() as session:
        assert session.get(Bill, bill.id).status == "paid"  # type: ignore[union-attr]
        receipt = session.scalar(select(Receipt).where(Receipt.bill_id == bill.id))
        assert receipt is not None and receipt.ledger_index is not None and receipt.ledger_index >= 0


def test_the_reconciliation_job_reconciles_yesterday_once_per_channel(platform: Platform) -> None:
    yesterday = platform.clock.now().astimezone(dt.UTC).date() - dt.timedelta(days=1)
    with in_process_simulator(platform) as (_client, gateways):
        assert jobs.reconcile_yesterday(platform) == len(gateways.names)
        assert jobs.reconcile_yesterday(platform) == 0  # already done for that day
    with platform.db.session() as session:
        runs = session.execute(select(Reconciliation.channel, func.count()).group_by(Reconciliation.channel)).all()
        assert dict(runs) == dict.fromkeys(gateways.names, 1)
        assert set(session.scalars(select(Reconciliation.statement_date))) == {yesterday}
