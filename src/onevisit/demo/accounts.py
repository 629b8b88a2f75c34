"""Accounts for the demo logins, and the table that tells a new user how to sign in.

Only these few people get an account during the seed (argon2 is deliberately slow; hashing
a million passwords would take hours). Everyone else can still sign in with a one-time SMS
code, which creates their account then. Accounts, staff posts and roles go through the
identity services, so they are made exactly as an administrator would make them.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass

from rich.console import Console
from rich.table import Table
from sqlalchemy import select

from onevisit.demo.logins import DEMO_LOGINS
from onevisit.identity.models import Account, Department, Enterprise, Person, StaffMember
from onevisit.identity.services import people
from onevisit.kernel.platform import Platform
from onevisit.kernel.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class DemoLoginRow:
    """What ``onevisit demo logins`` shows for one account (the ID number in full: it is public)."""

    key: str
    label: str
    id_number: str
    password: str
    name: str | None
    department: str | None
    enterprise: str | None

    @property
    def present(self) -> bool:
        return self.name is not None


def create_demo_accounts(uow: UnitOfWork, person_id_of_row: Callable[[int], int]) -> int:
    """Gives each demo login an account with its password and, for staff, a post and role."""
    for login in DEMO_LOGINS:
        person = uow.session.get_one(Person, person_id_of_row(login.row))
        account = people.ensure_account(uow, person, password=login.password)
        if login.department_code and login.role:
            department = people.find_department(uow.session, login.department_code)
            people.add_staff(uow, account, department, title=login.title, role=login.role)
    return len(DEMO_LOGINS)


def demo_login_rows(platform: Platform) -> list[DemoLoginRow]:
    """The demo logins as they are in this database (``name`` is None where not seeded)."""
    rows = []
    with platform.db.session() as session:
        for login in DEMO_LOGINS:
            person = people.find_person_by_id_number(session, platform.vault, login.id_number)
            enterprise = (
                session.scalar(select(Enterprise.name).where(Enterprise.legal_rep_id == person.id).limit(1))
                if person is not None
                else None
            )
            department = (
                session.scalar(
                    select(Department.name_zh)
                    .join(StaffMember, StaffMember.department_id == Department.id)
                    .join(Account, Account.id == StaffMember.account_id)
                    .where(Account.person_id == person.id)
                )
                if person is not None
                else None
            )
            rows.append(
                DemoLoginRow(
                    key=login.key,
                    label=login.label,
                    id_number=login.id_number,
                    password=login.password,
                    name=person.name if person is not None else None,
                    department=department,
                    enterprise=enterprise,
                )
            )
    return rows


def print_demo_logins(platform: Platform, console: Console | None = None) -> list[DemoLoginRow]:
    """Prints the demo logins as a table and returns them."""
    rows = demo_login_rows(platform)
    table = Table(title="OneVisit demo logins (sign in at /login)")
    table.add_column("Who")
    table.add_column("ID number", no_wrap=True)
    table.add_column("Password", no_wrap=True)
    table.add_column("Name", no_wrap=True)
    table.add_column("Department / enterprise")
    for row in rows:
        table.add_row(
            row.label,
            row.id_number,
            row.password,
            row.name or "[red]not seeded[/red]",
            row.department or row.enterprise or "",
        )
    out = console or Console(width=None if sys.stdout.isatty() else 132)
    out.print(table)
    if not all(row.present for row in rows):
        out.print("Some demo logins are missing: run [bold]onevisit demo seed[/bold] on an empty database.")
    from onevisit.demo.applications import applications_note  # the seeded housing bundles, if any

    note = applications_note(platform)
    if note:
        out.print(note)
    out.print("Anyone else in the demo province can sign in with a one-time SMS code (/login/sms).")
    return rows
