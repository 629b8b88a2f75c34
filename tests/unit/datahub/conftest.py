"""A small public data platform: two departments, one person with records, an enterprise."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from onevisit.datahub.services import catalogue, records
from onevisit.datahub.services.catalogue import find_item
from onevisit.datahub.services.subjects import enterprise_key, person_key
from onevisit.identity.models import Department, Enterprise, Person
from onevisit.kernel.platform import Platform
from tests.common.factories import make_clerk, make_department, make_enterprise, make_person

ADDRESS = {"name": "address", "type": "string", "concept": "residential_address"}


@dataclass
class Hub:
    owner: Department  # ZJ-PSB: holds household, vehicles and the conditional record
    other: Department  # ZJ-NR: the requester
    person: Person
    id_number: str
    enterprise: Enterprise
    owner_account: int
    other_account: int
    other_number: str = ""


def build_hub(platform: Platform) -> Hub:
    owner = make_department(platform, "ZJ-PSB", "浙江省公安厅", "Public Security")
    other = make_department(platform, "ZJ-NR", "浙江省自然资源厅", "Natural Resources")
    person, number, _ = make_person(platform, name="王小明")
    _, _, owner_account = make_clerk(platform, owner, name="公安文员")
    _, other_number, other_account = make_clerk(platform, other, name="自然资源文员")
    enterprise = make_enterprise(platform, person)
    with platform.uow() as uow:
        catalogue.register_source(uow, department_code="ZJ-PSB", code="psb.db", name="PSB", connector="own_table")
        catalogue.register_source(uow, department_code="ZJ-NR", code="nr.db", name="NR", connector="own_table")
        catalogue.register_source(uow, department_code="ZJ-PSB", code="amr.db", name="AMR", connector="csv")
        specs = [
            ("psb.household", "psb.db", "person", "unconditional", [{"name": "name"}, ADDRESS]),
            ("psb.vehicle", "psb.db", "person", "unconditional", [{"name": "plate"}]),
            ("psb.no_criminal_record", "psb.db", "person", "conditional", [{"name": "status"}]),
            ("psb.correction", "psb.db", "person", "not_shared", [{"name": "started_on", "type": "date"}]),
            (
                "nr.title",
                "nr.db",
                "person",
                "unconditional",
                [{"name": "certificate_no"}, {**ADDRESS, "required": False}, {"name": "area_m2", "type": "decimal"}],
            ),
            (
                "amr.registration",
                "amr.db",
                "enterprise",
                "unconditional",
                [{"name": "name"}, {"name": "employees", "type": "integer"}],
            ),
        ]
        for code, source, subject, sharing, fields in specs:
            catalogue.register_item(
                uow,
                source_code=source,
                code=code,
                name_zh=code,
                name_en=code.title(),
                subject_kind=subject,
                sharing=sharing,
                frequency="daily",
                fields=fields,
            )
        catalogue.register_use(
            uow,
            code="nr.transfer",
            name_zh="二手房转移登记",
            name_en="Housing transfer",
            department_code="ZJ-NR",
            requires_consent=False,
        )
        catalogue.register_use(
            uow,
            code="portal.prefill",
            name_zh="表单预填",
            name_en="Pre-filling forms",
            department_code=None,
            requires_consent=True,
        )
        key = person_key(platform.vault, number)
        session = uow.session
        records.load(
            uow, find_item(session, "psb.household"), [(key, {"name": "王小明", "address": "杭州市西湖区1号"})]
        )
        records.load(
            uow, find_item(session, "psb.vehicle"), [(key, {"plate": "浙A12345"}), (key, {"plate": "浙A54321"})]
        )
        records.load(uow, find_item(session, "psb.no_criminal_record"), [(key, {"status": "none"})])
        records.load(uow, find_item(session, "psb.correction"), [(key, {"started_on": "2025-01-01"})])
        records.load(
            uow,
            find_item(session, "nr.title"),
            [(key, {"certificate_no": "浙(2019)1号", "address": "宁波市海曙区2号", "area_m2": "89.5"})],
        )
        records.load(
            uow,
            find_item(session, "amr.registration"),
            [(enterprise_key(enterprise.credit_code), {"name": enterprise.name, "employees": 25})],
        )
    return Hub(owner, other, person, number, enterprise, owner_account.id, other_account.id, other_number)


@pytest.fixture
def hub(platform: Platform) -> Hub:
    return build_hub(platform)
