"""Wallets: a person's certificates, an enterprise's (for its legal representative and
authorised agents), and presentations — the holder's choice of claims, as a payload."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from onevisit.credentials.catalogue import CertificateType, claim_names, find_type, is_sensitive
from onevisit.credentials.errors import CredentialError
from onevisit.credentials.format import Disclosure, encode, parse_disclosure
from onevisit.credentials.models import Credential
from onevisit.credentials.services.issuance import body_bytes, disclosures_of
from onevisit.identity.models import Enterprise
from onevisit.identity.services.agents import enterprise_for
from onevisit.identity.services.people import find_enterprise
from onevisit.kernel.actors import Principal
from onevisit.kernel.crypto import PersonalDataVault
from onevisit.kernel.errors import InvalidInput, NotFound
from onevisit.kernel.i18n import N_

WALLET_LIMIT = 500


def person_wallet(session: Session, person_id: int) -> list[Credential]:
    return list(
        session.scalars(
            select(Credential)
            .where(Credential.holder_person_id == person_id)
            .order_by(Credential.issued_at.desc(), Credential.id.desc())
            .limit(WALLET_LIMIT)
        )
    )


def enterprise_wallet(session: Session, principal: Principal, credit_code: str) -> tuple[Enterprise, list[Credential]]:
    """The enterprise's certificates, for its legal representative and agents (others: 404)."""
    enterprise = enterprise_for(principal, find_enterprise(session, credit_code[:32]))
    rows = list(
        session.scalars(
            select(Credential)
            .where(Credential.holder_enterprise_id == enterprise.id)
            .order_by(Credential.issued_at.desc(), Credential.id.desc())
            .limit(WALLET_LIMIT)
        )
    )
    return enterprise, rows


def enterprises_of(session: Session, principal: Principal) -> list[Enterprise]:
    if not principal.enterprise_ids:
        return []
    return list(
        session.scalars(
            select(Enterprise).where(Enterprise.id.in_(sorted(principal.enterprise_ids))).order_by(Enterprise.name)
        )
    )


def credential_for(session: Session, principal: Principal, number: str) -> Credential:
    """One of the principal's certificates, or of an enterprise they act for (others: 404)."""
    credential = session.scalar(select(Credential).where(Credential.number == number[:32]))
    if credential is not None and (
        (credential.holder_person_id is not None and credential.holder_person_id == principal.person_id)
        or (credential.holder_enterprise_id is not None and credential.holder_enterprise_id in principal.enterprise_ids)
    ):
        return credential
    raise NotFound(CredentialError.NOT_FOUND, N_("There is no certificate with this number."))


def type_of(credential: Credential) -> CertificateType:
    ctype = find_type(credential.type_code)
    if ctype is None:  # pragma: no cover - rows are only written for catalogued types
        raise NotFound(CredentialError.TYPE_UNKNOWN, N_("There is no certificate type %(type)s."))
    return ctype


def disclosures(vault: PersonalDataVault, credential: Credential) -> list[Disclosure]:
    return [parse_disclosure(d) for d in disclosures_of(vault, credential)]


def default_claims(credential: Credential, available: Iterable[str]) -> list[str]:
    """What a QR code on the certificate shows: everything except full ID numbers."""
    ctype = type_of(credential)
    return [name for name in available if not is_sensitive(ctype, name)]


def check_claims(credential: Credential, available: list[str], chosen: Iterable[str]) -> list[str]:
    chosen = list(dict.fromkeys(chosen))
    unknown = [c for c in chosen if c not in available]
    if unknown or not chosen:
        raise InvalidInput(
            CredentialError.SHARE_INVALID,
            N_("Choose at least one of the certificate's claims to show."),
        )
    order = claim_names(type_of(credential))
    return sorted(chosen, key=lambda c: order.index(c) if c in order else len(order))


def presentation(vault: PersonalDataVault, credential: Credential, claims: Iterable[str] | None = None) -> str:
    """The compact payload disclosing ``claims`` (default: all but the sensitive ones)."""
    items = disclosures(vault, credential)
    available = [d.name for d in items]
    wanted = set(
        default_claims(credential, available) if claims is None else check_claims(credential, available, claims)
    )
    return encode(body_bytes(credential), credential.signature, [d.encoded for d in items if d.name in wanted])
