"""Credentials JSON API under /api/v1/credentials (public verification, keys, status) and
/api/v1/me/credentials (the holder's wallet)."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Depends, Header, Request
from sqlalchemy.orm import Session

from onevisit.credentials import presenters
from onevisit.credentials.catalogue import TYPES
from onevisit.credentials.errors import CredentialError
from onevisit.credentials.keys import department_by_code, published
from onevisit.credentials.models import Credential
from onevisit.credentials.schemas import (
    CheckOut,
    CredentialDetailOut,
    CredentialOut,
    IssueIn,
    IssuerOut,
    MaterialOut,
    MaterialsIn,
    ShareIn,
    ShareOut,
    StatusChangeIn,
    StatusEntryOut,
    StatusListOut,
    StatusOut,
    TypeOut,
    VerifyIn,
    VerifyOut,
)
from onevisit.credentials.services import issuance, materials, shares, status, verification, wallet
from onevisit.credentials.services.issuance import local_today
from onevisit.credentials.verify import Report
from onevisit.identity.models import Department
from onevisit.kernel.actors import Principal
from onevisit.kernel.errors import AppError, FieldError, Forbidden, NotFound, ValidationFailed
from onevisit.kernel.http.authz import login_required, public, require
from onevisit.kernel.http.deps import client_ip, platform_of
from onevisit.kernel.http.rendering import language_of, translator_for
from onevisit.kernel.i18n import N_

router = APIRouter(tags=["credentials"])

STAFF_PORTAL = "staff.portal"
PREFIX = "/api/v1/credentials"
ME = "/api/v1/me/credentials"


def _today(request: Request) -> dt.date:
    return local_today(platform_of(request).clock.now())


def _out(session: Session, credential: Credential, request: Request) -> CredentialOut:
    lang = language_of(request)
    department = session.get(Department, credential.department_id)
    return CredentialOut.of(
        credential,
        type_name=presenters.type_name(credential.type_code, lang),
        issuer=presenters.department_name(department, lang),
        status=status.effective_status(credential, _today(request)),
    )


def verify_out(report: Report, request: Request) -> VerifyOut:
    view = presenters.report_view(report, language_of(request), translator_for(request))
    presentation = report.presentation
    return VerifyOut(
        valid=report.valid,
        reason=report.reason.value,
        headline=str(view["headline"]),
        number=report.number,
        type_name=view["type_name"],
        issuer=presentation.body.issuer if presentation else None,
        issuer_name=view["issuer_name"],
        issued_at=presentation.body.issued_at if presentation else None,
        valid_from=presentation.body.valid_from if presentation else None,
        valid_until=presentation.body.valid_until if presentation else None,
        claims=dict(report.claims),
        undisclosed=report.undisclosed,
        checks=[CheckOut(name=c.name, outcome=c.outcome, message=c.message) for c in view["checks"]],  # type: ignore[attr-defined]
    )


@router.get(PREFIX + "/types", response_model=list[TypeOut])
def api_types(principal: Principal = Depends(public)) -> list[TypeOut]:
    """The certificate types: fields, issuing department, validity rules."""
    return [TypeOut.of(t) for t in TYPES]


@router.get(PREFIX + "/issuers", response_model=list[IssuerOut])
def api_issuers(request: Request, principal: Principal = Depends(public)) -> list[IssuerOut]:
    """Every department's public key (retired ones too): what offline verifiers trust."""
    with platform_of(request).db.session() as session:
        return [
            IssuerOut(
                kid=issuer.kid,
                department=department.code,
                name_zh=department.name_zh,
                name_en=department.name_en,
                public_key=issuer.public_key.hex(),
                created_at=issuer.created_at,
                retired_at=issuer.retired_at,
            )
            for issuer, department in published(session)
        ]


def _token_from_link(link: str) -> str:
    text = link.strip().rstrip("/")
    return text.rsplit("/credentials/s/", 1)[-1] if "/credentials/s/" in text else text


