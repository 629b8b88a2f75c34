"""Concurrent confirmations never overspend the budget and never pay an offer twice
(threads, each with its own connection; SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from sqlalchemy import func, select

from onevisit.kernel.errors import AppError
from onevisit.kernel.platform import Platform
from onevisit.payments.models import Payout, SettlementEntry
from onevisit.policies import confirm, match
from onevisit.policies.models import Offer, Policy
from tests.unit.policies.helpers import insurance, load_facts, make_firm, published_policy, setup_departments, staff


def test_concurrent_confirmations_stay_within_budget_and_pay_each_offer_once(platform: Platform) -> None:
    setup_departments(platform)
    firms = [make_firm(platform, name=f"杭州并发{i}有限公司", employees=10, rep_name=f"法人{i}") for i in range(10)]
    load_facts(platform, {f.enterprise.credit_code: insurance(10) for f in firms})
    code = published_policy(platform, budget_fen=4 * 500_000 + 499_999)  # four offers fit, not five
    with platform.uow(staff(platform)) as uow:
        assert match(uow, code, as_of=dt.date(2026, 11, 20)).new_offers == 10
    with platform.db.session() as session:
        numbers = {o.enterprise_id: o.number for o in session.scalars(select(Offer))}
    # every representative clicks twice, at the same moment as everyone else
    jobs = [(f, numbers[f.enterprise.id]) for f in firms for _ in range(2)]
    barrier = threading.Barrier(len(jobs))
    outcomes: list[str] = []
    lock = threading.Lock()

    def click(firm, number) -> None:  # type: ignore[no-untyped-def]
        barrier.wait()
        try:
            with platform.uow(firm.rep_principal) as uow:
                confirm(uow, number)
            result = "paid"
        except AppError as exc:
            result = str(exc.code)
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=click, args=job) for job in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(outcomes) == 20
    assert outcomes.count("paid") == 4, outcomes
    assert set(outcomes) <= {"paid", "policies.offer.already_confirmed", "policies.budget.exhausted"}, outcomes
    with platform.db.session() as session:
        policy = session.scalars(select(Policy)).one()
        assert policy.committed_fen == 4 * 500_000 <= policy.budget_fen
        assert session.scalar(select(func.count()).select_from(Payout)) == 4
        assert session.scalar(select(func.count(func.distinct(Payout.reference)))) == 4
        paid = session.scalar(select(func.sum(SettlementEntry.amount_fen)).where(SettlementEntry.kind == "payout"))
        assert paid == -4 * 500_000
        assert session.scalar(select(func.count()).where(Offer.status == "paid")) == 4


@pytest.mark.parametrize("clicks", [8])
def test_one_offer_clicked_many_times_at_once_is_paid_once(platform: Platform, clicks: int) -> None:
    setup_departments(platform)
    firm = make_firm(platform, employees=10)
    load_facts(platform, {firm.enterprise.credit_code: insurance(10)})
    code = published_policy(platform)
    with platform.uow(staff(platform)) as uow:
        match(uow, code, as_of=dt.date(2026, 11, 20))
    with platform.db.session() as session:
        number = session.scalars(select(Offer.number)).one()
    barrier = threading.Barrier(clicks)
    outcomes: list[str] = []

    def click() -> None:
        barrier.wait()
        try:
            with platform.uow(firm.rep_principal) as uow:
                confirm(uow, number)
            outcomes.append("paid")
        except AppError as exc:
            outcomes.append(str(exc.code))

    threads = [threading.Thread(target=click) for _ in range(clicks)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(outcomes) == ["paid"] + ["policies.offer.already_confirmed"] * (clicks - 1)
    with platform.db.session() as session:
        assert session.scalar(select(func.count()).select_from(Payout)) == 1
