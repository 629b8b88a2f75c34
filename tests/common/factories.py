"""Test data builders: each test says what it needs (a person, an enterprise, a clerk)."""

from __future__ import annotations

import datetime as dt
import itertools

from argon2 import PasswordHasher

from onevisit.identity.creditcodes import make_credit_code
from onevisit.identity.idnumbers import make_id_number
from onevisit.identity.models import Account, Department, Enterprise, Person
from onevisit.identity.services import people
from onevisit.kernel.platform import Platform

_seq = itertools.count(1)


def id_number(region: str = "330106", birth: dt.date = dt.date(1990, 5, 17), gender: str = "M") -> str:
    n = next(_seq)
    sequence = (n * 2 + (1 if gender == "M" else 0)) % 1000
    return make_id_number(region, birth, sequence)


def credit_code(region: str = "330106") -> str:
    n = next(_seq)
    return make_credit_code("9", "1", region, f"MA{n:07d}")


def make_person(
    platform: Platform,
    *,
    name: str = "王小明",
    number: str | None = None,
    phone: str | None = "13800000000",
    password: str | None = "correct horse battery",
    region: str = "330106",
) -> tuple[Person, str, Account | None]:
    number = number or id_number()
    with platform.uow() as uow:
        person = people.register_person(uow, id_number=number, name=name, region_code=region, phone=phone)
        account = people.ensure_account(uow, person, password=password) if password else None
    return person, number, account


def make_enterprise(platform: Platform, legal_rep: Person, *, name: str = "杭州示例科技有限公司") -> Enterprise:
    with platform.uow() as uow:
        rep = uow.session.get(Person, legal_rep.id)
        assert rep is not None
        return people.register_enterprise(
            uow,
            credit_code=credit_code(),
            name=name,
            kind="limited_company",
            legal_rep=rep,
            region_code="330106",
            industry="I",
            registered_capital_fen=100_000_000,
            established_on=dt.date(2018, 3, 1),
            employees=25,
        )


def make_department(
    platform: Platform, code: str = "ZJ-TEST", name_zh: str = "测试厅", name_en: str = "Test Department"
) -> Department:
    with platform.uow() as uow:
        return people.register_department(uow, code=code, name_zh=name_zh, name_en=name_en, region_code="330000")


def make_clerk(
    platform: Platform, department: Department, *, role: str = "clerk", name: str = "李文员"
) -> tuple[Person, str, Account]:
    person, number, account = make_person(platform, name=name, phone=None)
    assert account is not None
    with platform.uow() as uow:
        acc = uow.session.get(Account, account.id)
        dep = uow.session.get(Department, department.id)
        assert acc is not None and dep is not None
        people.add_staff(uow, acc, dep, title="科员", role=role)
    return person, number, account


def cheap_password_hashing() -> PasswordHasher:
    """An argon2id hasher with minimal cost, for tests that log in many times.

    Verification reads the parameters from the stored hash, so swapping the module's hasher
    (``monkeypatch.setattr(passwords, "_hasher", cheap_password_hashing())``) changes only
    speed, not behaviour.
    """
    return PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
