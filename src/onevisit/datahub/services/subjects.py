"""Whose data: a resident ID number or a unified social credit code → the subject key."""

from __future__ import annotations

from dataclasses import dataclass

from onevisit.datahub.errors import DatahubError
from onevisit.identity.creditcodes import parse_credit_code
from onevisit.identity.idnumbers import normalise, parse_id_number
from onevisit.identity.services.people import ID_KIND
from onevisit.kernel.crypto import PersonalDataVault
from onevisit.kernel.errors import InvalidInput
from onevisit.kernel.i18n import N_
from onevisit.kernel.masking import mask_id_number

PERSON, ENTERPRISE = "person", "enterprise"


@dataclass(frozen=True, slots=True)
class Subject:
    kind: str
    key: bytes
    masked: str
    credit_code: str | None = None


def enterprise_key(credit_code: str) -> bytes:
    return credit_code.encode("ascii")


def person_key(vault: PersonalDataVault, id_number: str) -> bytes:
    """The same keyed blind index ``persons.id_number_index`` holds."""
    return vault.index(id_number, kind=ID_KIND)


def parse_subject(vault: PersonalDataVault, raw: str) -> Subject:
    """An ID number (18 characters, a digit first) or a credit code (18, checked)."""
    value = normalise(raw) if raw else ""
    try:
        person = parse_id_number(value)
    except InvalidInput:
        pass
    else:
        return Subject(PERSON, person_key(vault, person.number), mask_id_number(person.number))
    try:
        code = parse_credit_code(value)
    except InvalidInput:
        raise InvalidInput(
            DatahubError.SUBJECT_INVALID,
            N_("Enter a valid resident ID number or unified social credit code."),
        ) from None
    return Subject(ENTERPRISE, enterprise_key(code.code), code.code, credit_code=code.code)
