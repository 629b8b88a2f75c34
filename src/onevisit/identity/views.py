"""Identity pages: login (password or SMS code), logout, My OneVisit, enterprise, staff home."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from sqlalchemy import func, select
from starlette.responses import RedirectResponse, Response

from onevisit.identity.errors import IdentityError
from onevisit.identity.models import Account, Department, Enterprise, Person, Region, StaffMember
from onevisit.identity.overview import overview
from onevisit.identity.permissions import Perm
from onevisit.identity.schemas import AgentForm, CodeLogin, CodeRequest, PasswordLogin
from onevisit.identity.services import agents as agent_service
from onevisit.identity.services import login as login_service
from onevisit.identity.services.people import find_enterprise, id_number_of
from onevisit.kernel.actors import Principal
from onevisit.kernel.audit import AuditEvent
from onevisit.kernel.errors import AppError, FieldError, NotFound
from onevisit.kernel.http.authz import SESSION_COOKIE, login_required, public, require
from onevisit.kernel.http.deps import client_ip, platform_of, safe_next
from onevisit.kernel.http.forms import FormState, read_form, validate
from onevisit.kernel.http.rendering import render
from onevisit.kernel.i18n import N_
from onevisit.kernel.masking import mask_id_number

router = APIRouter(include_in_schema=False)


def set_session_cookie(request: Request, response: Response, raw: str) -> None:
    settings = platform_of(request).settings
    response.set_cookie(
        SESSION_COOKIE,
        raw,
        max_age=settings.session_max_age_seconds,
        httponly=True,
        samesite="lax",
        secure=settings.cookies_secure,
        path="/",
    )


def _see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def _with_error(state: FormState, err: AppError, field: str) -> FormState:
    state.errors.append(FieldError(field, err.message, dict(err.params)))
    return state


# --- login -------------------------------------------------------------------------------


@router.get("/login")
def login_page(request: Request, next: str | None = None, principal: Principal = Depends(public)) -> Response:
    if principal.is_authenticated:
        return _see_other(safe_next(next))
    return render(request, "identity/login.html", {"form": FormState(), "next": safe_next(next)})


@router.post("/login")
async def login_submit(request: Request, principal: Principal = Depends(public)) -> Response:
    values = await read_form(request)
    target = safe_next(values.pop("next", None))
    data, state = validate(PasswordLogin, values)
    state.values.pop("password", None)  # never echo a password back
    if data is not None:
        try:
            with platform_of(request).uow(principal, ip=client_ip(request)) as uow:
                result = login_service.login_with_password(uow, id_number=data.id_number, password=data.password)
        except AppError as err:
            _with_error(state, err, "password" if err.code == IdentityError.LOGIN_FAILED else "id_number")
            status = err.status if err.status in (401, 429) else 422
            return render(request, "identity/login.html", {"form": state, "next": target}, status=status)
        response = _see_other(target)
        set_session_cookie(request, response, result.token)
        return response
    return render(request, "identity/login.html", {"form": state, "next": target}, status=422)


@router.get("/login/sms")
def sms_page(request: Request, principal: Principal = Depends(public)) -> Response:
    return render(request, "identity/login_sms.html", {"form": FormState(), "sent": False})


@router.post("/login/sms")
async def sms_send(request: Request, principal: Principal = Depends(public)) -> Response:
    values = await read_form(request)
    data, state = validate(CodeRequest, values)
    if data is None:
        return render(request, "identity/login_sms.html", {"form": state, "sent": False}, status=422)
    try:
        with platform_of(request).uow(principal, ip=client_ip(request)) as uow:
            login_service.send_login_code(uow, id_number=data.id_number)
    except AppError as err:
        _with_error(state, err, "id_number")
        return render(request, "identity/login_sms.html", {"form": state, "sent": False}, status=err.status)
    state.values = {"id_number": data.id_number}
    return render(request, "identity/login_sms.html", {"form": state, "sent": True})


@router.post("/login/sms/verify")
async def sms_verify(request: Request, principal: Principal = Depends(public)) -> Response:
    values = await read_form(request)
    data, state = validate(CodeLogin, values)
    state.values.pop("code", None)
    if data is not None:
        try:
            with platform_of(request).uow(principal, ip=client_ip(request)) as uow:
                result = login_service.login_with_code(uow, id_number=data.id_number, code=data.code)
        except AppError as err:
            _with_error(state, err, "code")
            return render(request, "identity/login_sms.html", {"form": state, "sent": True}, status=err.status)
        response = _see_other("/me")
        set_session_cookie(request, response, result.token)
        return response
    return render(request, "identity/login_sms.html", {"form": state, "sent": True}, status=422)


@router.post("/logout")
async def logout(request: Request, principal: Principal = Depends(login_required)) -> Response:
    raw = request.cookies.get(SESSION_COOKIE, "")
    with platform_of(request).uow(principal, ip=client_ip(request)) as uow:
        login_service.logout(uow, raw)
    response = _see_other("/?" + urlencode({"notice": "logged_out"}))
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


# --- My OneVisit ------------------------------------------------------------------------


@router.get("/me")
async def my_onevisit(request: Request, principal: Principal = Depends(require(Perm.CITIZEN_PORTAL))) -> Response:
    platform = platform_of(request)
    data = None
    if principal.person_id is not None and principal.account_id is not None:
        data = overview(platform.db, platform.vault, person_id=principal.person_id, account_id=principal.account_id)
    if data is None:
        raise NotFound(IdentityError.PERSON_NOT_FOUND, N_("Your record could not be found."))
    return render(request, "identity/me.html", {"me": data})


@router.get("/enterprises/{credit_code}")
def enterprise_home(
    request: Request, credit_code: str, principal: Principal = Depends(require(Perm.ENTERPRISE_PORTAL))
) -> Response:
    platform = platform_of(request)
    with platform.db.session() as session:
        enterprise = agent_service.enterprise_for(principal, find_enterprise(session, credit_code[:32]))
        return _enterprise_page(request, session, enterprise, principal, form=FormState())


def _enterprise_page(
    request: Request,
    session: Any,
    enterprise: Enterprise,
    principal: Principal,
    *,
    form: FormState,
    status: int = 200,
) -> Response:
    platform = platform_of(request)
    legal_rep = session.get(Person, enterprise.legal_rep_id)
    region = session.get(Region, enterprise.region_code)
    agents = [
        (agent, person, mask_id_number(id_number_of(platform.vault, person)))
        for agent, person in agent_service.agents_of(session, enterprise.id)
    ]
    return render(
        request,
        "identity/enterprise.html",
        {
            "enterprise": enterprise,
            "legal_rep": legal_rep,
            "region": region,
            "agents": agents,
            "is_representative": enterprise.legal_rep_id == principal.person_id,
            "acting": principal.acting_for_enterprise_id == enterprise.id,
            "form": form,
        },
        status=status,
    )


@router.post("/enterprises/{credit_code}/act")
async def act_for_enterprise(
    request: Request, credit_code: str, principal: Principal = Depends(require(Perm.ENTERPRISE_PORTAL))
) -> Response:
    platform = platform_of(request)
    with platform.uow(principal, ip=client_ip(request)) as uow:
        enterprise = agent_service.enterprise_for(principal, find_enterprise(uow.session, credit_code[:32]))
        login_service.set_acting_for(uow, request.cookies.get(SESSION_COOKIE, ""), enterprise.id)
    return _see_other(f"/enterprises/{enterprise.credit_code}")


@router.post("/enterprises/{credit_code}/agents")
async def authorise_agent(
    request: Request, credit_code: str, principal: Principal = Depends(require(Perm.ENTERPRISE_PORTAL))
) -> Response:
    platform = platform_of(request)
    values = await read_form(request)
    data, state = validate(AgentForm, values)
    with platform.db.session() as session:
        enterprise = agent_service.enterprise_for(principal, find_enterprise(session, credit_code[:32]))
        if data is None:
            return _enterprise_page(request, session, enterprise, principal, form=state, status=422)
    try:
        with platform.uow(principal, ip=client_ip(request)) as uow:
            fresh = uow.session.get(Enterprise, enterprise.id)
            if fresh is None:  # deleted meanwhile
                raise NotFound(IdentityError.ENTERPRISE_NOT_FOUND, N_("This enterprise is no longer registered."))
            agent_service.authorise_agent(uow, fresh, id_number=data.id_number, name=data.name)
    except AppError as err:
        if err.status == 403:
            raise
        _with_error(state, err, "id_number")
        with platform.db.session() as session:
            return _enterprise_page(request, session, enterprise, principal, form=state, status=err.status)
    return _see_other(f"/enterprises/{enterprise.credit_code}?notice=agent_added")


@router.post("/enterprises/{credit_code}/agents/{agent_id}/revoke")
async def revoke_agent(
    request: Request, credit_code: str, agent_id: int, principal: Principal = Depends(require(Perm.ENTERPRISE_PORTAL))
) -> Response:
    with platform_of(request).uow(principal, ip=client_ip(request)) as uow:
        enterprise = agent_service.enterprise_for(principal, find_enterprise(uow.session, credit_code[:32]))
        agent_service.revoke_agent(uow, enterprise, agent_id)
    return _see_other(f"/enterprises/{enterprise.credit_code}?notice=agent_revoked")


# --- staff ------------------------------------------------------------------------------


@router.get("/staff")
def staff_home(request: Request, principal: Principal = Depends(require(Perm.STAFF_PORTAL))) -> Response:
    platform = platform_of(request)
    with platform.db.session() as session:
        department = session.get(Department, principal.department_id) if principal.department_id else None
        member = session.scalar(select(StaffMember).where(StaffMember.account_id == principal.account_id))
        colleagues = (
            session.scalar(
                select(func.count()).select_from(StaffMember).where(StaffMember.department_id == department.id)
            )
            if department
            else 0
        )
        departments = (
            list(session.scalars(select(Department).order_by(Department.code)))
            if principal.has(Perm.ADMIN_PORTAL)
            else []
        )
        audit = (
            list(session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(20)))
            if principal.has(Perm.AUDIT_READ)
            else []
        )
        counts = (
            {
                "persons": session.scalar(select(func.count()).select_from(Person)),
                "enterprises": session.scalar(select(func.count()).select_from(Enterprise)),
                "accounts": session.scalar(select(func.count()).select_from(Account)),
                "departments": len(departments),
            }
            if principal.has(Perm.ADMIN_PORTAL)
            else {}
        )
    return render(
        request,
        "identity/staff.html",
        {
            "department": department,
            "member": member,
            "colleagues": colleagues,
            "departments": departments,
            "audit": audit,
            "counts": counts,
        },
    )
