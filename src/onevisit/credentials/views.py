"""Credential pages: wallets (citizens, enterprises), a certificate with its QR code, PDF and
share links; the public verification page and share links; the issuing department's page."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, Request
from sqlalchemy import select
from starlette.responses import RedirectResponse, Response

from onevisit.credentials import presenters
from onevisit.credentials.catalogue import claim_names, is_sensitive
from onevisit.credentials.documents import CertificateDocument, qr_data_uri, render_pdf
from onevisit.credentials.format import MAX_PAYLOAD_CHARS
from onevisit.credentials.models import Credential
from onevisit.credentials.services import shares, status, verification, wallet
from onevisit.credentials.services.issuance import local_today
from onevisit.identity.models import Department
from onevisit.kernel.actors import Principal
from onevisit.kernel.errors import AppError, FieldError
from onevisit.kernel.http.authz import login_required, public, require
from onevisit.kernel.http.deps import client_ip, platform_of
from onevisit.kernel.http.forms import FormState, read_form
from onevisit.kernel.http.rendering import language_of, render, translator_for
from onevisit.kernel.i18n import N_, translator
from onevisit.kernel.platform import Platform

router = APIRouter(include_in_schema=False)

CITIZEN_PORTAL = "citizen.portal"
ENTERPRISE_PORTAL = "enterprise.portal"
STAFF_PORTAL = "staff.portal"
SCRIPT = (Path(__file__).resolve().parent / "static" / "verify.js").read_text(encoding="utf-8")

NOTICES = {
    "credentials_share_created": N_("Your verification link is ready. Copy it from the list of links below."),
    "credentials_share_revoked": N_("The link is withdrawn: it no longer shows your certificate."),
    "credentials_status_changed": N_("The certificate's status is changed and recorded on the ledger."),
}


def _today(request: Request) -> dt.date:
    return local_today(platform_of(request).clock.now())


def _rows(session: Any, credentials: list[Credential], request: Request) -> list[dict[str, Any]]:
    lang, today = language_of(request), _today(request)
    departments = {d.id: d for d in session.scalars(select(Department))}
    return [
        {
            "number": c.number,
            "type_name": presenters.type_name(c.type_code, lang),
            "issuer": presenters.department_name(departments.get(c.department_id), lang),
            "validity": presenters.validity_text(c, translator_for(request)),
            "status": status.effective_status(c, today),
        }
        for c in credentials
    ]


def _common() -> dict[str, Any]:
    return {"statuses": presenters.STATUS_LABELS}


@router.get("/credentials")
def my_wallet(request: Request, principal: Principal = Depends(require(CITIZEN_PORTAL))) -> Response:
    with platform_of(request).db.session() as session:
        mine = wallet.person_wallet(session, principal.person_id) if principal.person_id is not None else []
        rows = _rows(session, mine, request)
        enterprises = wallet.enterprises_of(session, principal)
    return render(request, "credentials/wallet.html", {**_common(), "rows": rows, "enterprises": enterprises})


@router.get("/credentials/enterprises/{credit_code}")
def enterprise_wallet(
    credit_code: str, request: Request, principal: Principal = Depends(require(ENTERPRISE_PORTAL))
) -> Response:
    with platform_of(request).db.session() as session:
        enterprise, found = wallet.enterprise_wallet(session, principal, credit_code)
        rows = _rows(session, found, request)
    return render(
        request, "credentials/wallet.html", {**_common(), "rows": rows, "enterprise": enterprise, "enterprises": []}
    )


def _certificate_page(
    request: Request, principal: Principal, number: str, *, form: FormState | None = None, status_code: int = 200
) -> Response:
    platform = platform_of(request)
    lang, tr = language_of(request), translator_for(request)
    with platform.db.session() as session:
        credential = wallet.credential_for(session, principal, number)
        ctype = wallet.type_of(credential)
        items = wallet.disclosures(platform.vault, credential)
        claims = {d.name: d.value for d in items}
        payload = wallet.presentation(platform.vault, credential)
        department = session.get(Department, credential.department_id)
        links = [
            {"share": s, "url": shares.share_url(platform.settings.base_url, shares.token_of(platform.vault, s))}
            for s in shares.shares_of(session, credential)
        ]
        history = status.history_of(session, credential)
    verify_url = presenters.verify_url(platform.settings.base_url, payload)
    order = claim_names(ctype)
    choices = [
        {
            "name": name,
            "label": presenters.claim_label(ctype, name, lang, tr),
            "sensitive": is_sensitive(ctype, name),
        }
        for name in order
        if name in claims
    ]
    chosen = form.values.get("claims_chosen", "").split(",") if form and form.values.get("claims_chosen") else None
    return render(
        request,
        "credentials/certificate.html",
        {
            **_common(),
            "credential": credential,
            "type_name": ctype.name(lang),
            "issuer": presenters.department_name(department, lang),
            "validity": presenters.validity_text(credential, tr),
            "status": status.effective_status(credential, _today(request)),
            "claims": presenters.claim_rows(ctype, claims, lang, tr),
            "qr": qr_data_uri(verify_url, scale=3),
            "links": links,
            "history": history,
            "reasons": status.REASON_CODES,
            "choices": choices,
            "chosen": chosen,
            "durations": shares.DURATIONS,
            "form": form or FormState(),
            "now": platform.clock.now(),
            "holder_is_enterprise": credential.holder_enterprise_id is not None,
        },
        status=status_code,
    )


@router.get("/credentials/c/{number}")
def certificate(number: str, request: Request, principal: Principal = Depends(login_required)) -> Response:
    return _certificate_page(request, principal, number)


@router.get("/credentials/c/{number}/pdf")
def certificate_pdf(number: str, request: Request, principal: Principal = Depends(login_required)) -> Response:
    platform = platform_of(request)
    with platform.db.session() as session:
        credential = wallet.credential_for(session, principal, number)
        document = certificate_document(session, platform, credential)
    return Response(
        render_pdf(document),
        media_type="application/pdf",
        headers={"content-disposition": f'attachment; filename="certificate-{credential.number}.pdf"'},
    )


def certificate_document(session: Any, platform: Platform, credential: Credential) -> CertificateDocument:
    """The PDF's content: labels in Chinese with English beside them, ID numbers masked."""
    zh = translator("zh")
    ctype = wallet.type_of(credential)
    claims = {d.name: d.value for d in wallet.disclosures(platform.vault, credential)}
    payload = wallet.presentation(platform.vault, credential)
    department = session.get(Department, credential.department_id)
    holder_fields = {"holder_name", "holder_id", "holder_id_masked", "age_over_18"}
    rows = [
        (f"{r.label} {spec.label_en}" if (spec := ctype.field(r.name)) else r.label, r.value)
        for r in presenters.claim_rows(ctype, claims, "zh", zh)
        if r.name not in holder_fields
    ]
    identifier = str(claims.get("holder_id_masked") or claims.get("holder_id") or "")
    return CertificateDocument(
        number=credential.number,
        title_zh=ctype.name_zh,
        title_en=ctype.name_en,
        issuer_zh=department.name_zh if department else "",
        issuer_en=department.name_en if department else "",
        holder_label="持证主体 Holder",
        holder=credential.holder_name,
        holder_id=identifier,
        rows=rows,
        issued_at=credential.issued_at,
        validity=presenters.validity_text(credential, zh),
        status=zh(presenters.STATUS_LABELS[status.effective_status(credential, local_today(platform.clock.now()))]),
        qr_text=presenters.verify_url(platform.settings.base_url, payload),
        verify_url=f"{platform.settings.base_url.rstrip('/')}/credentials/verify",
        ledger_index=credential.ledger_index,
    )


