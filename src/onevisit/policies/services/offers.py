"""Offers: who may see them, one-click confirmation within budget, payout, clawback.

Confirmation is two conditional UPDATEs and a payout, in one transaction:

1. ``UPDATE policy_offers SET status = 'confirmed' … WHERE number = :n AND status =
   'offered' AND enterprise_id IN (the enterprises the person represents or is an active
   agent of)`` — the first statement, so on SQLite it takes the write lock before anything
   is read, and on PostgreSQL it locks the offer row. A second confirmation (or a
   concurrent one) finds no ``offered`` row and is refused; so is anyone who is neither
   the legal representative nor an authorised agent.
2. ``UPDATE policies SET committed_fen = committed_fen + :amount WHERE id = :p AND status =
   'published' AND committed_fen + :amount <= budget_fen`` — the budget row, locked by the
   update itself: concurrent confirmations queue on it, and the one that would overspend
   updates nothing and is refused (the whole transaction rolls back, the offer stays open).
3. ``payouts.disburse``: the payout, the journal entry debiting the department, the
   payment notice on the ledger, the audit records; the offer becomes ``paid``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select, union, update
from sqlalchemy.orm import Session

from onevisit.identity.models import Enterprise, EnterpriseAgent, Person
from onevisit.identity.services.people import phone_of
from onevisit.kernel.actors import Principal
from onevisit.kernel.errors import Conflict, FieldError, Forbidden, NotFound, ValidationFailed
from onevisit.kernel.i18n import N_
from onevisit.kernel.journal import AuditEntry, audit_many
from onevisit.kernel.money import yuan
from onevisit.kernel.rows import Rows
from onevisit.kernel.uow import UnitOfWork
from onevisit.payments import BillKind, create_bill
from onevisit.payments.models import Payout
from onevisit.payments.services import payouts
from onevisit.policies.errors import PolicyError
from onevisit.policies.models import Offer, OfferStatus, Policy, PolicyStatus
from onevisit.policies.services.drafting import may_manage

#: Staff who may claw a payout back (department administrators: they manage its account).
CLAWBACK_PERMISSION = "payments.manage"


def _represented(person_id: int) -> Any:
    """The enterprises a person represents or is an active agent of (a subquery)."""
    return union(
        select(Enterprise.id).where(Enterprise.legal_rep_id == person_id),
        select(EnterpriseAgent.enterprise_id).where(
            EnterpriseAgent.person_id == person_id, EnterpriseAgent.revoked_at.is_(None)
        ),
    )


def represents(session: Session, person_id: int | None, enterprise_id: int) -> bool:
    if person_id is None:
        return False
    return enterprise_id in set(session.scalars(select(_represented(person_id).subquery().c[0])))


def _not_found() -> NotFound:
    return NotFound(PolicyError.OFFER_NOT_FOUND, N_("There is no offer with this number."))


def offer_for(session: Session, principal: Principal, number: str) -> tuple[Offer, Policy, Enterprise]:
    """An offer the principal may see: its enterprise's representative or agents, or the
    staff of the policy's department (and the province's administrators). Others: 404."""
    found = session.execute(
        select(Offer, Policy, Enterprise)
        .join(Policy, Policy.id == Offer.policy_id)
        .join(Enterprise, Enterprise.id == Offer.enterprise_id)
        .where(Offer.number == number)
    ).first()
    if found is None:
        raise _not_found()
    offer, policy, enterprise = found
    if represents(session, principal.person_id, enterprise.id) or may_manage(principal, policy):
        return offer, policy, enterprise
    raise _not_found()


def offers_of(
    session: Session, principal: Principal, enterprise_id: int | None = None
) -> list[tuple[Offer, Policy, Enterprise]]:
    """The offers of every enterprise the principal represents or acts for (newest first)."""
    if principal.person_id is None:
        return []
    ids = set(session.scalars(select(_represented(principal.person_id).subquery().c[0])))
    if enterprise_id is not None:
        ids &= {enterprise_id}
    if not ids:
        return []
    return [
        (o, p, e)
        for o, p, e in session.execute(
            select(Offer, Policy, Enterprise)
            .join(Policy, Policy.id == Offer.policy_id)
            .join(Enterprise, Enterprise.id == Offer.enterprise_id)
            .where(Offer.enterprise_id.in_(sorted(ids)))
            .order_by(Offer.created_at.desc(), Offer.id.desc())
            .limit(500)
        )
    ]


def confirm(uow: UnitOfWork, number: str) -> Offer:
    """The legal representative (or an authorised agent) confirms; the money goes out at once."""
    session = uow.session
    actor = uow.actor
    now = uow.clock.now()
    confirmed = None
    if actor.person_id is not None:
        confirmed = session.execute(
            update(Offer)
            .where(
                Offer.number == number,
                Offer.status == OfferStatus.OFFERED,
                Offer.enterprise_id.in_(_represented(actor.person_id)),
            )
            .values(status=OfferStatus.CONFIRMED, confirmed_by_person_id=actor.person_id, confirmed_at=now)
            .returning(Offer.id, Offer.policy_id, Offer.amount_fen)
            .execution_options(synchronize_session=False)
        ).first()
    if confirmed is None:
        raise _why_not(session, actor, number)
    offer_id, policy_id, amount = confirmed
    today = now.date()
    taken = session.execute(
        update(Policy)
        .where(
            Policy.id == policy_id,
            Policy.status == PolicyStatus.PUBLISHED,
            Policy.ends_on >= today,
            Policy.committed_fen + amount <= Policy.budget_fen,
        )
        .values(committed_fen=Policy.committed_fen + amount)
        .returning(Policy.id)
        .execution_options(synchronize_session=False)
    ).first()
    if taken is None:
        raise _budget_refusal(session, policy_id, today)
    offer = session.get(Offer, offer_id)
    if offer is None:
        raise _not_found()
    disburse(uow, [offer])
    session.refresh(offer)
    uow.audit("policies.offer_confirmed", "offer", number, {"amount_fen": amount, "policy_id": policy_id})
    return offer


def _why_not(session: Session, actor: Principal, number: str) -> Exception:
    offer = session.scalar(select(Offer).where(Offer.number == number))
    if offer is None:
        return _not_found()
    policy = session.get(Policy, offer.policy_id)
    if not represents(session, actor.person_id, offer.enterprise_id):
        if policy is not None and may_manage(actor, policy):
            return Forbidden(
                PolicyError.NOT_REPRESENTATIVE,
                N_("Only the enterprise's legal representative or an agent it has authorised can confirm an offer."),
            )
        return _not_found()
    if offer.status in {OfferStatus.CONFIRMED, OfferStatus.PAID, OfferStatus.CLAWED_BACK}:
        return Conflict(
            PolicyError.ALREADY_CONFIRMED, N_("This offer has already been confirmed; it is paid only once.")
        )
    return Conflict(PolicyError.NOT_CONFIRMABLE, N_("This offer can no longer be confirmed: the policy has closed."))


def _budget_refusal(session: Session, policy_id: int, today: Any) -> Exception:
    policy = session.get(Policy, policy_id)
    if policy is None or policy.status != PolicyStatus.PUBLISHED:
        return Conflict(
            PolicyError.NOT_CONFIRMABLE, N_("This offer can no longer be confirmed: the policy has closed.")
        )
    if policy.ends_on < today:
        return Conflict(
            PolicyError.OUT_OF_PERIOD, N_("This policy's period has ended; offers can no longer be confirmed.")
        )
    return Conflict(
        PolicyError.BUDGET_EXHAUSTED,
        N_("The policy's budget has been used up, so this offer cannot be paid. Nothing was paid."),
    )


def disburse(uow: UnitOfWork, offers: Sequence[Offer], *, rows: Rows | None = None) -> list[str]:
    """Pays confirmed offers out (each its own payout, notice, ledger entry and audit)."""
    return disburse_rows(uow, [(o.id, o.number, o.policy_id, o.enterprise_id, o.amount_fen) for o in offers], rows=rows)


def disburse_rows(
    uow: UnitOfWork, offers: Sequence[tuple[int, str, int, int, int]], *, rows: Rows | None = None
) -> list[str]:
    """``(offer id, number, policy id, enterprise id, amount)`` of confirmed offers → paid."""
    if not offers:
        return []
    session = uow.session
    rows = rows or Rows(session)
    policy_ids = sorted({o[2] for o in offers})
    enterprise_ids = sorted({o[3] for o in offers})
    policies = {
        p.id: (p.department_id, p.title, p.code)
        for p in session.execute(
            select(Policy.id, Policy.department_id, Policy.title, Policy.code).where(Policy.id.in_(policy_ids))
        )
    }
    enterprises: dict[int, tuple[str, str]] = {}
    for chunk in range(0, len(enterprise_ids), 20_000):
        for eid, name, code in session.execute(
            select(Enterprise.id, Enterprise.name, Enterprise.credit_code).where(
                Enterprise.id.in_(enterprise_ids[chunk : chunk + 20_000])
            )
        ):
            enterprises[eid] = (name, code)
    requests = []
    for offer_id, number, policy_id, enterprise_id, amount in offers:
        department_id, title, code = policies[policy_id]
        name, credit_code = enterprises[enterprise_id]
        requests.append(
            payouts.PayoutRequest(
                department_id=department_id,
                enterprise_id=enterprise_id,
                payee_name=name,
                credit_code=credit_code,
                amount_fen=amount,
                title=title,
                source="policies",
                reference=number,
                detail={"policy": code, "offer_id": offer_id},
            )
        )
    done = payouts.disburse(uow, requests, rows=rows)
    now = uow.clock.now()
    session.execute(
        update(Offer).execution_options(synchronize_session=False),
        [
            {"id": o[0], "status": OfferStatus.PAID, "payout_number": d.number, "paid_at": now}
            for o, d in zip(offers, done, strict=True)
        ],
    )
    audit_many(
        uow,
        [
            AuditEntry("policies.offer_paid", "offer", o[1], {"payout": d.number, "amount_fen": o[4]})
            for o, d in zip(offers, done, strict=True)
        ],
        rows=rows,
    )
    return [d.number for d in done]


def disburse_confirmed(uow: UnitOfWork, *, limit: int = 5000) -> int:
    """Pays out confirmed offers not yet paid (bulk confirmations, or a retry)."""
    pending = uow.session.execute(
        select(Offer.id, Offer.number, Offer.policy_id, Offer.enterprise_id, Offer.amount_fen)
        .where(Offer.status == OfferStatus.CONFIRMED)
        .order_by(Offer.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    return len(disburse_rows(uow, [tuple(r) for r in pending]))  # type: ignore[misc]


def clawback(uow: UnitOfWork, number: str, *, reason: str) -> Offer:
    """A paid offer found wrong: a repayment bill to the enterprise, budget returned, audited."""
    session = uow.session
    actor = uow.actor
    found = session.execute(
        select(Offer, Policy).join(Policy, Policy.id == Offer.policy_id).where(Offer.number == number).with_for_update()
    ).first()
    if found is None or not may_manage(actor, found[1]):
        raise _not_found()
    offer, policy = found
    if not actor.has(CLAWBACK_PERMISSION):
        raise Forbidden(PolicyError.NOT_YOURS, N_("Only the department's administrators can claw a payout back."))
    reason = reason.strip()
    if len(reason) < 5 or len(reason) > 1000:
        raise ValidationFailed(
            [FieldError("reason", N_("Explain why the payout was wrong (5 to 1,000 characters)."))],
            code=PolicyError.REASON_REQUIRED,
        )
    if offer.status != OfferStatus.PAID:
        raise Conflict(PolicyError.NOT_PAID, N_("Only a paid offer can be clawed back."))
    bill = create_bill(
        uow,
        kind=BillKind.CLAWBACK,
        department_id=policy.department_id,
        payer_enterprise_id=offer.enterprise_id,
        title=f"退回政策资金：{policy.title}"[:200],
        items=[(f"退回 {offer.number}", offer.amount_fen)],
        source="policies",
        reference=f"clawback:{offer.number}",
    )
    now = uow.clock.now()
    offer.status = OfferStatus.CLAWED_BACK
    offer.clawback_reason = reason
    offer.clawback_bill_number = bill.number
    offer.clawed_back_at = now
    session.execute(
        update(Policy)
        .where(Policy.id == policy.id)
        .values(committed_fen=Policy.committed_fen - offer.amount_fen)
        .execution_options(synchronize_session=False)
    )
    uow.audit(
        "policies.clawed_back",
        "offer",
        offer.number,
        {"reason": reason[:200], "bill": bill.number, "amount_fen": offer.amount_fen, "payout": offer.payout_number},
    )
    enterprise = session.get(Enterprise, offer.enterprise_id)
    rep = session.get(Person, enterprise.legal_rep_id) if enterprise else None
    phone = phone_of(uow.platform.vault, rep) if rep else None
    if phone:
        uow.platform.notifier.sms.send(
            session,
            phone,
            f"【浙里办·OneVisit】“{policy.title}”的拨付经核查有误，请在“我的账单”中退回 {yuan(offer.amount_fen)}"
            f"（账单 {bill.number}）。 A policy payout was found wrong; a repayment bill {bill.number} is in My bills.",
            now,
        )
    return offer


def payout_of(session: Session, offer: Offer) -> Payout | None:
    if offer.payout_number is None:
        return None
    return session.scalar(select(Payout).where(Payout.number == offer.payout_number))


def policy_stats(session: Session, policy: Policy) -> dict[str, int]:
    """Counts and sums by status, for the staff page."""
    stats = {f"{s}_count": 0 for s in OfferStatus} | {f"{s}_fen": 0 for s in OfferStatus}
    for status, count, total in session.execute(
        select(Offer.status, func.count(), func.coalesce(func.sum(Offer.amount_fen), 0))
        .where(Offer.policy_id == policy.id)
        .group_by(Offer.status)
    ):
        stats[f"{status}_count"] = int(count)
        stats[f"{status}_fen"] = int(total)
    stats["offers"] = sum(stats[f"{s}_count"] for s in OfferStatus)
    return stats


def offers_of_policy(
    session: Session, policy: Policy, *, status: str | None = None, limit: int = 200
) -> list[tuple[Offer, Enterprise]]:
    query = (
        select(Offer, Enterprise)
        .join(Enterprise, Enterprise.id == Offer.enterprise_id)
        .where(Offer.policy_id == policy.id)
    )
    if status:
        query = query.where(Offer.status == status)
    return [(o, e) for o, e in session.execute(query.order_by(Offer.id).limit(limit))]
