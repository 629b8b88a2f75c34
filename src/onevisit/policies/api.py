"""Policies JSON API under /api/v1/policies (errors: RFC 9457 problems with ``code``)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request

from onevisit.kernel.actors import Principal
from onevisit.kernel.http.authz import login_required, require
from onevisit.kernel.http.deps import client_ip, platform_of
from onevisit.policies.schemas import ClawbackIn, MatchIn, MatchOut, OfferOut, PolicyIn, PolicyOut
from onevisit.policies.services import drafting, matching, offers

router = APIRouter(prefix="/api/v1/policies", tags=["policies"])

STAFF = "staff.portal"
#: Publishing, closing and clawing back commit or return a department's money: its administrators.
MANAGE = "payments.manage"


@router.get("", response_model=list[PolicyOut])
def api_policies(request: Request, principal: Principal = Depends(require(STAFF))) -> list[PolicyOut]:
    with platform_of(request).db.session() as session:
        return [PolicyOut.of(p) for p in drafting.policies_for_staff(session, principal)]


@router.post("", response_model=PolicyOut, status_code=201)
def api_create_policy(body: PolicyIn, request: Request, principal: Principal = Depends(require(STAFF))) -> PolicyOut:
    """Drafts a policy; a negative budget, an empty period or a rule on unknown fields is 422."""
    with platform_of(request).uow(principal, ip=client_ip(request)) as uow:
        return PolicyOut.of(drafting.create_policy(uow, body.draft()))


@router.get("/{code}", response_model=PolicyOut)
def api_policy(code: str, request: Request, principal: Principal = Depends(require(STAFF))) -> PolicyOut:
    with platform_of(request).db.session() as session:
        policy = drafting.policy_for_staff(session, principal, code)
        return PolicyOut.of(policy, offers.policy_stats(session, policy))


@router.post("/{code}/publish", response_model=PolicyOut)
def api_publish(code: str, request: Request, principal: Principal = Depends(require(MANAGE))) -> PolicyOut:
    with platform_of(request).uow(principal, ip=client_ip(request)) as uow:
        return PolicyOut.of(drafting.publish(uow, code))


@router.post("/{code}/close", response_model=PolicyOut)
def api_close(code: str, request: Request, principal: Principal = Depends(require(MANAGE))) -> PolicyOut:
    with platform_of(request).uow(principal, ip=client_ip(request)) as uow:
        return PolicyOut.of(drafting.close(uow, code))


@router.post("/{code}/match", response_model=MatchOut)
def api_match(code: str, body: MatchIn, request: Request, principal: Principal = Depends(require(STAFF))) -> MatchOut:
    with platform_of(request).uow(principal, ip=client_ip(request)) as uow:
        drafting.policy_for_staff(uow.session, principal, code)
        r = matching.match(uow, code, as_of=body.as_of)
    return MatchOut(
        policy=r.policy_code,
        period=r.period,
        as_of=r.as_of,
        evaluated=r.evaluated,
        eligible=r.eligible,
        new_offers=r.new_offers,
        offered_fen=r.offered_fen,
    )


@router.get("/{code}/offers", response_model=list[OfferOut])
def api_policy_offers(
    code: str, request: Request, status: str | None = None, principal: Principal = Depends(require(STAFF))
) -> list[OfferOut]:
    """Auditors' view: every offer with the facts read and which conditions held or failed."""
    with platform_of(request).db.session() as session:
        policy = drafting.policy_for_staff(session, principal, code)
        return [
            OfferOut.of(o, policy, e.credit_code, e.name, offers.payout_of(session, o))
            for o, e in offers.offers_of_policy(session, policy, status=status, limit=1000)
        ]


@router.get("/offers/mine", response_model=list[OfferOut])
def api_my_offers(request: Request, principal: Principal = Depends(login_required)) -> list[OfferOut]:
    """Offers to the enterprises the caller represents or is an authorised agent of."""
    with platform_of(request).db.session() as session:
        return [
            OfferOut.of(o, p, e.credit_code, e.name, offers.payout_of(session, o))
            for o, p, e in offers.offers_of(session, principal)
        ]


@router.get("/offers/{number}", response_model=OfferOut)
def api_offer(number: str, request: Request, principal: Principal = Depends(login_required)) -> OfferOut:
    with platform_of(request).db.session() as session:
        o, p, e = offers.offer_for(session, principal, number)
        return OfferOut.of(o, p, e.credit_code, e.name, offers.payout_of(session, o))


@router.post("/offers/{number}/confirm", response_model=OfferOut)
def api_confirm(number: str, request: Request, principal: Principal = Depends(login_required)) -> OfferOut:
    """One click: the legal representative or an authorised agent confirms and is paid at once.
    A second confirmation is 409 ``policies.offer.already_confirmed``; nothing is paid twice."""
    platform = platform_of(request)
    with platform.uow(principal, ip=client_ip(request)) as uow:
        offers.confirm(uow, number)
    return api_offer(number, request, principal)


@router.post("/offers/{number}/clawback", response_model=OfferOut)
def api_clawback(
    number: str, body: ClawbackIn, request: Request, principal: Principal = Depends(require(MANAGE))
) -> OfferOut:
    with platform_of(request).uow(principal, ip=client_ip(request)) as uow:
        offers.clawback(uow, number, reason=body.reason)
    return api_offer(number, request, principal)
