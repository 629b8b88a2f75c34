"""Policies end to end at the service level: draft checks, matching with explanations, SMS,
one-click confirmation and payout, second confirmations, budget, clawback."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from onevisit.identity.services.agents import authorise_agent
from onevisit.kernel.audit import AuditEvent
from onevisit.kernel.errors import Conflict, Forbidden, NotFound, ValidationFailed
from onevisit.kernel.notify import DevMessage
from onevisit.kernel.platform import Platform
from onevisit.ledger.models import LedgerEntry
from onevisit.payments.models import Bill, Payout, SettlementEntry
from onevisit.policies import PolicyDraft, clawback, confirm, create_policy, match
from onevisit.policies.models import Offer, Policy
from onevisit.policies.services import offers as offer_services
from tests.common.factories import make_person
from tests.unit.policies.helpers import (
    department_id,
    insurance,
    load_facts,
    make_firm,
    published_policy,
    setup_departments,
    staff,
)


@pytest.fixture
def province(platform: Platform) -> Platform:
    setup_departments(platform)
    return platform


def _draft(**changes: object) -> PolicyDraft:
    values: dict[str, object] = {
        "code": "rent-2026",
        "title": "租房补贴",
        "eligibility": "employees >= 5",
        "benefit": "100000",
        "budget_fen": 1_000_000,
        "starts_on": dt.date(2026, 1, 1),
        "ends_on": dt.date(2026, 12, 31),
    }
    values.update(changes)
    return PolicyDraft(**values)  # type: ignore[arg-type]


def _fields(exc: ValidationFailed) -> dict[str, str]:
    return {f.field: f.message % dict(f.params) if f.params else f.message for f in exc.fields}


def test_bad_drafts_are_refused_with_every_problem_named(province: Platform) -> None:
    with pytest.raises(ValidationFailed) as caught, province.uow(staff(province)) as uow:
        create_policy(
            uow,
            _draft(
                budget_fen=-1,
                starts_on=dt.date(2026, 6, 1),
                ends_on=dt.date(2026, 5, 1),
                eligibility="employes >= 10 AND industry > 5",
                benefit="industry",
            ),
        )
    fields = _fields(caught.value)
    assert fields["budget"] == "The budget cannot be negative."
    assert fields["ends_on"] == "The period is empty: it ends before it starts."
    messages = [f.message % dict(f.params) for f in caught.value.fields if f.field == "eligibility"]
    assert any("employes" in m and "employees" in m for m in messages), messages  # the rules module's pointer
    assert "benefit" in fields
    with province.db.session() as session:
        assert session.scalar(select(func.count()).select_from(Policy)) == 0  # nothing half-written


def test_matching_offers_the_eligible_with_amount_explanation_and_sms(province: Platform) -> None:
    small = make_firm(province, name="杭州小微科技有限公司", employees=10)
    big_gap = make_firm(province, name="杭州参保不足有限公司", employees=20, rep_name="李法人")
    no_data = make_firm(province, name="杭州无数据有限公司", employees=8, rep_name="赵法人")
    load_facts(
        province,
        {small.enterprise.credit_code: insurance(9), big_gap.enterprise.credit_code: insurance(10)},
    )
    code = published_policy(province)
    with province.uow(staff(province)) as uow:
        result = match(uow, code, as_of=dt.date(2026, 11, 20))
    assert (result.evaluated, result.eligible, result.new_offers) == (3, 1, 1)
    with province.db.session() as session:
        offer = session.scalars(select(Offer)).one()
        assert offer.enterprise_id == small.enterprise.id and offer.amount_fen == 9 * 50_000
        assert offer.inputs == {"employees": 10, "insured_employees": 9, "region_code": "330106"}
        tree = offer.explanation["eligibility"]
        assert tree["status"] == "held" and [c["status"] for c in tree["children"]] == ["held"] * 3
        assert offer.explanation["benefit"]["value"] == 450_000
        sms = session.scalars(select(DevMessage)).all()
        assert len(sms) == 1 and "¥4,500.00" in sms[0].body and sms[0].recipient_masked.endswith("1111")
    # matching again in the same period offers nothing twice
    with province.uow(staff(province)) as uow:
        assert match(uow, code, as_of=dt.date(2026, 11, 21)).new_offers == 0
    assert no_data  # evaluated (NULL facts are "unknown", never a match)


def test_the_representative_confirms_once_and_is_paid_at_once(province: Platform) -> None:
    firm = make_firm(province, employees=10)
    load_facts(province, {firm.enterprise.credit_code: insurance(10)})
    code = published_policy(province)
    with province.uow(staff(province)) as uow:
        match(uow, code, as_of=dt.date(2026, 11, 20))
    with province.db.session() as session:
        number = session.scalars(select(Offer.number)).one()

    stranger, _, _ = make_person(province, name="路人甲")
    from onevisit.kernel.actors import ActorKind, Principal

    outsider = Principal(kind=ActorKind.CITIZEN, person_id=stranger.id, account_id=None)
    with pytest.raises(NotFound), province.uow(outsider) as uow:
        confirm(uow, number)
    with pytest.raises(Forbidden), province.uow(staff(province)) as uow:
        confirm(uow, number)

    with province.uow(firm.rep_principal) as uow:
        offer = confirm(uow, number)
        assert offer.status == "paid" and offer.payout_number
    with pytest.raises(Conflict) as again, province.uow(firm.rep_principal) as uow:
        confirm(uow, number)
    assert again.value.code == "policies.offer.already_confirmed"

    with province.db.session() as session:
        payout = session.scalars(select(Payout)).one()
        assert payout.amount_fen == 500_000 and payout.payee_enterprise_id == firm.enterprise.id
        assert payout.department_id == department_id(province)
        entry = session.scalars(select(SettlementEntry).where(SettlementEntry.kind == "payout")).one()
        assert entry.amount_fen == -500_000 and entry.source_id == payout.id
        assert payout.ledger_index is not None
        assert session.scalar(select(func.count()).select_from(LedgerEntry)) >= 1
        policy = session.scalars(select(Policy)).one()
        assert policy.committed_fen == 500_000
        actions = set(session.scalars(select(AuditEvent.action)))
        assert {"payments.payout", "policies.offer_confirmed", "policies.offer_paid", "policies.matched"} <= actions


def test_an_authorised_agent_may_confirm(province: Platform) -> None:
    firm = make_firm(province, employees=10)
    agent, agent_number, _ = make_person(province, name="王代理")
    with province.uow(firm.rep_principal) as uow:
        from onevisit.identity.models import Enterprise

        enterprise = uow.session.get(Enterprise, firm.enterprise.id)
        assert enterprise is not None
        authorise_agent(uow, enterprise, id_number=agent_number, name="王代理")
    load_facts(province, {firm.enterprise.credit_code: insurance(10)})
    code = published_policy(province)
    with province.uow(staff(province)) as uow:
        match(uow, code, as_of=dt.date(2026, 11, 20))
    from onevisit.kernel.actors import ActorKind, Principal

    with province.db.session() as session:
        number = session.scalars(select(Offer.number)).one()
    with province.uow(Principal(kind=ActorKind.CITIZEN, person_id=agent.id)) as uow:
        assert confirm(uow, number).status == "paid"


def test_the_budget_is_never_overspent(province: Platform) -> None:
    firms = [make_firm(province, name=f"杭州企业{i}有限公司", employees=10, rep_name=f"法人{i}") for i in range(3)]
    load_facts(province, {f.enterprise.credit_code: insurance(10) for f in firms})
    code = published_policy(province, budget_fen=1_000_000)  # room for two offers of 5,000 yuan
    with province.uow(staff(province)) as uow:
        assert match(uow, code, as_of=dt.date(2026, 11, 20)).new_offers == 3
    outcomes = []
    for firm in firms:
        with province.db.session() as session:
            number = session.scalar(select(Offer.number).where(Offer.enterprise_id == firm.enterprise.id))
        try:
            with province.uow(firm.rep_principal) as uow:
                confirm(uow, str(number))
            outcomes.append("paid")
        except Conflict as exc:
            outcomes.append(str(exc.code))
    assert outcomes == ["paid", "paid", "policies.budget.exhausted"]
    with province.db.session() as session:
        assert session.scalar(select(func.count()).select_from(Payout)) == 2
        statuses = sorted(session.scalars(select(Offer.status)))
        assert statuses == ["offered", "paid", "paid"]  # the refused one stays open, nothing half-done


def test_clawback_bills_the_enterprise_and_returns_the_budget(province: Platform) -> None:
    firm = make_firm(province, employees=10)
    load_facts(province, {firm.enterprise.credit_code: insurance(10)})
    code = published_policy(province)
    with province.uow(staff(province)) as uow:
        match(uow, code, as_of=dt.date(2026, 11, 20))
    with province.db.session() as session:
        number = session.scalars(select(Offer.number)).one()
    with province.uow(firm.rep_principal) as uow:
        confirm(uow, number)
    with pytest.raises(ValidationFailed), province.uow(staff(province)) as uow:
        clawback(uow, number, reason="")
    with pytest.raises(Forbidden), province.uow(staff(province, admin=False)) as uow:
        clawback(uow, number, reason="参保人数虚报")
    with pytest.raises(NotFound), province.uow(staff(province, "ZJ-TAX")) as uow:
        clawback(uow, number, reason="参保人数虚报")
    with province.uow(staff(province)) as uow:
        offer = clawback(uow, number, reason="参保人数虚报，经核查实际参保3人")
        assert offer.status == "clawed_back"
    with province.db.session() as session:
        bill = session.scalars(select(Bill)).one()
        assert bill.kind == "clawback" and bill.amount_fen == 500_000
        assert any(
            f"请在“我的账单”中退回 ¥5,000.00（账单 {bill.number}）" in m.body
            for m in session.scalars(select(DevMessage))
        )
        assert bill.payer_enterprise_id == firm.enterprise.id
        assert session.scalars(select(Policy)).one().committed_fen == 0
    with pytest.raises(Conflict), province.uow(staff(province)) as uow:
        clawback(uow, number, reason="again and again")
    assert offer_services  # module imported for its public functions


def test_recurring_policies_offer_once_per_period(province: Platform) -> None:
    firm = make_firm(province, employees=10)
    load_facts(province, {firm.enterprise.credit_code: insurance(10)})
    code = published_policy(province, recurrence="quarterly", budget_fen=10_000_000)
    for day in (dt.date(2026, 8, 1), dt.date(2026, 9, 30), dt.date(2026, 10, 1)):
        with province.uow(staff(province)) as uow:
            match(uow, code, as_of=day)
    with province.db.session() as session:
        assert sorted(session.scalars(select(Offer.period))) == ["2026Q3", "2026Q4"]
    with pytest.raises(Conflict) as out, province.uow(staff(province)) as uow:
        match(uow, code, as_of=dt.date(2027, 1, 2))
    assert out.value.code == "policies.offer.out_of_period"
