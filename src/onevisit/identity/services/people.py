"""Registering and finding people, enterprises, departments and staff."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from onevisit.identity.creditcodes import parse_credit_code
from onevisit.identity.errors import IdentityError
from onevisit.identity.events import EnterpriseRegistered, PersonRegistered
from onevisit.identity.idnumbers import parse_id_number
from onevisit.identity.models import (
    Account,
    Department,
    Enterprise,
    EnterpriseAgent,
    Person,
    PersonRelation,
    Region,
    RoleGrant,
    StaffMember,
)
from onevisit.identity.permissions import GRANTABLE_ROLES
from onevisit.identity.regions import DIVISIONS
from onevisit.kernel.crypto import PersonalDataVault
from onevisit.kernel.errors import Conflict, InvalidInput, NotFound
from onevisit.kernel.i18n import N_
from onevisit.kernel.passwords import hash_password
from onevisit.kernel.uow import UnitOfWork

ID_KIND = b"id"
PHONE_KIND = b"phone"
PHONE_RE = re.compile(r"^1[3-9]\d{9}$")


def parse_phone(raw: str) -> str:
    value = raw.strip().replace(" ", "").replace("-", "")
    if not PHONE_RE.match(value):
        raise InvalidInput(
            IdentityError.PHONE_FORMAT,
            N_("A mobile number has 11 digits and starts with 13 to 19."),
        )
    return value


def ensure_regions(session: Session) -> int:
    """Loads the administrative divisions if missing; returns how many were added."""
    existing = set(session.scalars(select(Region.code)))
    added = 0
    for division in DIVISIONS:  # parents come before children in DIVISIONS
        if division.code not in existing:
            session.add(
                Region(
                    code=division.code,
                    name_zh=division.name_zh,
                    name_en=division.name_en,
                    level=division.level,
                    parent_code=division.parent,
                    current=division.current,
                )
            )
            added += 1
    session.flush()
    return added


def id_index(vault: PersonalDataVault, id_number: str) -> bytes:
    return vault.index(id_number, kind=ID_KIND)


def find_person_by_id_number(session: Session, vault: PersonalDataVault, id_number: str) -> Person | None:
    return session.scalar(select(Person).where(Person.id_number_index == id_index(vault, id_number)))


def id_number_of(vault: PersonalDataVault, person: Person) -> str:
    return vault.open(person.id_number_enc, kind=ID_KIND)


def phone_of(vault: PersonalDataVault, person: Person) -> str | None:
    return vault.open(person.phone_enc, kind=PHONE_KIND) if person.phone_enc else None


def register_person(
    uow: UnitOfWork,
    *,
    id_number: str,
    name: str,
    region_code: str,
    phone: str | None = None,
    address: str = "",
) -> Person:
    parsed = parse_id_number(id_number, today=uow.clock.now().date())
    vault = uow.platform.vault
    if find_person_by_id_number(uow.session, vault, parsed.number) is not None:
        raise Conflict(IdentityError.PERSON_EXISTS, N_("A person with this ID number is already registered."))
    if uow.session.get(Region, region_code) is None:
        raise NotFound(
            IdentityError.ID_NUMBER_REGION, N_("Unknown region code %(region)s."), params={"region": region_code}
        )
    sealed_id = vault.seal(parsed.number, kind=ID_KIND)
    sealed_phone = vault.seal(parse_phone(phone), kind=PHONE_KIND) if phone else None
    person = Person(
        id_number_enc=sealed_id.ciphertext,
        id_number_index=sealed_id.index,
        name=name.strip(),
        gender=parsed.gender,
        birth_date=parsed.birth_date,
        birth_region_code=parsed.region_code,
        region_code=region_code,
        phone_enc=sealed_phone.ciphertext if sealed_phone else None,
        phone_index=sealed_phone.index if sealed_phone else None,
        address=address,
        created_at=uow.clock.now(),
    )
    uow.session.add(person)
    uow.session.flush()
    uow.audit("identity.person.register", "person", person.id)
    uow.emit(PersonRegistered(person_id=person.id, region_code=region_code))
    return person


def relate(uow: UnitOfWork, person: Person, relative: Person, kind: str) -> None:
    """Records a family tie in both directions (spouse↔spouse, parent↔child)."""
    inverse = {"spouse": "spouse", "child": "father" if person.gender == "M" else "mother"}
    back = inverse.get(kind, "child")
    uow.session.add(PersonRelation(person_id=person.id, relative_id=relative.id, kind=kind))
    uow.session.add(PersonRelation(person_id=relative.id, relative_id=person.id, kind=back))
    uow.audit("identity.relation.add", "person", person.id, {"relative": relative.id, "kind": kind})


def relatives_of(session: Session, person_id: int) -> list[tuple[str, Person]]:
    stmt = (
        select(PersonRelation.kind, Person)
        .join(Person, Person.id == PersonRelation.relative_id)
        .where(PersonRelation.person_id == person_id)
        .order_by(PersonRelation.kind, Person.birth_date)
    )
    return [(kind, person) for kind, person in session.execute(stmt)]


def register_enterprise(
    uow: UnitOfWork,
    *,
    credit_code: str,
    name: str,
    kind: str,
    legal_rep: Person,
    region_code: str,
    industry: str,
    registered_capital_fen: int,
    established_on: dt.date,
    employees: int,
    address: str = "",
    reference: str | None = None,
) -> Enterprise:
    """``reference``: what the registration was made for (an application's number), audited."""
    code = parse_credit_code(credit_code).code
    if uow.session.scalar(select(Enterprise.id).where(Enterprise.credit_code == code)) is not None:
        raise Conflict(
            IdentityError.ENTERPRISE_EXISTS, N_("An enterprise with this credit code is already registered.")
        )
    enterprise = Enterprise(
        credit_code=code,
        name=name.strip(),
        kind=kind,
        legal_rep_id=legal_rep.id,
        region_code=region_code,
        industry=industry,
        registered_capital_fen=registered_capital_fen,
        established_on=established_on,
        employees=employees,
        address=address,
        created_at=uow.clock.now(),
    )
    uow.session.add(enterprise)
    uow.session.flush()
    detail = {"credit_code": code} if reference is None else {"credit_code": code, "reference": reference}
    uow.audit("identity.enterprise.register", "enterprise", enterprise.id, detail)
    uow.emit(EnterpriseRegistered(enterprise_id=enterprise.id, credit_code=code))
    return enterprise


def find_enterprise(session: Session, credit_code: str) -> Enterprise | None:
    return session.scalar(select(Enterprise).where(Enterprise.credit_code == credit_code.upper()))


def enterprises_of(session: Session, person_id: int) -> list[tuple[Enterprise, str]]:
    """Enterprises a person may act for, with how: "representative" or "agent"."""
    rep = session.scalars(select(Enterprise).where(Enterprise.legal_rep_id == person_id).order_by(Enterprise.name))
    out = [(e, "representative") for e in rep]
    agent_stmt = (
        select(Enterprise)
        .join(EnterpriseAgent, EnterpriseAgent.enterprise_id == Enterprise.id)
        .where(EnterpriseAgent.person_id == person_id, EnterpriseAgent.revoked_at.is_(None))
        .order_by(Enterprise.name)
    )
    out.extend((e, "agent") for e in session.scalars(agent_stmt))
    return out


def register_department(uow: UnitOfWork, *, code: str, name_zh: str, name_en: str, region_code: str) -> Department:
    department = Department(code=code, name_zh=name_zh, name_en=name_en, region_code=region_code)
    uow.session.add(department)
    uow.session.flush()
    uow.audit("identity.department.register", "department", department.id, {"code": code})
    return department


def find_department(session: Session, code: str) -> Department:
    department = session.scalar(select(Department).where(Department.code == code))
    if department is None:
        raise NotFound(
            IdentityError.DEPARTMENT_NOT_FOUND, N_("No department has the code %(code)s."), params={"code": code}
        )
    return department


def ensure_account(uow: UnitOfWork, person: Person, *, password: str | None = None) -> Account:
    account = uow.session.scalar(select(Account).where(Account.person_id == person.id))
    if account is None:
        account = Account(person_id=person.id, created_at=uow.clock.now(), failed_logins=0, active=True)
        uow.session.add(account)
        uow.session.flush()
        uow.audit("identity.account.create", "account", account.id)
    if password is not None:
        account.password_hash = hash_password(password)
        uow.audit("identity.account.password_set", "account", account.id)
    return account


def grant_role(uow: UnitOfWork, account: Account, role: str, department: Department | None = None) -> None:
    if role not in GRANTABLE_ROLES:
        raise ValueError(f"role {role!r} cannot be granted; grantable: {sorted(GRANTABLE_ROLES)}")
    uow.session.add(
        RoleGrant(
            account_id=account.id,
            role=role,
            department_id=department.id if department else None,
            granted_at=uow.clock.now(),
        )
    )
    uow.audit(
        "identity.role.grant",
        "account",
        account.id,
        {"role": role, "department": department.code if department else None},
    )


def add_staff(uow: UnitOfWork, account: Account, department: Department, *, title: str, role: str) -> StaffMember:
    member = StaffMember(account_id=account.id, department_id=department.id, title=title)
    uow.session.add(member)
    grant_role(uow, account, role, department)
    uow.session.flush()
    return member


def search_people_by_name(session: Session, name: str, *, limit: int = 20) -> list[Person]:
    pattern = f"%{name.strip()}%"
    return list(session.scalars(select(Person).where(or_(Person.name.like(pattern))).limit(limit)))
