"""The documented demo logins work through the web pages, as a new user would use them."""

from __future__ import annotations

import io

import pytest
from rich.console import Console
from sqlalchemy import select

from onevisit.demo import logins
from onevisit.demo.seed import print_demo_logins, seed_province
from onevisit.identity.models import Department, Enterprise, Person
from onevisit.identity.services import people
from onevisit.kernel.platform import Platform
from tests.functional.conftest import Browser

BY_KEY = {login.key: login for login in logins.DEMO_LOGINS}


@pytest.fixture
def seeded(platform: Platform) -> Platform:
    seed_province(platform, citizens=40, enterprises=8, seed=99)
    return platform


def _person(platform: Platform, key: str) -> Person:
    with platform.db.session() as session:
        person = people.find_person_by_id_number(session, platform.vault, BY_KEY[key].id_number)
        assert person is not None
        return person


def test_citizen_sees_their_name_and_family(seeded: Platform, client: Browser) -> None:
    login = BY_KEY["citizen"]
    citizen = _person(seeded, "citizen")
    spouse = _person(seeded, "enterprise")
    client.login(login.id_number, login.password)
    page = client.get("/me")
    assert page.status_code == 200
    assert citizen.name in page.text
    assert spouse.name in page.text
    assert login.id_number not in page.text
    assert client.get("/staff").status_code == 403


def test_enterprise_representative_sees_the_demo_enterprise(seeded: Platform, client: Browser) -> None:
    login = BY_KEY["enterprise"]
    rep = _person(seeded, "enterprise")
    with seeded.db.session() as session:
        enterprise = session.scalars(select(Enterprise).where(Enterprise.legal_rep_id == rep.id)).one()
    client.login(login.id_number, login.password)
    assert enterprise.name in client.get("/me").text
    page = client.get(f"/enterprises/{enterprise.credit_code}")
    assert page.status_code == 200
    assert enterprise.name in page.text


@pytest.mark.parametrize("key", [login.key for login in logins.DEMO_LOGINS if login.department_code])
def test_staff_logins_reach_the_staff_workspace(seeded: Platform, client: Browser, key: str) -> None:
    login = BY_KEY[key]
    with seeded.db.session() as session:
        department = session.scalars(select(Department).where(Department.code == login.department_code)).one()
    client.login(login.id_number, login.password)
    page = client.get("/staff")
    assert page.status_code == 200
    assert department.name_zh in page.text


def test_wrong_demo_password_is_refused(seeded: Platform, client: Browser) -> None:
    response = client.submit(
        "/login", "/login", {"id_number": BY_KEY["citizen"].id_number, "password": "demo-citizen-2025"}
    )
    assert response.status_code == 401


def test_print_demo_logins_lists_every_account(seeded: Platform, capsys: pytest.CaptureFixture[str]) -> None:
    rows = print_demo_logins(seeded)
    out = capsys.readouterr().out
    assert [row.id_number for row in rows] == [login.id_number for login in logins.DEMO_LOGINS]
    assert all(row.present for row in rows)
    assert rows[0].name == _person(seeded, "citizen").name
    assert {row.department for row in rows if row.key.startswith("clerk-")} >= {"浙江省公安厅"}
    assert "demo-citizen-2026" in out
    assert logins.DEMO_LOGINS[0].id_number in out


def test_logins_table_says_when_the_province_is_missing(platform: Platform) -> None:
    from onevisit.demo.accounts import print_demo_logins as print_table

    buffer = io.StringIO()
    rows = print_table(platform, console=Console(file=buffer, width=200))
    assert not any(row.present for row in rows)
    assert "not seeded" in buffer.getvalue()
