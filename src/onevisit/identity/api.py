"""Identity JSON API under /api/v1."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response
from sqlalchemy import select

from onevisit.identity.creditcodes import parse_credit_code
from onevisit.identity.idnumbers import parse_id_number
from onevisit.identity.models import Region
from onevisit.identity.presenters import me_out
from onevisit.identity.schemas import (
    CodeLogin,
    CodeRequest,
    CreditCodeCheckOut,
    IdNumberCheck,
    IdNumberCheckOut,
    LoginOut,
    MeOut,
    PasswordLogin,
    RegionOut,
)
from onevisit.identity.services import login as login_service
from onevisit.identity.views import set_session_cookie
from onevisit.kernel.actors import Principal
from onevisit.kernel.http.authz import SESSION_COOKIE, login_required, public
from onevisit.kernel.http.deps import client_ip, platform_of
from onevisit.kernel.http.rendering import csrf_token

router = APIRouter(prefix="/api/v1", tags=["identity"])


@router.post("/auth/login", response_model=LoginOut)
def api_login(
    body: PasswordLogin, request: Request, response: Response, principal: Principal = Depends(public)
) -> LoginOut:
    platform = platform_of(request)
    with platform.uow(principal, ip=client_ip(request)) as uow:
        result = login_service.login_with_password(uow, id_number=body.id_number, password=body.password)
    set_session_cookie(request, response, result.token)
    return LoginOut(account_id=result.account_id, csrf_token=csrf_token(request))


@router.post("/auth/sms-code", status_code=202)
def api_send_code(body: CodeRequest, request: Request, principal: Principal = Depends(public)) -> dict[str, str]:
    platform = platform_of(request)
    with platform.uow(principal, ip=client_ip(request)) as uow:
        login_service.send_login_code(uow, id_number=body.id_number)
    return {"status": "If this ID number has a mobile phone on record, a code has been sent to it."}


@router.post("/auth/sms-login", response_model=LoginOut)
def api_code_login(
    body: CodeLogin, request: Request, response: Response, principal: Principal = Depends(public)
) -> LoginOut:
    platform = platform_of(request)
    with platform.uow(principal, ip=client_ip(request)) as uow:
        result = login_service.login_with_code(uow, id_number=body.id_number, code=body.code)
    set_session_cookie(request, response, result.token)
    return LoginOut(account_id=result.account_id, csrf_token=csrf_token(request))


@router.post("/auth/logout", status_code=204)
def api_logout(request: Request, response: Response, principal: Principal = Depends(login_required)) -> None:
    raw = request.cookies.get(SESSION_COOKIE, "")
    with platform_of(request).uow(principal, ip=client_ip(request)) as uow:
        login_service.logout(uow, raw)
    response.delete_cookie(SESSION_COOKIE, path="/")


@router.get("/me", response_model=MeOut)
def api_me(request: Request, principal: Principal = Depends(login_required)) -> MeOut:
    platform = platform_of(request)
    with platform.db.session() as session:
        return me_out(session, platform.vault, principal)


@router.get("/regions", response_model=list[RegionOut])
def api_regions(request: Request, principal: Principal = Depends(public)) -> list[RegionOut]:
    with platform_of(request).db.session() as session:
        rows = session.scalars(select(Region).order_by(Region.code))
        return [RegionOut.model_validate(r, from_attributes=True) for r in rows]


@router.post("/identity/id-numbers/check", response_model=IdNumberCheckOut)
def api_check_id_number(
    body: IdNumberCheck, request: Request, principal: Principal = Depends(public)
) -> IdNumberCheckOut:
    """Checks an ID number's structure (region, birth date, checksum); looks nothing up.

    A POST, so that ID numbers never appear in URLs (and so in access logs).
    """
    parsed = parse_id_number(body.value, today=platform_of(request).clock.now().date())
    return IdNumberCheckOut(
        valid=True, region_code=parsed.region_code, birth_date=parsed.birth_date, gender=parsed.gender
    )


@router.get("/identity/credit-codes/{value}", response_model=CreditCodeCheckOut)
def api_check_credit_code(value: str, principal: Principal = Depends(public)) -> CreditCodeCheckOut:
    parsed = parse_credit_code(value[:64])
    return CreditCodeCheckOut(valid=True, region_code=parsed.region_code)
