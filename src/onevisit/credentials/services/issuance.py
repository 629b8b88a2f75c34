"""Issuing certificates: validate the fields, sign the body, register it on the ledger.

Other modules (applications, when a matter is approved) call :func:`issue` inside their own
unit of work, so the certificate, its ledger entry, its audit record and its event commit
together with the decision that caused them::

    from onevisit import credentials

    cert = credentials.issue(uow, "business_licence", credentials.Holder.enterprise(firm.id),
                             {"name": ..., "kind": ..., ...}, source="applications", reference="A-2026-1")

``(source, reference)`` is unique: issuing again for the same reference returns the first
certificate (a retried request never issues two). :mod:`.batches` issues many with one
ledger append (the demo seed, applications' group-committed instant approvals).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from onevisit import ledger
from onevisit.credentials.catalogue import (
    ENTERPRISE,
    PERSON,
    CertificateType,
    FieldSpec,
    claim_names,
    find_type,
)
from onevisit.credentials.errors import CredentialError
from onevisit.credentials.events import CredentialIssued
from onevisit.credentials.format import (
    SALT_BYTES,
    Body,
    ClaimValue,
    digest_of,
    instant,
    ledger_entry,
    make_disclosure,
)
from onevisit.credentials.inclusion import CERTIFICATE_LOG
from onevisit.credentials.keys import Signer, signer_for
from onevisit.credentials.models import Credential, Status
from onevisit.identity.creditcodes import parse_credit_code
from onevisit.identity.idnumbers import parse_id_number
from onevisit.identity.models import Enterprise, Person
from onevisit.identity.services.people import ID_KIND, find_enterprise, find_person_by_id_number
from onevisit.kernel.actors import Principal
from onevisit.kernel.crypto import PersonalDataVault
from onevisit.kernel.errors import AppError, FieldError, InvalidInput, NotFound, ValidationFailed
from onevisit.kernel.i18n import N_
from onevisit.kernel.masking import mask_id_number
from onevisit.kernel.uow import UnitOfWork

CHINA = dt.timezone(dt.timedelta(hours=8))
_SERIAL = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32
_DECIMAL = re.compile(r"^-?\d{1,12}(\.\d{1,6})?$")
DISCLOSURES_CONTEXT = b"credential-disclosures:"


def local_today(now: dt.datetime) -> dt.date:
    """Validity is judged by the calendar in Zhejiang (UTC+8)."""
    return now.astimezone(CHINA).date()


@dataclass(frozen=True, slots=True)
class Holder:
    kind: str
    id: int

    @classmethod
    def person(cls, person_id: int) -> Holder:
        return cls(PERSON, person_id)

    @classmethod
    def enterprise(cls, enterprise_id: int) -> Holder:
        return cls(ENTERPRISE, enterprise_id)


def resolve_holder(session: Any, vault: PersonalDataVault, subject: str) -> Holder:
    """A holder by resident ID number or unified social credit code (not on record: 404)."""
    text = subject.strip().upper()
    if len(text) == 18 and text[:17].isdigit():
        number = parse_id_number(text).number
        person = find_person_by_id_number(session, vault, number)
        if person is not None:
            return Holder.person(person.id)
    else:
        code = parse_credit_code(text).code
        enterprise = find_enterprise(session, code)
        if enterprise is not None:
            return Holder.enterprise(enterprise.id)
    raise NotFound(CredentialError.HOLDER_UNKNOWN, N_("No person or enterprise with this number is on record."))


def _field_value(spec: FieldSpec, raw: object) -> tuple[ClaimValue, str | None]:
    """The canonical value of one field, or an error msgid."""
    if spec.kind == "boolean":
        if isinstance(raw, bool):
            return raw, None
        if str(raw).lower() in ("true", "false"):
            return str(raw).lower() == "true", None
        return None, N_("Enter true or false.")
    if spec.kind == "integer":
        if isinstance(raw, bool):
            return None, N_("Enter a whole number.")
        try:
            value = int(str(raw).strip())
        except ValueError:
            return None, N_("Enter a whole number.")
        return (value, None) if abs(value) <= 2**53 else (None, N_("Enter a whole number."))
    text = str(raw).strip()
    if spec.kind == "decimal":
        return (text, None) if _DECIMAL.match(text) else (None, N_("Enter a number such as 89.50."))
    if spec.kind == "date":
        try:
            return dt.date.fromisoformat(text).isoformat(), None
        except ValueError:
            return None, N_("Enter a real date as YYYY-MM-DD.")
    if len(text) > spec.max_length:
        return None, N_("Must be %(max_length)s characters or fewer.")
    return text, None


def clean_fields(ctype: CertificateType, fields: Mapping[str, object]) -> dict[str, ClaimValue]:
    """The type's fields, checked and in canonical form; every problem reported at once."""
    errors = [
        FieldError(name[:48], N_("This certificate type has no field %(field)s."), {"field": name[:48]})
        for name in sorted(set(fields) - {f.name for f in ctype.fields})
    ]
    clean: dict[str, ClaimValue] = {}
    for spec in ctype.fields:
        raw = fields.get(spec.name)
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            if spec.required:
                errors.append(FieldError(spec.name, N_("Enter this information.")))
            continue
        value, problem = _field_value(spec, raw)
        if problem is not None:
            errors.append(FieldError(spec.name, problem, {"max_length": spec.max_length}))
            continue
        clean[spec.name] = value
    if errors:
        raise ValidationFailed(errors, code=CredentialError.FIELDS_INVALID)
    return clean