@router.post(PREFIX + "/verify", response_model=VerifyOut)
def api_verify(body: VerifyIn, request: Request, principal: Principal = Depends(public)) -> VerifyOut:
    """Verifies a QR payload (or a URL carrying one), or a share link: signature, claims,
    validity, status and ledger inclusion, each explained. Always 200 with a verdict for a
    payload, however broken; a share link that does not exist or has expired is 404 / 410."""
    if bool(body.payload) == bool(body.link):
        raise ValidationFailed(
            [FieldError("payload", N_("Give either a payload or a link."))], code=CredentialError.PAYLOAD_MISSING
        )
    platform = platform_of(request)
    today = _today(request)
    if body.link:
        with platform.uow(principal, ip=client_ip(request)) as uow:
            credential, share = shares.open_share(uow, _token_from_link(body.link))
            payload = wallet.presentation(platform.vault, credential, share.claims)
    else:
        payload = body.payload or ""
    with platform.db.session() as session:
        return verify_out(verification.verify(session, payload, today=today), request)


@router.get(PREFIX + "/status-list", response_model=StatusListOut)
def api_status_list(
    request: Request, after: int = 0, limit: int = 1000, principal: Principal = Depends(public)
) -> StatusListOut:
    """Every suspension, reinstatement and revocation, oldest first, from the cursor ``after``."""
    with platform_of(request).db.session() as session:
        entries = status.status_list(session, after=max(0, after), limit=limit)
    return StatusListOut(
        entries=[
            StatusEntryOut(
                id=e.id,
                number=e.number,
                status=e.status,
                reason_code=e.reason_code,
                changed_at=e.changed_at,
                ledger_index=e.ledger_index,
            )
            for e in entries
        ],
        next_after=entries[-1].id if entries else max(0, after),
    )


@router.get(PREFIX + "/{number}/status", response_model=StatusOut)
def api_status(number: str, request: Request, principal: Principal = Depends(public)) -> StatusOut:
    with platform_of(request).db.session() as session:
        credential = status.find_credential(session, number)
        return StatusOut(
            number=credential.number,
            status=status.effective_status(credential, _today(request)),
            changed_at=credential.status_changed_at,
            reason_code=credential.status_reason,
            valid_from=credential.valid_from,
            valid_until=credential.valid_until,
        )


@router.get(PREFIX + "/{number}/proof")
def api_proof(number: str, request: Request, principal: Principal = Depends(public)) -> dict[str, object]:
    """The certificate's issuance entry with its inclusion proof under the latest signed tree
    head (``onevisit.credential.proof.v1``): save it for ``onevisit credentials verify --proof``."""
    with platform_of(request).db.session() as session:
        credential = status.find_credential(session, number)
        bundle = verification.proof_bundle(session, credential)
    if bundle is None:
        raise NotFound(
            CredentialError.PROOF_UNAVAILABLE,
            N_("No signed tree head covers this certificate yet; try again in a few minutes."),
        )
    return bundle.as_dict()


def _check_may_issue(principal: Principal, department: Department) -> None:
    if principal.has("*") or "administrator" in principal.roles:
        return
    if principal.department_id != department.id:
        raise Forbidden(
            CredentialError.NOT_ISSUER, N_("Only staff of the issuing department can issue this certificate.")
        )


@router.post(PREFIX, response_model=CredentialOut, status_code=201)
def api_issue(
    body: IssueIn,
    request: Request,
    idempotency_key: str | None = Header(default=None, alias="Idempotency-Key"),
    principal: Principal = Depends(require(STAFF_PORTAL)),
) -> CredentialOut:
    """Issues a certificate (staff of the issuing department). Repeat with the same
    ``Idempotency-Key`` to get the same certificate back, never a second one."""
    if not idempotency_key or not 8 <= len(idempotency_key) <= 64:
        raise AppError(
            CredentialError.IDEMPOTENCY_KEY_INVALID,
            N_("Send an Idempotency-Key header of 8 to 64 characters."),
            status=422,
        )
    platform = platform_of(request)
    with platform.uow(principal, ip=client_ip(request)) as uow:
        ctype = issuance.type_or_error(body.type_code)
        _check_may_issue(principal, department_by_code(uow.session, ctype.department))
        holder = issuance.resolve_holder(uow.session, platform.vault, body.holder)
        credential = issuance.issue(
            uow,
            ctype.code,
            holder,
            body.fields,
            valid_from=body.valid_from,
            valid_until=body.valid_until,
            source=f"api:{principal.account_id}",
            reference=idempotency_key,
        )
        return _out(uow.session, credential, request)


