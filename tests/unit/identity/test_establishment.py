"""Establishing an enterprise: a valid, unique credit code made from the registration's
number, the founder as legal representative, the same registration asked twice gives the
same enterprise, a taken name or impossible details are refused, and it is audited."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from onevisit.identity.creditcodes import parse_credit_code
from onevisit.identity.models import Enterprise, Person
from onevisit.identity.services import establishment
from onevisit.identity.services.people import enterprises_of, register_enterprise
from onevisit.kernel.audit import AuditEvent
from onevisit.kernel.errors import Conflict, InvalidInput
from onevisit.kernel.platform import Platform
from tests.common.factories import make_enterprise, make_person

DAY = dt.date(2026, 11, 20)


def _establish(platform: Platform, person: Person, serial: int, **changes: object) -> tuple[Enterprise, bool]:
    details: dict[str, object] = {
        "name": "杭州云栖智能科技有限公司",
        "kind": "limited_company",
        "region_code": "330106",
        "industry": "I",
        "registered_capital_fen": 100_000_000,
        "address": "杭州市西湖区文三路1号",
        **changes,
    }
    with platform.uow() as uow:
        rep = uow.session.get(Person, person.id)
        assert rep is not None
        enterprise, new = establishment.establish_enterprise(
            uow,
            serial=serial,
            reference=f"A20261120{serial:06d}",
            legal_rep=rep,
            established_on=DAY,
            **details,  # type: ignore[arg-type]
        )
        uow.session.flush()
        uow.session.expunge(enterprise)
    return enterprise, new


def test_candidate_codes_are_valid_distinct_and_carry_kind_and_region() -> None:
    seen: set[str] = set()
    for serial in (1, 2, 3, 31, 999_999, 27_512_614_110):
        codes = establishment.credit_code_candidates(serial, "individual_business", "330106")
        assert len(codes) == 21 and len(set(codes)) == 21
        for code in codes:
            parsed = parse_credit_code(code)  # the GB 32100 check character holds
            assert (parsed.authority, parsed.entity_type, parsed.region_code) == ("9", "2", "330106")
            assert code[8] == "M"
        assert codes[0][9] == "A" and codes[1][9] == "B"
        assert not seen & set(codes)
        seen |= set(codes)
    # consecutive numbers do not give consecutive codes
    first, second = (establishment.credit_code_candidates(n, "limited_company", "330106")[0] for n in (1, 2))
    assert sum(a != b for a, b in zip(first[10:17], second[10:17], strict=True)) > 1
    with pytest.raises(ValueError, match="serial"):
        establishment.credit_code_candidates(0, "limited_company", "330106")


def test_an_enterprise_is_established_once_per_registration(platform: Platform) -> None:
    person, _, _ = make_person(platform)
    enterprise, new = _establish(platform, person, 7)
    assert new
    assert enterprise.credit_code == establishment.credit_code_candidates(7, "limited_company", "330106")[0]
    assert (enterprise.legal_rep_id, enterprise.established_on, enterprise.status) == (person.id, DAY, "active")
    assert (enterprise.kind, enterprise.industry, enterprise.registered_capital_fen) == ("limited_company", "I", 10**8)
    again, new_again = _establish(platform, person, 7)
    assert (again.id, new_again) == (enterprise.id, False)
    with platform.db.session() as session:
        assert session.scalar(select(func.count()).select_from(Enterprise)) == 1
        assert [e.id for e, how in enterprises_of(session, person.id) if how == "representative"] == [enterprise.id]
        audit = session.scalars(select(AuditEvent).where(AuditEvent.action == "identity.enterprise.register")).all()
    assert [a.detail for a in audit] == [{"credit_code": enterprise.credit_code, "reference": "A20261120000007"}]


def test_a_code_taken_some_other_way_is_skipped(platform: Platform) -> None:
    person, _, _ = make_person(platform)
    first = establishment.credit_code_candidates(8, "limited_company", "330106")[0]
    with platform.uow() as uow:
        rep = uow.session.get(Person, person.id)
        assert rep is not None
        register_enterprise(
            uow,
            credit_code=first,
            name="别处登记的公司",
            kind="limited_company",
            legal_rep=rep,
            region_code="330106",
            industry="F",
            registered_capital_fen=1,
            established_on=DAY,
            employees=1,
        )
    enterprise, new = _establish(platform, person, 8)
    assert new and enterprise.credit_code == establishment.credit_code_candidates(8, "limited_company", "330106")[1]
    assert _establish(platform, person, 8)[0].id == enterprise.id


def test_a_taken_name_is_refused(platform: Platform) -> None:
    person, _, _ = make_person(platform)
    make_enterprise(platform, person, name="杭州示例科技有限公司")
    with pytest.raises(Conflict) as refused:
        _establish(platform, person, 9, name=" 杭州示例科技有限公司 ")
    assert refused.value.code == "identity.enterprise.name_taken"
    assert refused.value.params == {"name": "杭州示例科技有限公司"}


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"kind": "partnership"}, "identity.enterprise.details"),
        ({"region_code": "999999"}, "identity.id_number.region"),
        ({"region_code": "hz"}, "identity.id_number.region"),
        ({"industry": "Z"}, "identity.enterprise.details"),
        ({"industry": "IT"}, "identity.enterprise.details"),
        ({"name": "   "}, "identity.enterprise.details"),
        ({"registered_capital_fen": -1}, "identity.enterprise.details"),
    ],
)
def test_impossible_details_are_refused_clearly(platform: Platform, changes: dict[str, object], code: str) -> None:
    person, _, _ = make_person(platform)
    with pytest.raises(InvalidInput) as refused:
        _establish(platform, person, 10, **changes)
    assert refused.value.code == code
    with platform.db.session() as session:
        assert session.scalar(select(func.count()).select_from(Enterprise)) == 0


def test_no_industry_yet_is_allowed(platform: Platform) -> None:
    person, _, _ = make_person(platform)
    enterprise, _ = _establish(platform, person, 11, industry="", kind="farmers_cooperative")
    assert enterprise.industry == "" and parse_credit_code(enterprise.credit_code).entity_type == "3"