def validity(
    ctype: CertificateType,
    clean: Mapping[str, ClaimValue],
    today: dt.date,
    valid_from: dt.date | None,
    valid_until: dt.date | None,
) -> tuple[dt.date, dt.date | None]:
    start = valid_from or today
    end = valid_until
    if end is None and ctype.valid_until_field and isinstance(clean.get(ctype.valid_until_field), str):
        end = dt.date.fromisoformat(str(clean[ctype.valid_until_field]))
    if end is None and ctype.valid_days is not None:
        end = start + dt.timedelta(days=ctype.valid_days - 1)
    if end is not None and end < start:
        raise InvalidInput(
            CredentialError.VALIDITY_INVALID,
            N_("The certificate would end (%(end)s) before it starts (%(start)s)."),
            params={"start": start.isoformat(), "end": end.isoformat()},
        )
    return start, end


def _serial() -> str:
    """Ten random Crockford base32 characters (50 bits)."""
    value = int.from_bytes(os.urandom(7), "big") >> 6
    return "".join(_SERIAL[(value >> (5 * i)) & 31] for i in range(9, -1, -1))


@dataclass(frozen=True, slots=True)
class HolderFacts:
    """What a certificate says about its holder."""

    name: str
    identifier: str
    birth_date: dt.date | None = None

    def claims(self, kind: str, on: dt.date) -> dict[str, ClaimValue]:
        claims: dict[str, ClaimValue] = {"holder_name": self.name, "holder_id": self.identifier}
        if kind == PERSON:
            claims["holder_id_masked"] = mask_id_number(self.identifier)
            if self.birth_date is not None:
                born = self.birth_date
                age = on.year - born.year - ((on.month, on.day) < (born.month, born.day))
                claims["age_over_18"] = age >= 18
        return claims


def holder_facts(session: Any, vault: PersonalDataVault, holder: Holder) -> HolderFacts:
    if holder.kind == PERSON:
        found = session.execute(
            select(Person.name, Person.id_number_enc, Person.birth_date).where(Person.id == holder.id)
        ).first()
        if found is not None:
            return HolderFacts(found[0], vault.open(found[1], kind=ID_KIND), found[2])
    elif holder.kind == ENTERPRISE:
        found = session.execute(
            select(Enterprise.name, Enterprise.credit_code).where(Enterprise.id == holder.id)
        ).first()
        if found is not None:
            return HolderFacts(found[0], found[1])
    raise NotFound(CredentialError.HOLDER_UNKNOWN, N_("No person or enterprise with this number is on record."))


@dataclass
class Draft:
    """A certificate signed but not yet stored: the row's values and its ledger entry."""

    row: dict[str, Any]
    entry: dict[str, Any]
    number: str
    body: Body
    disclosures: list[str] = field(default_factory=list)


def _derived(ctype: CertificateType) -> dict[str, ClaimValue]:
    return dict.fromkeys(ctype.derived, True)


