"""Consent: a subject grants or revokes a named use of their data; revoking applies at once
(every lookup reads the consent row in the same statement as the records)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from onevisit.datahub.errors import DatahubError
from onevisit.datahub.models import Consent, DataUse
from onevisit.datahub.services.catalogue import find_use
from onevisit.kernel.errors import NotFound
from onevisit.kernel.i18n import N_
from onevisit.kernel.uow import UnitOfWork


def grant(uow: UnitOfWork, *, subject_key: bytes, use_code: str) -> Consent:
    session = uow.session
    use = find_use(session, use_code)
    consent = session.scalar(select(Consent).where(Consent.subject_key == subject_key, Consent.use_id == use.id))
    now = uow.clock.now()
    if consent is None:
        consent = Consent(subject_key=subject_key, use_id=use.id, granted_at=now)
        session.add(consent)
    consent.granted_at, consent.revoked_at = now, None
    session.flush()
    uow.audit("datahub.consent_granted", "datahub_use", use.code)
    return consent


def revoke(uow: UnitOfWork, *, subject_key: bytes, use_code: str) -> None:
    session = uow.session
    use = find_use(session, use_code)
    consent = session.scalar(
        select(Consent).where(
            Consent.subject_key == subject_key, Consent.use_id == use.id, Consent.revoked_at.is_(None)
        )
    )
    if consent is None:
        raise NotFound(DatahubError.CONSENT_UNKNOWN, N_("You have not consented to %(use)s."), params={"use": use.code})
    consent.revoked_at = uow.clock.now()
    uow.audit("datahub.consent_revoked", "datahub_use", use.code)


def consents_of(session: Session, subject_key: bytes) -> list[tuple[DataUse, Consent | None]]:
    """Every use that asks for consent, with this subject's consent (or None)."""
    uses = list(session.scalars(select(DataUse).where(DataUse.requires_consent.is_(True)).order_by(DataUse.code)))
    mine = {c.use_id: c for c in session.scalars(select(Consent).where(Consent.subject_key == subject_key))}
    return [(use, mine.get(use.id)) for use in uses]
