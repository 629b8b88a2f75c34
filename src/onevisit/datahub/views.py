"""Datahub pages: "Who used my data" (citizens, with their consents), the catalogue and a
department's usage page (staff)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from sqlalchemy import select
from starlette.responses import RedirectResponse, Response

from onevisit.datahub.api import CITIZEN, STAFF, own_key
from onevisit.datahub.presenters import PURPOSE_KINDS, access_lines, department_usage
from onevisit.datahub.services import catalogue, consents
from onevisit.identity.models import Department
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


@router.get("/staff/datahub")
def catalogue_page(request: Request, principal: Principal = Depends(require(STAFF))) -> Response:
    platform = platform_of(request)
    now = platform.clock.now()
    with platform.db.session() as session:
        rows = [
            {
                "item": item,
                "department": department,
                "stale": catalogue.is_stale(item.frequency, item.data_updated_at, now),
            }
            for item, department in catalogue.list_items(session)
        ]
        uses = catalogue.list_uses(session)
    return render(request, "datahub/catalogue.html", {"rows": rows, "uses": uses})


@router.get("/staff/datahub/usage")
def usage_page(
    request: Request, department: str | None = None, principal: Principal = Depends(require(STAFF))
) -> Response:
    platform = platform_of(request)
    with platform.db.session() as session:
        departments = list(session.scalars(select(Department).order_by(Department.code)))
        chosen = next((d for d in departments if d.id == principal.department_id), None)
        may_choose = "administrator" in principal.roles or principal.has("*")
        if department and may_choose:
            chosen = next((d for d in departments if d.code == department), chosen)
        usage = department_usage(session, chosen.id) if chosen else []
    return render(
        request,
        "datahub/usage.html",
        {"department": chosen, "usage": usage, "departments": departments if may_choose else []},
    )