def draft(  # noqa: PLR0917 - the certificate's parts, each needed
    vault: PersonalDataVault,
    ctype: CertificateType,
    signer: Signer,
    holder: Holder,
    facts: HolderFacts,
    clean: Mapping[str, ClaimValue],
    now: dt.datetime,
    start: dt.date,
    end: dt.date | None,
    *,
    source: str,
    reference: str | None,
) -> Draft:
    claims = {**facts.claims(ctype.holder_kind, local_today(now)), **clean, **_derived(ctype)}
    order = claim_names(ctype)
    names = [name for name in order if name in claims]
    salts = os.urandom(SALT_BYTES * len(names))  # one system call for all the salts
    disclosures = [
        make_disclosure(name, claims[name], salts[i * SALT_BYTES : (i + 1) * SALT_BYTES])
        for i, name in enumerate(names)
    ]
    number = f"{ctype.prefix}-{signer.region_code}-{local_today(now).year}-{_serial()}"
    body = Body(
        number=number,
        ctype=ctype.code,
        issuer=signer.department_code,
        kid=signer.kid,
        issued_at=instant(now),
        valid_from=start.isoformat(),
        valid_until=end.isoformat() if end else None,
        holder_kind=ctype.holder_kind,
        digests=tuple(digest_of(d) for d in disclosures),
    )
    body_bytes = body.to_bytes()
    signature = signer.key.sign(body_bytes)
    row = {
        "number": number,
        "type_code": ctype.code,
        "issuer_id": signer.issuer_id,
        "department_id": signer.department_id,
        "holder_person_id": holder.id if holder.kind == PERSON else None,
        "holder_enterprise_id": holder.id if holder.kind == ENTERPRISE else None,
        "holder_name": facts.name[:128],
        "status": Status.VALID.value,
        "issued_at": now.replace(microsecond=0),
        "valid_from": start,
        "valid_until": end,
        "body": body_bytes.decode("utf-8"),
        "signature": signature,
        "disclosures_enc": vault.encrypt(json.dumps(disclosures), context=DISCLOSURES_CONTEXT + number.encode()),
        "source": source[:32],
        "reference": reference[:64] if reference else None,
    }
    return Draft(row, ledger_entry(body, body_bytes), number, body, disclosures)


def type_or_error(type_code: str) -> CertificateType:
    ctype = find_type(type_code)
    if ctype is None:
        raise InvalidInput(
            CredentialError.TYPE_UNKNOWN,
            N_("There is no certificate type %(type)s."),
            params={"type": str(type_code)[:48]},
        )
    return ctype


def _check_holder_kind(ctype: CertificateType, holder: Holder) -> None:
    if holder.kind != ctype.holder_kind:
        raise InvalidInput(
            CredentialError.HOLDER_WRONG_KIND,
            N_("This type of certificate is issued to an enterprise, not a person.")
            if ctype.holder_kind == ENTERPRISE
            else N_("This type of certificate is issued to a person, not an enterprise."),
        )


def issue(
    uow: UnitOfWork,
    type_code: str,
    holder: Holder,
    fields: Mapping[str, object],
    *,
    valid_from: dt.date | None = None,
    valid_until: dt.date | None = None,
    source: str = "manual",
    reference: str | None = None,
    facts: HolderFacts | None = None,
) -> Credential:
    """Issues one certificate into the holder's wallet and registers it on the ledger.

    A caller that has the holder's name and number at hand already (applications: the
    applicant) passes them as ``facts``, saving a lookup and a decryption."""
    ctype = type_or_error(type_code)
    _check_holder_kind(ctype, holder)
    clean = clean_fields(ctype, fields)
    session = uow.session
    if reference:
        existing = session.scalar(
            select(Credential).where(Credential.source == source[:32], Credential.reference == reference[:64])
        )
        if existing is not None:
            return existing
    now = uow.clock.now()
    start, end = validity(ctype, clean, local_today(now), valid_from, valid_until)
    facts = facts or holder_facts(session, uow.platform.vault, holder)
    signer = signer_for(uow, ctype.department)
    made = draft(
        uow.platform.vault, ctype, signer, holder, facts, clean, now, start, end, source=source, reference=reference
    )
    # The ledger entry first, so the row is inserted once, with its index.
    index = ledger.append(uow, CERTIFICATE_LOG, made.entry).index
    credential = Credential(**made.row, ledger_index=index)
    session.add(credential)
    session.flush()
    uow.audit(
        "credentials.issued",
        "credential",
        made.number,
        {"type": ctype.code, "department": signer.department_code, "source": source, "reference": reference},
    )
    uow.emit(
        CredentialIssued(
            number=made.number,
            type_code=ctype.code,
            department_id=signer.department_id,
            source=source,
            reference=reference,
        )
    )
    return credential


@dataclass(frozen=True, slots=True)
class IssueRequest:
    type_code: str
    holder: Holder
    fields: Mapping[str, object]
    facts: HolderFacts | None = None
    valid_from: dt.date | None = None
    valid_until: dt.date | None = None
    reference: str | None = None
    #: who asked, for the audit record (None: the unit of work's actor), and from where
    actor: Principal | None = None
    ip: str | None = None


def disclosures_of(vault: PersonalDataVault, credential: Credential) -> list[str]:
    """The certificate's disclosures, unsealed (the holder's to present)."""
    try:
        raw = vault.decrypt(credential.disclosures_enc, context=DISCLOSURES_CONTEXT + credential.number.encode())
    except Exception as exc:  # DecryptionError: the data key changed
        raise AppError(
            CredentialError.KEY_UNAVAILABLE,
            N_("The certificate's claims cannot be opened with the configured data key."),
            status=500,
        ) from exc
    items = json.loads(raw)
    return [str(d) for d in items] if isinstance(items, list) else []


def body_bytes(credential: Credential) -> bytes:
    return credential.body.encode("utf-8")
