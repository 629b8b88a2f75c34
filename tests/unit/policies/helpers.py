"""Policy test helpers: departments, enterprises with datahub facts, staff and representatives."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from onevisit.datahub.services import records
from onevisit.demo.departments import ensure_departments
from onevisit.demo.policies import ensure_policy_items
from onevisit.identity.models import Account, Department, Enterprise, Person
from onevisit.identity.services import people
from onevisit.kernel.actors import ActorKind, Principal
from onevisit.kernel.platform import Platform
from onevisit.policies import PolicyDraft, create_policy, publish
from tests.common.factories import credit_code, make_person

RENT_RULE = "employees BETWEEN 5 AND 300 AND insured_employees >= 0.8 * employees AND region_code LIKE '33%'"
RENT_BENEFIT = "LEAST(insured_employees * 50000, 5000000)"


@dataclass
class Firm:
    enterprise: Enterprise
    rep: Person
    rep_number: str
    rep_account: Account | None

    @property
    def rep_principal(self) -> Principal:
        return Principal(
            kind=ActorKind.CITIZEN,
            account_id=self.rep_account.id if self.rep_account else None,
            person_id=self.rep.id,
            display_name=self.rep.name,
            permissions=frozenset({"citizen.portal", "enterprise.portal"}),
            enterprise_ids=frozenset({self.enterprise.id}),
        )


def setup_departments(platform: Platform) -> None:
    with platform.uow() as uow:
        ensure_departments(uow.session)


def department_id(platform: Platform, code: str = "ZJ-HRSS") -> int:
    with platform.db.session() as session:
        found = session.scalar(select(Department.id).where(Department.code == code))
        assert found is not None
        return int(found)


def staff(platform: Platform, code: str = "ZJ-HRSS", *, admin: bool = True) -> Principal:
    perms = {"staff.portal"} | ({"payments.manage"} if admin else set())
    return Principal(
        kind=ActorKind.STAFF,
        account_id=None,
        display_name="clerk",
        department_id=department_id(platform, code),
        permissions=frozenset(perms),
    )


def make_firm(
    platform: Platform, *, name: str = "杭州示例科技有限公司", employees: int = 25, rep_name: str = "张法人"
) -> Firm:
    rep, number, account = make_person(platform, name=rep_name, phone="13900001111")
    with platform.uow() as uow:
        person = uow.session.get(Person, rep.id)
        assert person is not None
        enterprise = people.register_enterprise(
            uow,
            credit_code=credit_code(),
            name=name,
            kind="limited_company",
            legal_rep=person,
            region_code="330106",
            industry="I",
            registered_capital_fen=100_000_000,
            established_on=dt.date(2018, 3, 1),
            employees=employees,
        )
    return Firm(enterprise, rep, number, account)


def load_facts(platform: Platform, facts: dict[str, dict[str, dict[str, Any]]]) -> None:
    """``{credit_code: {item_code: record}}`` into the datahub (replacing what each item held)."""
    with platform.uow() as uow:
        items = ensure_policy_items(uow)
        by_item: dict[str, list[tuple[bytes, dict[str, Any]]]] = {code: [] for code in items}
        for code, per_item in facts.items():
            for item_code, record in per_item.items():
                by_item[item_code].append((code.encode("ascii"), record))
        for item_code, rows in by_item.items():
            records.load(uow, items[item_code], rows, replace=True)


def insurance(insured: int, **more: int) -> dict[str, Any]:
    return {
        "hrss.enterprise_insurance": {
            "insured_employees": insured,
            "insured_last_year": insured,
            "young_employees": more.get("young", 0),
            "layoffs": more.get("layoffs", 0),
            "unemployment_contributions_fen": insured * 36_000,
        }
    }


def published_policy(
    platform: Platform,
    *,
    code: str = "rent-subsidy-2026",
    eligibility: str = RENT_RULE,
    benefit: str = RENT_BENEFIT,
    budget_fen: int = 10_000_000,
    recurrence: str = "once",
) -> str:
    with platform.uow(staff(platform)) as uow:
        create_policy(
            uow,
            PolicyDraft(
                code=code,
                title="小微企业员工租房补贴",
                eligibility=eligibility,
                benefit=benefit,
                budget_fen=budget_fen,
                starts_on=dt.date(2026, 1, 1),
                ends_on=dt.date(2026, 12, 31),
                recurrence=recurrence,
            ),
        )
        publish(uow, code)
    return code
