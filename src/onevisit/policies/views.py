"""Policy pages: an enterprise's offers (confirm with one click, the payment notice, why),
and the department's pages (draft, publish, match, close, audit each offer, claw back)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Depends, Request
from starlette.responses import RedirectResponse, Response

from onevisit.kernel.actors import Principal
from onevisit.kernel.errors import AppError, FieldError, ValidationFailed
from onevisit.kernel.http.authz import login_required, require
from onevisit.kernel.http.deps import client_ip, platform_of
from onevisit.kernel.http.forms import FormState, read_form
from onevisit.kernel.http.rendering import render
from onevisit.kernel.i18n import N_
from onevisit.kernel.money import parse_yuan
from onevisit.policies import presenters
from onevisit.policies.services import drafting, matching, offers
from onevisit.policies.services.drafting import PolicyDraft

router = APIRouter(include_in_schema=False)

ENTERPRISE_PORTAL = "enterprise.portal"
STAFF = "staff.portal"
MANAGE = "payments.manage"

NOTICES = {
    "policies_paid": N_(
        "Confirmed. The money has been paid to your enterprise's account; the payment notice is below."
    ),
    "policies_created": N_("The policy was saved as a draft."),
    "policies_published": N_("The policy is published. Match it to offer it to every eligible enterprise."),
    "policies_matched": N_("Matching finished. New offers were sent to the eligible enterprises."),
    "policies_closed": N_("The policy is closed; offers not yet confirmed were withdrawn."),
    "policies_clawed_back": N_("The payout was clawed back: a repayment bill was sent to the enterprise."),
}


# --- the enterprise's side ------------------------------------------------------------------
@router.get("/policies/offers")
def my_offers(request: Request, principal: Principal = Depends(require(ENTERPRISE_PORTAL))) -> Response:
    with platform_of(request).db.session() as session:
        rows = offers.offers_of(session, principal)
    waiting = [r for r in rows if r[0].status == "offered"]
    others = [r for r in rows if r[0].status != "offered"]
    return render(request, "policies/my_offers.html", {**presenters.common(), "waiting": waiting, "others": others})


def _offer_page(
    request: Request, principal: Principal, number: str, *, error: AppError | None = None, status: int = 200
) -> Response:
    with platform_of(request).db.session() as session:
        offer, policy, enterprise = offers.offer_for(session, principal, number)
        payout = offers.payout_of(session, offer)
        may_confirm = offer.status == "offered" and offers.represents(session, principal.person_id, enterprise.id)
        is_staff = drafting.may_manage(principal, policy)
    form = FormState(errors=list(error.fields) if error and error.fields else [])
    return render(
        request,
        "policies/offer.html",
        {
            **presenters.common(),
            "offer": offer,
            "policy": policy,
            "enterprise": enterprise,
            "payout": payout,
            "may_confirm": may_confirm,
            "is_staff": is_staff,
            "may_claw_back": is_staff and principal.has(MANAGE) and offer.status == "paid",
            "error": error,
            "form": form,
        },
        status=status,
    )


@router.get("/policies/offers/{number}")
def offer_page(number: str, request: Request, principal: Principal = Depends(login_required)) -> Response:
    return _offer_page(request, principal, number)


@router.post("/policies/offers/{number}/confirm")
def confirm_offer(number: str, request: Request, principal: Principal = Depends(login_required)) -> Response:
    try:
        with platform_of(request).uow(principal, ip=client_ip(request)) as uow:
            offers.confirm(uow, number)
    except AppError as exc:
        if exc.status == 404:
            raise
        return _offer_page(request, principal, number, error=exc, status=exc.status)
    return RedirectResponse(f"/policies/offers/{number}?notice=policies_paid", status_code=303)


@router.post("/staff/policies/offers/{number}/clawback")
async def claw_back(number: str, request: Request, principal: Principal = Depends(require(MANAGE))) -> Response:
    values = await read_form(request)
    try:
        with platform_of(request).uow(principal, ip=client_ip(request)) as uow:
            offers.clawback(uow, number, reason=values.get("reason", ""))
    except AppError as exc:
        if exc.status == 404:
            raise
        return _offer_page(request, principal, number, error=exc, status=exc.status)
    return RedirectResponse(f"/policies/offers/{number}?notice=policies_clawed_back", status_code=303)


# --- the department's side ------------------------------------------------------------------
@router.get("/staff/policies")
def staff_policies(request: Request, principal: Principal = Depends(require(STAFF))) -> Response:
    with platform_of(request).db.session() as session:
        rows = [(p, offers.policy_stats(session, p)) for p in drafting.policies_for_staff(session, principal)]
    return render(request, "policies/staff_list.html", {**presenters.common(), "rows": rows})


def _new_form(request: Request, form: FormState, status: int = 200) -> Response:
    return render(request, "policies/staff_new.html", {**presenters.common(), "form": form}, status=status)


@router.get("/staff/policies/new")
def new_policy(request: Request, principal: Principal = Depends(require(STAFF))) -> Response:
    return _new_form(request, FormState(values={"recurrence": "once"}))


def _date(raw: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(raw.strip())
    except ValueError:
        return None


@router.post("/staff/policies")
async def create_policy(request: Request, principal: Principal = Depends(require(STAFF))) -> Response:
    values = await read_form(request)
    budget = parse_yuan(values.get("budget", ""))
    draft = PolicyDraft(
        code=values.get("code", "").strip(),
        title=values.get("title", ""),
        summary=values.get("summary", ""),
        legal_basis=values.get("legal_basis", ""),
        eligibility=values.get("eligibility", ""),
        benefit=values.get("benefit", ""),
        budget_fen=budget,
        starts_on=_date(values.get("starts_on", "")),
        ends_on=_date(values.get("ends_on", "")),
        recurrence=values.get("recurrence", ""),
    )
    extra: list[FieldError] = []
    if budget is None and values.get("budget", "").strip():
        extra.append(FieldError("budget", N_("Enter the budget as an amount in yuan, like 500000 or 500000.50.")))
    try:
        if extra:
            raise ValidationFailed(extra + [e for e in drafting.check_draft(draft) if e.field != "budget"])
        with platform_of(request).uow(principal, ip=client_ip(request)) as uow:
            policy = drafting.create_policy(uow, draft)
            code = policy.code
    except ValidationFailed as exc:
        return _new_form(request, FormState(values=values, errors=exc.fields), status=422)
    return RedirectResponse(f"/staff/policies/{code}?notice=policies_created", status_code=303)


def _policy_page(
    request: Request, principal: Principal, code: str, *, error: AppError | None = None, status: int = 200
) -> Response:
    with platform_of(request).db.session() as session:
        policy = drafting.policy_for_staff(session, principal, code)
        stats = offers.policy_stats(session, policy)
        rows = offers.offers_of_policy(session, policy, limit=200)
    return render(
        request,
        "policies/staff_policy.html",
        {
            **presenters.common(),
            "policy": policy,
            "stats": stats,
            "rows": rows,
            "error": error,
            "may_manage_money": principal.has(MANAGE),
        },
        status=status,
    )


@router.get("/staff/policies/{code}")
def staff_policy(code: str, request: Request, principal: Principal = Depends(require(STAFF))) -> Response:
    return _policy_page(request, principal, code)


def _act(request: Request, principal: Principal, code: str, action: Any, notice: str) -> Response:
    try:
        with platform_of(request).uow(principal, ip=client_ip(request)) as uow:
            drafting.policy_for_staff(uow.session, principal, code)
            action(uow, code)
    except AppError as exc:
        if exc.status == 404:
            raise
        return _policy_page(request, principal, code, error=exc, status=exc.status)
    return RedirectResponse(f"/staff/policies/{code}?notice={notice}", status_code=303)


@router.post("/staff/policies/{code}/publish")
def publish_policy(code: str, request: Request, principal: Principal = Depends(require(MANAGE))) -> Response:
    return _act(request, principal, code, drafting.publish, "policies_published")


@router.post("/staff/policies/{code}/match")
def match_policy(code: str, request: Request, principal: Principal = Depends(require(STAFF))) -> Response:
    return _act(request, principal, code, matching.match, "policies_matched")


@router.post("/staff/policies/{code}/close")
def close_policy(code: str, request: Request, principal: Principal = Depends(require(MANAGE))) -> Response:
    return _act(request, principal, code, drafting.close, "policies_closed")
