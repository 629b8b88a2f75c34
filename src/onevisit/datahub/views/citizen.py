"""Citizens' datahub pages: "Who used my data", with their consents."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from starlette.responses import RedirectResponse, Response

from onevisit.datahub.api import CITIZEN, own_key
from onevisit.datahub.presenters import PURPOSE_KINDS, access_lines
from onevisit.datahub.services import consents
from onevisit.kernel.actors import Principal
from onevisit.kernel.errors import AppError
from onevisit.kernel.http.authz import require
from onevisit.kernel.http.deps import client_ip, platform_of
from onevisit.kernel.http.forms import read_form
from onevisit.kernel.http.rendering import render
from onevisit.kernel.i18n import N_

router = APIRouter(include_in_schema=False)

NOTICES = {
    "consent_granted": N_("Your consent is recorded. You can withdraw it here at any time."),
    "consent_revoked": N_("Your consent is withdrawn. From now on that use cannot read your data."),
}


def _my_data(request: Request, principal: Principal, *, error: AppError | None = None, status: int = 200) -> Response:
    key = own_key(request, principal)
    with platform_of(request).db.session() as session:
        context = {
            "lines": access_lines(session, key, own_account_id=principal.account_id),
            "consents": consents.consents_of(session, key),
            "kinds": PURPOSE_KINDS,
            "error": error,
        }
    return render(request, "datahub/my_data.html", context, status=status)


@router.get("/me/data")
def my_data(request: Request, principal: Principal = Depends(require(CITIZEN))) -> Response:
    return _my_data(request, principal)


@router.post("/me/data/consents")
async def grant_consent(request: Request, principal: Principal = Depends(require(CITIZEN))) -> Response:
    values = await read_form(request)
    key = own_key(request, principal)
    try:
        with platform_of(request).uow(principal, ip=client_ip(request)) as uow:
            consents.grant(uow, subject_key=key, use_code=values.get("use", ""))
    except AppError as err:
        return _my_data(request, principal, error=err, status=err.status)
    return RedirectResponse("/me/data?notice=consent_granted", status_code=303)


@router.post("/me/data/consents/revoke")
async def revoke_consent(request: Request, principal: Principal = Depends(require(CITIZEN))) -> Response:
    values = await read_form(request)
    key = own_key(request, principal)
    try:
        with platform_of(request).uow(principal, ip=client_ip(request)) as uow:
            consents.revoke(uow, subject_key=key, use_code=values.get("use", ""))
    except AppError as err:
        return _my_data(request, principal, error=err, status=err.status)
    return RedirectResponse("/me/data?notice=consent_revoked", status_code=303)