@router.post("/credentials/c/{number}/shares")
async def create_share(number: str, request: Request, principal: Principal = Depends(login_required)) -> Response:
    form = await request.form()
    chosen = [str(v) for v in form.getlist("claims")]
    hours_text = str(form.get("hours", ""))
    values = {"hours": hours_text, "claims_chosen": ",".join(chosen)}
    errors = []
    if not chosen:
        errors.append(FieldError("claims", N_("Choose at least one of the certificate's claims to show.")))
    hours = int(hours_text) if hours_text.isdigit() else 0
    if hours not in shares.DURATIONS:
        errors.append(FieldError("hours", N_("Choose how long the link should work.")))
    if not errors:
        try:
            with platform_of(request).uow(principal, ip=client_ip(request)) as uow:
                credential = wallet.credential_for(uow.session, principal, number)
                shares.create_share(uow, credential, claims=chosen, hours=hours)
        except AppError as err:
            if err.status == 404:
                raise
            errors.append(FieldError("claims", err.message, dict(err.params)))
    if errors:
        return _certificate_page(
            request, principal, number, form=FormState(values=values, errors=errors), status_code=422
        )
    return RedirectResponse(f"/credentials/c/{number}?notice=credentials_share_created#links", status_code=303)


@router.post("/credentials/c/{number}/shares/{share_id}/revoke")
async def revoke_share(
    number: str, share_id: int, request: Request, principal: Principal = Depends(login_required)
) -> Response:
    with platform_of(request).uow(principal, ip=client_ip(request)) as uow:
        credential = wallet.credential_for(uow.session, principal, number)
        shares.revoke_share(uow, credential, share_id)
    return RedirectResponse(f"/credentials/c/{number}?notice=credentials_share_revoked#links", status_code=303)


