"""Seeding a real database (SQLite, or PostgreSQL when the suite runs there)."""

from __future__ import annotations

import numpy as np
import pytest
from sqlalchemy import func, select

from onevisit.demo import logins
from onevisit.demo.departments import DEPARTMENTS
from onevisit.demo.population import generate_population
from onevisit.demo.seed import ProvinceNotEmptyError, seed_province
from onevisit.identity.idnumbers import parse_id_number
from onevisit.identity.models import Account, Department, Enterprise, Person, PersonRelation, StaffMember
from onevisit.identity.services import people
from onevisit.kernel.audit import AuditEvent
from onevisit.kernel.platform import Platform
from tests.common.factories import make_person

CITIZENS, ENTERPRISES, SEED = 80, 12, 4242


def _count(platform: Platform, model: type[object]) -> int:
    with platform.db.session() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_seed_loads_everything_once_with_one_audit_event(platform: Platform) -> None:
    report = seed_province(platform, citizens=CITIZENS, enterprises=ENTERPRISES, seed=SEED)

    assert _count(platform, Person) == CITIZENS
    assert _count(platform, Enterprise) == ENTERPRISES
    assert _count(platform, PersonRelation) == report.relations > 0
    assert _count(platform, Department) == len(DEPARTMENTS)
    assert _count(platform, Account) == len(logins.DEMO_LOGINS)
    assert _count(platform, StaffMember) == sum(1 for login in logins.DEMO_LOGINS if login.department_code)
    with platform.db.session() as session:
        seeds = list(session.scalars(select(AuditEvent).where(AuditEvent.action == "demo.seed")))
        person_audits = session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "identity.person.register")
        )
    assert len(seeds) == 1 and seeds[0].detail["citizens"] == CITIZENS
    assert person_audits == 0
    assert "80 citizens" in report.summary()


def test_seeded_rows_match_the_generator_and_open_with_the_vault(platform: Platform) -> None:
    seed_province(platform, citizens=CITIZENS, enterprises=ENTERPRISES, seed=SEED)
    expected = generate_population(np.random.default_rng(SEED), CITIZENS)
    with platform.db.session() as session:
        persons = list(session.scalars(select(Person).order_by(Person.id)))
        assert [p.name for p in persons] == expected.names
        for person, number, phone in zip(persons, expected.id_numbers, expected.phones, strict=True):
            assert people.id_number_of(platform.vault, person) == number
            assert people.phone_of(platform.vault, person) == phone
            parsed = parse_id_number(number)
            assert (person.gender, person.birth_date, person.birth_region_code) == (
                parsed.gender, parsed.birth_date, parsed.region_code,
            )
        citizen = people.find_person_by_id_number(session, platform.vault, logins.DEMO_LOGINS[0].id_number)
        assert citizen is not None
        ties = {kind for kind, _ in people.relatives_of(session, citizen.id)}
        assert ties == {"spouse", "child"}


def test_relations_are_stored_like_relate_stores_them(platform: Platform) -> None:
    seed_province(platform, citizens=CITIZENS, enterprises=ENTERPRISES, seed=SEED)
    with platform.db.session() as session:
        rows = {(r.person_id, r.relative_id): r.kind for r in session.scalars(select(PersonRelation))}
        genders = dict(session.execute(select(Person.id, Person.gender)).all())
        births = dict(session.execute(select(Person.id, Person.birth_date)).all())
    for (person, relative), kind in rows.items():
        if kind == "child":
            assert rows[(relative, person)] == ("father" if genders[person] == "M" else "mother")
            assert (births[relative] - births[person]).days >= 18 * 365
        elif kind == "spouse":
            assert rows[(relative, person)] == "spouse"


def test_if_empty_is_a_no_op_the_second_time(platform: Platform) -> None:
    seed_province(platform, citizens=CITIZENS, enterprises=ENTERPRISES, seed=SEED, if_empty=True)
    again = seed_province(platform, citizens=CITIZENS, enterprises=ENTERPRISES, seed=SEED, if_empty=True)
    assert again.skipped is not None
    assert "not seeded" in again.summary()
    assert _count(platform, Person) == CITIZENS
    assert _count(platform, Account) == len(logins.DEMO_LOGINS)


def test_refuses_a_database_that_already_has_people(platform: Platform) -> None:
    make_person(platform, password=None)
    with pytest.raises(ProvinceNotEmptyError):
        seed_province(platform, citizens=CITIZENS, enterprises=ENTERPRISES, seed=SEED)
    assert _count(platform, Person) == 1


def test_people_registered_after_the_seed_get_fresh_ids(platform: Platform) -> None:
    seed_province(platform, citizens=CITIZENS, enterprises=ENTERPRISES, seed=SEED)
    person, _, _ = make_person(platform, phone="13912345678", password=None)
    assert person.id == CITIZENS + 1
