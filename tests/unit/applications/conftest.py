"""A province small enough for one test: the demo's departments, datahub items and
catalogue, one citizen with records (a driving licence, no criminal record, a household,
a sale contract, a marriage), clerks of the departments the journeys involve."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pytest

from onevisit.datahub.services import catalogue, records
from onevisit.datahub.services.catalogue import find_item
from onevisit.datahub.services.subjects import person_key
from onevisit.demo.catalog import seed_catalog
from onevisit.identity.models import Department, Person
from onevisit.identity.services.people import find_department
from onevisit.kernel.actors import ActorKind, Principal, system_actor
from onevisit.kernel.platform import Platform
from tests.common.factories import id_number, make_clerk, make_person
from tests.unit.catalog.conftest import prepare_references


@dataclass
class Province:
    platform: Platform
    person: Person
    number: str
    clerks: dict[str, tuple[str, int]] = field(default_factory=dict)  # department → (ID number, account id)
    departments: dict[str, int] = field(default_factory=dict)

    def citizen(self) -> Principal:
        return Principal(
            kind=ActorKind.CITIZEN,
            person_id=self.person.id,
            display_name=self.person.name,
            permissions=frozenset({"citizen.portal"}),
        )

    def clerk(self, department: str) -> Principal:
        return Principal(
            kind=ActorKind.STAFF,
            account_id=self.clerks[department][1],
            display_name=f"clerk {department}",
            department_id=self.departments[department],
            permissions=frozenset({"staff.portal"}),
        )


def _load(uow, code: str, key: bytes, *rows: dict[str, object]) -> None:  # type: ignore[no-untyped-def]
    records.load(uow, find_item(uow.session, code), [(key, row) for row in rows])


def build_province(platform: Platform) -> Province:
    prepare_references(platform)
    seed_catalog(platform)
    person, number, _ = make_person(platform, name="王小明", number=id_number(birth=dt.date(1990, 5, 17)))
    province = Province(platform, person, number)
    with platform.uow(system_actor("test")) as uow:
        for use, items in (
            ("trans.ride_hailing_licence", ["psb.no_criminal_record"]),
            ("nr.second_hand_transfer", ["ca.marriage", "tax.income_tax"]),
        ):
            for item in items:
                catalogue.approve(uow, item_code=item, use_code=use, legal_basis="《浙江省公共数据条例》")
        key = person_key(platform.vault, number)
        _load(
            uow,
            "psb.household",
            key,
            {
                "name": "王小明",
                "gender": "M",
                "birth_date": "1990-05-17",
                "region_code": "330106",
                "address": "杭州市西湖区文三路1号",
                "role": "head",
            },
        )
        _load(
            uow,
            "psb.driving_licence",
            key,
            {"licence_class": "C1", "issued_on": "2012-03-01", "valid_until": "2028-03-01", "points": 2},
        )
        _load(uow, "psb.no_criminal_record", key, {"status": "none", "checked_on": "2026-10-01"})
        _load(
            uow,
            "hurd.housing_contract",
            key,
            {"contract_no": "HZ2026-000123", "price_yuan": 2400000, "filed_on": "2026-11-01"},
        )
        _load(
            uow,
            "ca.marriage",
            key,
            {"status": "married", "spouse_name": "李华", "certificate_no": "J330106-1", "registered_on": "2016-10-01"},
        )
        _load(uow, "tax.income_tax", key, {"year": 2025, "income_yuan": 180000, "tax_yuan": 9480})
        for code in ("ZJ-TRANS", "ZJ-NR", "ZJ-TAX", "ZJ-HURD", "ZJ-EIT", "ZJ-PSB", "ZJ-AMR", "ZJ-HRSS"):
            province.departments[code] = find_department(uow.session, code).id
    for code in province.departments:
        with platform.db.session() as session:
            department = session.get(Department, province.departments[code])
        assert department is not None
        _, clerk_number, account = make_clerk(platform, department, name=f"{code}文员")
        province.clerks[code] = (clerk_number, account.id)
    return province


@pytest.fixture
def province(platform: Platform) -> Province:
    return build_province(platform)
