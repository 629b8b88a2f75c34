"""Turning identity rows into what screens and the API show (masked, never raw)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from onevisit.identity.errors import IdentityError
from onevisit.identity.models import Department, Enterprise, Person
from onevisit.identity.schemas import EnterpriseOut, MeOut, PersonOut
from onevisit.identity.services.people import enterprises_of, id_number_of, phone_of
from onevisit.kernel.actors import Principal
from onevisit.kernel.crypto import PersonalDataVault
from onevisit.kernel.errors import NotFound
from onevisit.kernel.i18n import N_
from onevisit.kernel.masking import mask_id_number, mask_phone


def person_out(vault: PersonalDataVault, person: Person) -> PersonOut:
    phone = phone_of(vault, person)
    return PersonOut(
        name=person.name,
        id_number_masked=mask_id_number(id_number_of(vault, person)),
        gender=person.gender,
        birth_date=person.birth_date,
        region_code=person.region_code,
        phone_masked=mask_phone(phone) if phone else None,
    )


def enterprise_out(enterprise: Enterprise, relation: str) -> EnterpriseOut:
    return EnterpriseOut(
        credit_code=enterprise.credit_code,
        name=enterprise.name,
        relation=relation,
        region_code=enterprise.region_code,
        industry=enterprise.industry,
        employees=enterprise.employees,
    )


def me_out(session: Session, vault: PersonalDataVault, principal: Principal) -> MeOut:
    person = session.get(Person, principal.person_id) if principal.person_id is not None else None
    if person is None:
        raise NotFound(IdentityError.PERSON_NOT_FOUND, N_("Your record could not be found."))
    enterprises = enterprises_of(session, person.id)
    department = session.get(Department, principal.department_id) if principal.department_id else None
    acting = session.get(Enterprise, principal.acting_for_enterprise_id) if principal.acting_for_enterprise_id else None
    return MeOut(
        person=person_out(vault, person),
        roles=sorted(principal.roles),
        enterprises=[enterprise_out(e, rel) for e, rel in enterprises],
        department=department.code if department else None,
        acting_for=acting.credit_code if acting else None,
    )
