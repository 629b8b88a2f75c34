"""Suspension, reinstatement and revocation — by the issuing department, with a reason,
audited, on the ledger — and the public status list.

Expiry needs no action: a certificate's validity period is in its signed body and every
check (verifier, wallet, materials) compares it with today's date in Zhejiang.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from onevisit import ledger
from onevisit.credentials.errors import CredentialError
from onevisit.credentials.events import CredentialStatusChanged
from onevisit.credentials.format import STATUS_ENTRY_TYPE, instant
from onevisit.credentials.inclusion import CERTIFICATE_LOG
from onevisit.credentials.models import Credential, Status, StatusChange
from onevisit.kernel.actors import Principal
from onevisit.kernel.errors import Conflict, FieldError, Forbidden, NotFound, ValidationFailed
from onevisit.kernel.i18n import N_
from onevisit.kernel.uow import UnitOfWork

ACTIONS: Mapping[str, str] = {"suspend": Status.SUSPENDED, "reinstate": Status.VALID, "revoke": Status.REVOKED}
#: Why a certificate's status changes: stable codes, shown publicly by their labels (the
#: free-text reason stays in the register and the audit trail).
REASON_CODES: Mapping[str, str] = {
    "holder_request": N_("At the holder's request"),
    "issued_in_error": N_("Issued in error"),
    "superseded": N_("Replaced by a new certificate"),
    "conditions_not_met": N_("The conditions for holding it are no longer met"),
    "under_investigation": N_("Under investigation"),
    "court_order": N_("By order of a court"),
    "fraud": N_("Obtained by fraud"),
    "resolved": N_("The matter was resolved"),
}
ALLOWED_FROM: Mapping[str, tuple[str, ...]] = {
    "suspend": (Status.VALID,),
    "reinstate": (Status.SUSPENDED,),
    "revoke": (Status.VALID, Status.SUSPENDED),
}


def find_credential(session: Session, number: str) -> Credential:
    credential = session.scalar(select(Credential).where(Credential.number == number[:32]))
    if credential is None:
        raise NotFound(CredentialError.NOT_FOUND, N_("There is no certificate with this number."))
    return credential


def check_issuing_department(actor: Principal, credential: Credential) -> None:
    """Only staff of the department that issued it (or administrators, or the system)."""
    if actor.has("*") or "administrator" in actor.roles:
        return
    if actor.department_id is None or actor.department_id != credential.department_id:
        raise Forbidden(
            CredentialError.NOT_ISSUER, N_("Only the department that issued this certificate can change its status.")
        )


def change_status(uow: UnitOfWork, number: str, *, action: str, reason_code: str, reason: str) -> Credential:
    """Suspends, reinstates or revokes a certificate (revocation is final)."""
    errors = []
    if action not in ACTIONS:
        errors.append(FieldError("action", N_("Choose suspend, reinstate or revoke.")))
    if reason_code not in REASON_CODES:
        errors.append(FieldError("reason_code", N_("Choose one of the reasons.")))
    if not reason.strip():
        errors.append(FieldError("reason", N_("Say why, for the record.")))
    elif len(reason.strip()) > 200:
        errors.append(FieldError("reason", N_("Must be %(max_length)s characters or fewer."), {"max_length": 200}))
    if errors:
        raise ValidationFailed(errors, code=CredentialError.REASON_MISSING)
    session = uow.session
    credential = session.scalar(select(Credential).where(Credential.number == number[:32]).with_for_update())
    if credential is None:
        raise NotFound(CredentialError.NOT_FOUND, N_("There is no certificate with this number."))
    check_issuing_department(uow.actor, credential)
    if credential.status not in ALLOWED_FROM[action]:
        raise Conflict(
            CredentialError.STATUS_INVALID,
            N_("A certificate that is %(status)s cannot be changed that way."),
            params={"status": credential.status},
        )
    now = uow.clock.now()
    status = ACTIONS[action]
    change = StatusChange(
        credential_id=credential.id,
        status=status,
        reason_code=reason_code,
        reason=reason.strip(),
        changed_at=now,
        actor=uow.actor.label[:64],
    )
    session.add(change)
    change.ledger_index = ledger.append(
        uow,
        CERTIFICATE_LOG,
        {
            "type": STATUS_ENTRY_TYPE,
            "number": credential.number,
            "status": str(status),
            "reason_code": reason_code,
            "at": instant(now),
        },
    ).index
    credential.status = status
    credential.status_reason = reason_code
    credential.status_changed_at = now
    session.flush()
    detail = {"status": str(status), "reason_code": reason_code, "reason": reason.strip()[:200]}
    if action == "suspend":
        uow.audit("credentials.suspended", "credential", credential.number, detail)
    elif action == "reinstate":
        uow.audit("credentials.reinstated", "credential", credential.number, detail)
    else:
        uow.audit("credentials.revoked", "credential", credential.number, detail)
    uow.emit(CredentialStatusChanged(number=credential.number, status=str(status), reason_code=reason_code))
    return credential


def effective_status(credential: Credential, today: dt.date) -> str:
    """``revoked``, ``suspended``, ``expired``, ``not_yet_valid`` or ``valid``."""
    if credential.status != Status.VALID:
        return credential.status
    if credential.valid_until is not None and today > credential.valid_until:
        return "expired"
    if today < credential.valid_from:
        return "not_yet_valid"
    return "valid"


@dataclass(frozen=True, slots=True)
class StatusEntry:
    id: int
    number: str
    status: str
    reason_code: str
    changed_at: dt.datetime
    ledger_index: int | None


def status_list(session: Session, *, after: int = 0, limit: int = 1000) -> list[StatusEntry]:
    """Status changes after ``after`` (a cursor: the last id seen), oldest first."""
    rows = session.execute(
        select(StatusChange, Credential.number)
        .join(Credential, Credential.id == StatusChange.credential_id)
        .where(StatusChange.id > after)
        .order_by(StatusChange.id)
        .limit(max(1, min(limit, 1000)))
    ).all()
    return [
        StatusEntry(change.id, number, change.status, change.reason_code, change.changed_at, change.ledger_index)
        for change, number in rows
    ]


def history_of(session: Session, credential: Credential) -> list[StatusChange]:
    return list(
        session.scalars(
            select(StatusChange).where(StatusChange.credential_id == credential.id).order_by(StatusChange.id)
        )
    )