@router.post(PREFIX + "/{number}/status", response_model=StatusOut)
def api_change_status(
    number: str, body: StatusChangeIn, request: Request, principal: Principal = Depends(require(STAFF_PORTAL))
) -> StatusOut:
    """Suspends, reinstates or revokes (final) a certificate: the issuing department's staff."""
    with platform_of(request).uow(principal, ip=client_ip(request)) as uow:
        credential = status.change_status(
            uow, number, action=body.action, reason_code=body.reason_code, reason=body.reason
        )
        return StatusOut(
            number=credential.number,
            status=status.effective_status(credential, _today(request)),
            changed_at=credential.status_changed_at,
            reason_code=credential.status_reason,
            valid_from=credential.valid_from,
            valid_until=credential.valid_until,
        )


@router.post(PREFIX + "/materials", response_model=list[MaterialOut])
def api_materials(
    body: MaterialsIn, request: Request, principal: Principal = Depends(require(STAFF_PORTAL))
) -> list[MaterialOut]:
    """A holder's certificates in force (of one type, or all): so a certificate once issued
    is never asked for again. The lookup states its reference and is audited. (A POST: the
    body carries an ID number, which never goes in a URL.)"""
    platform = platform_of(request)
    lang, tr = language_of(request), translator_for(request)
    with platform.uow(principal, ip=client_ip(request)) as uow:
        holder = issuance.resolve_holder(uow.session, platform.vault, body.subject)
        found = materials.valid_certificates(uow.session, holder, body.type_code, today=_today(request))
        uow.audit(
            "credentials.materials_lookup",
            holder.kind,
            holder.id,
            {"type": body.type_code, "reference": body.reference, "found": [c.number for c in found]},
        )
        out = []
        for c in found:
            ctype = wallet.type_of(c)
            claims = {d.name: d.value for d in wallet.disclosures(platform.vault, c)}
            rows = presenters.claim_rows(ctype, claims, lang, tr)
            base = _out(uow.session, c, request)
            out.append(MaterialOut(**base.model_dump(), claims={r.name: r.value for r in rows}))
        return out


# --- the holder's wallet ------------------------------------------------------------------


@router.get(ME, response_model=list[CredentialOut])
def api_my_credentials(
    request: Request, enterprise: str | None = None, principal: Principal = Depends(login_required)
) -> list[CredentialOut]:
    """My certificates, or (``?enterprise=CREDIT_CODE``) an enterprise's I act for."""
    with platform_of(request).db.session() as session:
        if enterprise:
            _, rows = wallet.enterprise_wallet(session, principal, enterprise)
        elif principal.person_id is not None:
            rows = wallet.person_wallet(session, principal.person_id)
        else:
            rows = []
        return [_out(session, c, request) for c in rows]


@router.get(ME + "/{number}", response_model=CredentialDetailOut)
def api_my_credential(
    number: str, request: Request, principal: Principal = Depends(login_required)
) -> CredentialDetailOut:
    platform = platform_of(request)
    lang, tr = language_of(request), translator_for(request)
    with platform.db.session() as session:
        credential = wallet.credential_for(session, principal, number)
        claims = {d.name: d.value for d in wallet.disclosures(platform.vault, credential)}
        rows = presenters.claim_rows(wallet.type_of(credential), claims, lang, tr)
        payload = wallet.presentation(platform.vault, credential)
        base = _out(session, credential, request)
    return CredentialDetailOut(
        **base.model_dump(),
        claims={r.name: r.value for r in rows},
        payload=payload,
        verify_url=presenters.verify_url(platform.settings.base_url, payload),
    )


@router.post(ME + "/{number}/shares", response_model=ShareOut, status_code=201)
def api_share(number: str, body: ShareIn, request: Request, principal: Principal = Depends(login_required)) -> ShareOut:
    """A time-limited link showing the chosen claims, verified (1, 24, 168 or 720 hours)."""
    platform = platform_of(request)
    with platform.uow(principal, ip=client_ip(request)) as uow:
        credential = wallet.credential_for(uow.session, principal, number)
        share, token = shares.create_share(uow, credential, claims=body.claims, hours=body.hours)
        return ShareOut.of(share, shares.share_url(platform.settings.base_url, token))


@router.post(ME + "/{number}/shares/{share_id}/revoke", response_model=ShareOut)
def api_revoke_share(
    number: str, share_id: int, request: Request, principal: Principal = Depends(login_required)
) -> ShareOut:
    platform = platform_of(request)
    with platform.uow(principal, ip=client_ip(request)) as uow:
        credential = wallet.credential_for(uow.session, principal, number)
        share = shares.revoke_share(uow, credential, share_id)
        url = shares.share_url(platform.settings.base_url, shares.token_of(platform.vault, share))
        return ShareOut.of(share, url)
