"""Fixtures for credential tests: the issuing departments, a citizen, an enterprise."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

from onevisit.credentials import Holder
from onevisit.demo.departments import ensure_departments
from onevisit.identity.models import Account, Enterprise, Person
from onevisit.kernel.platform import Platform
from tests.common.factories import id_number, make_enterprise, make_person


@dataclass
class People:
    citizen: Person
    citizen_number: str
    citizen_account: Account
    other: Person
    other_number: str
    enterprise: Enterprise

    @property
    def holder(self) -> Holder:
        return Holder.person(self.citizen.id)

    @property
    def firm(self) -> Holder:
        return Holder.enterprise(self.enterprise.id)


@pytest.fixture
def departments(platform: Platform) -> None:
    with platform.uow() as uow:
        ensure_departments(uow.session)


@pytest.fixture
def people(platform: Platform, departments: None) -> People:
    citizen, number, account = make_person(
        platform, name="王小明", number=id_number(birth=dt.date(1988, 3, 15)), phone="13800000001"
    )
    other, other_number, _ = make_person(platform, name="李四", phone="13800000002")
    assert account is not None
    firm = make_enterprise(platform, citizen, name="杭州示例科技有限公司")
    return People(citizen, number, account, other, other_number, firm)


MARRIAGE = {
    "certificate_no": "J330106-2020-0000042",
    "spouse_name": "李华",
    "spouse_id_number": "330106199002020024",
    "registered_on": "2020-05-20",
}
LICENCE = {
    "name": "杭州示例科技有限公司",
    "kind": "有限责任公司",
    "legal_rep_name": "王小明",
    "registered_capital_yuan": 1_000_000,
    "established_on": "2018-03-01",
    "address": "杭州市西湖区文三路 1 号",
}
