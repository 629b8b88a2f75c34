"""Staff pages for access requests: a department files one for another department's
conditional item; the owner's staff decide in their inbox (approve, refuse, revoke, each
with a reason); the requester may withdraw a pending one. Decisions apply to the next
lookup. Deciding needs ``datahub.manage``; filing, reading and withdrawing ``staff.portal``.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from starlette.responses import RedirectResponse, Response

from onevisit.datahub.errors import DatahubError
from onevisit.datahub.forms import parse_day
from onevisit.datahub.services import requests
from onevisit.datahub.services.ownership import may_manage
from onevisit.datahub.views.common import MANAGE, STAFF, department_scope
from onevisit.kernel.actors import Principal
from onevisit.kernel.errors import AppError, FieldError, ValidationFailed
from onevisit.kernel.http.authz import require
from onevisit.kernel.http.deps import client_ip, platform_of
from onevisit.kernel.http.forms import FormState, read_form
from onevisit.kernel.http.rendering import render
from onevisit.kernel.i18n import N_

router = APIRouter(include_in_schema=False)

NOTICES = {
    "request_filed": N_("Your request is filed. The owning department decides; its answer appears here."),
    "request_approved": N_("Approved. The requesting use can read the item from its next lookup."),
    "request_refused": N_("Refused. The requesting department sees your reason."),
    "request_revoked": N_("Revoked. The use can no longer read the item, from its next lookup."),
    "request_withdrawn": N_("Your request is withdrawn."),
}
#: which form on the request page a decision's fields belong to
DECISION_FIELDS = {"approve": "approve_", "refuse": "refuse_", "revoke": "revoke_"}


@router.get("/staff/datahub/requests")
def requests_page(
    request: Request, department: str | None = None, principal: Principal = Depends(require(STAFF))
) -> Response:
    platform = platform_of(request)
    now = platform.clock.now()
    with platform.db.session() as session:
        chosen, departments = department_scope(session, principal, department)
        inbox = requests.inbox(session, chosen.id, now) if chosen else []
        outbox = requests.outbox(session, chosen.id, now) if chosen else []
    return render(
        request,
        "datahub/requests.html",
        {"department": chosen, "departments": departments, "inbox": inbox, "outbox": outbox},
    )


def _new_form(request: Request, principal: Principal, form: FormState, *, status: int = 200) -> Response:
    with platform_of(request).db.session() as session:
        items, uses = requests.requestable(session, principal)
    return render(request, "datahub/request_form.html", {"form": form, "items": items, "uses": uses}, status=status)


@router.get("/staff/datahub/requests/new")
def new_request(
    request: Request, item: str = "", use: str = "", principal: Principal = Depends(require(STAFF))
) -> Response:
    return _new_form(request, principal, FormState(values={"item": item[:64], "use": use[:64]}))


@router.post("/staff/datahub/requests")
async def file_request(request: Request, principal: Principal = Depends(require(STAFF))) -> Response:
    values = await read_form(request)
    errors: list[FieldError] = []
    until = parse_day(values, "valid_until", errors)
    try:
        if errors:  # the date did not parse: show it with every other problem at once
            problems = requests.text_problems(
                legal_basis=values.get("legal_basis", ""),
                justification=values.get("justification", ""),
                valid_until=None,
                today=platform_of(request).clock.now().date(),
            )
            raise ValidationFailed(problems + errors, code=DatahubError.REQUEST_INVALID)
        with platform_of(request).uow(principal, ip=client_ip(request)) as uow:
            row = requests.file_request(
                uow,
                item_code=values.get("item", ""),
                use_code=values.get("use", ""),
                legal_basis=values.get("legal_basis", ""),
                justification=values.get("justification", ""),
                valid_until=until,
            )
            request_id = row.id
    except AppError as err:
        fields = err.fields or [FieldError("item", err.message, err.params)]
        return _new_form(request, principal, FormState(values, fields), status=err.status)
    return RedirectResponse(f"/staff/datahub/requests/{request_id}?notice=request_filed", status_code=303)


def _request_page(
    request: Request, principal: Principal, request_id: int, form: FormState | None = None, *, status: int = 200
) -> Response:
    platform = platform_of(request)
    with platform.db.session() as session:
        view = requests.visible_request(session, principal, request_id, platform.clock.now())
    owner = may_manage(principal, view.item.department_id)
    requester = may_manage(principal, view.row.requesting_department_id)
    may_decide = owner and (principal.has(MANAGE) or principal.has("*"))
    values = {"approve_valid_until": view.last_day.isoformat() if view.last_day else ""}
    form = form or FormState(values=values)
    return render(
        request,
        "datahub/request.html",
        {"view": view, "form": form, "may_decide": may_decide, "may_withdraw": requester and view.status == "pending"},
        status=status,
    )


@router.get("/staff/datahub/requests/{request_id}")
def request_page(request_id: int, request: Request, principal: Principal = Depends(require(STAFF))) -> Response:
    return _request_page(request, principal, request_id)


async def _decide(request: Request, principal: Principal, request_id: int, decision: str) -> Response:
    values = await read_form(request)
    prefix = DECISION_FIELDS[decision]
    errors: list[FieldError] = []
    until = parse_day(values, prefix + "valid_until", errors) if decision == "approve" else None
    reason = values.get(prefix + "reason", "")
    try:
        if errors:
            raise ValidationFailed(errors, code=DatahubError.REQUEST_INVALID)
        with platform_of(request).uow(principal, ip=client_ip(request)) as uow:
            if decision == "approve":
                requests.approve_request(uow, request_id, reason=reason, valid_until=until)
            elif decision == "refuse":
                requests.refuse_request(uow, request_id, reason=reason)
            else:
                requests.revoke_request(uow, request_id, reason=reason)
    except AppError as err:
        if err.status in (403, 404):
            raise
        fields = [
            FieldError(e.field if e.field.startswith(prefix) else prefix + e.field, e.message, e.params)
            for e in err.fields
        ] or [FieldError(prefix + "reason", err.message, err.params)]
        return _request_page(request, principal, request_id, FormState(values, fields), status=err.status)
    return RedirectResponse(f"/staff/datahub/requests/{request_id}?notice=request_{decision}d", status_code=303)


@router.post("/staff/datahub/requests/{request_id}/approve")
async def approve(request_id: int, request: Request, principal: Principal = Depends(require(MANAGE))) -> Response:
    return await _decide(request, principal, request_id, "approve")


@router.post("/staff/datahub/requests/{request_id}/refuse")
async def refuse(request_id: int, request: Request, principal: Principal = Depends(require(MANAGE))) -> Response:
    return await _decide(request, principal, request_id, "refuse")


@router.post("/staff/datahub/requests/{request_id}/revoke")
async def revoke(request_id: int, request: Request, principal: Principal = Depends(require(MANAGE))) -> Response:
    return await _decide(request, principal, request_id, "revoke")


@router.post("/staff/datahub/requests/{request_id}/withdraw")
async def withdraw(request_id: int, request: Request, principal: Principal = Depends(require(STAFF))) -> Response:
    with platform_of(request).uow(principal, ip=client_ip(request)) as uow:
        requests.withdraw_request(uow, request_id)
    return RedirectResponse(f"/staff/datahub/requests/{request_id}?notice=request_withdrawn", status_code=303)