# --- public verification --------------------------------------------------------------------


@router.get("/credentials/verify.js")
def verify_script(principal: Principal = Depends(public)) -> Response:
    """Moves a payload from the URL's fragment (what a scanned QR code opens) into the form."""
    return Response(SCRIPT, media_type="text/javascript", headers={"cache-control": "public, max-age=3600"})


@router.get("/credentials/verify")
def verify_page(request: Request, principal: Principal = Depends(public)) -> Response:
    return render(request, "credentials/verify.html", {"form": FormState(), "view": None})


@router.post("/credentials/verify")
async def verify_submit(request: Request, principal: Principal = Depends(public)) -> Response:
    values = await read_form(request, max_field_length=MAX_PAYLOAD_CHARS)
    text = values.get("payload", "").strip()
    if not text:
        form = FormState(values=values, errors=[FieldError("payload", N_("Paste the certificate's code or link."))])
        return render(request, "credentials/verify.html", {"form": form, "view": None}, status=422)
    if "/credentials/s/" in text:
        token = text.rstrip("/").rsplit("/credentials/s/", 1)[-1]
        return RedirectResponse(f"/credentials/s/{token[:200]}", status_code=303)
    with platform_of(request).db.session() as session:
        report = verification.verify(session, text, today=_today(request))
    view = presenters.report_view(report, language_of(request), translator_for(request), reveal=True)
    return render(request, "credentials/verify.html", {"form": FormState(values=values), "view": view})


@router.get("/credentials/s/{token}")
def shared(token: str, request: Request, principal: Principal = Depends(public)) -> Response:
    """A holder's share link: the chosen claims, verified now."""
    platform = platform_of(request)
    with platform.uow(principal, ip=client_ip(request)) as uow:
        credential, share = shares.open_share(uow, token)
        payload = wallet.presentation(platform.vault, credential, share.claims)
        expires_at = share.expires_at
    with platform.db.session() as session:
        report = verification.verify(session, payload, today=_today(request))
    view = presenters.report_view(report, language_of(request), translator_for(request), reveal=True)
    return render(request, "credentials/shared.html", {"view": view, "payload": payload, "expires_at": expires_at})


# --- the issuing department -----------------------------------------------------------------


def _staff_page(
    request: Request, principal: Principal, *, number: str | None, form: FormState, code: int = 200
) -> Response:
    platform = platform_of(request)
    lang, tr = language_of(request), translator_for(request)
    admin = principal.has("*") or "administrator" in principal.roles
    with platform.db.session() as session:
        query = select(Credential).order_by(Credential.id.desc()).limit(50)
        if not admin:
            query = query.where(Credential.department_id == principal.department_id)
        recent = _rows(session, list(session.scalars(query)), request)
        found = None
        if number:
            credential = session.scalar(select(Credential).where(Credential.number == number.strip()[:32]))
            if credential is not None and (admin or credential.department_id == principal.department_id):
                found = {
                    "credential": credential,
                    "type_name": presenters.type_name(credential.type_code, lang),
                    "status": status.effective_status(credential, _today(request)),
                    "validity": presenters.validity_text(credential, tr),
                    "history": status.history_of(session, credential),
                }
        department = session.get(Department, principal.department_id) if principal.department_id else None
    return render(
        request,
        "credentials/staff.html",
        {
            **_common(),
            "recent": recent,
            "found": found,
            "number": number or "",
            "searched": number is not None,
            "department": presenters.department_name(department, lang),
            "reasons": status.REASON_CODES,
            "form": form,
        },
        status=code,
    )


@router.get("/staff/credentials")
def staff_credentials(
    request: Request, number: str | None = None, principal: Principal = Depends(require(STAFF_PORTAL))
) -> Response:
    return _staff_page(request, principal, number=number, form=FormState())


@router.post("/staff/credentials/{number}/status")
async def staff_change_status(
    number: str, request: Request, principal: Principal = Depends(require(STAFF_PORTAL))
) -> Response:
    values = await read_form(request)
    try:
        with platform_of(request).uow(principal, ip=client_ip(request)) as uow:
            status.change_status(
                uow,
                number,
                action=values.get("action", ""),
                reason_code=values.get("reason_code", ""),
                reason=values.get("reason", ""),
            )
    except AppError as err:
        if err.status in (403, 404):
            raise
        errors = err.fields or [FieldError("action", err.message, dict(err.params))]
        return _staff_page(request, principal, number=number, form=FormState(values=values, errors=errors), code=422)
    return RedirectResponse(f"/staff/credentials?number={number}&notice=credentials_status_changed", status_code=303)
