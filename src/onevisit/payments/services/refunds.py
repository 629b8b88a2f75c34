"""Refunds: never more than was paid (a conditional update reserves the amount first),
and never more from a department than it received (a bundle's payment is split)."""

from __future__ import annotations

import secrets

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from onevisit.kernel.actors import system_actor
from onevisit.kernel.errors import AppError, Conflict, InvalidInput, NotFound
from onevisit.kernel.i18n import N_
from onevisit.kernel.platform import Platform
from onevisit.kernel.uow import UnitOfWork
from onevisit.payments.channels.gateway import Gateways
from onevisit.payments.errors import PaymentError
from onevisit.payments.events import RefundCompleted
from onevisit.payments.models import Bill, OrderStatus, PaymentOrder, Refund, RefundStatus, SettlementEntry
from onevisit.payments.services import access
from onevisit.payments.services.orders import find_order
from onevisit.payments.services.payees import apportion, payee_shares


def request_refund(
    uow: UnitOfWork, *, order_number: str, amount_fen: int, reason: str, department_id: int | None = None
) -> Refund:
    """Reserves a refund of a paid order, split between its payee departments.

    A bundle's payment went to several departments: the refund comes from one of them
    (``department_id``; always the actor's own for a department's administrators) up to
    what that department still holds of it, or else from all of them in proportion to
    what each still holds (largest remainder, in fen). Either way no department ever
    gives back more than it received. The order's conditional update comes first: it
    serialises concurrent refunds of one order, so each sees the others' shares."""
    if isinstance(amount_fen, bool) or not isinstance(amount_fen, int) or amount_fen <= 0:
        raise InvalidInput(PaymentError.REFUND_NOT_ALLOWED, N_("A refund is a positive whole number of fen."))
    order = find_order(uow.session, order_number)
    bill = uow.session.get(Bill, order.bill_id)
    if bill is None:  # pragma: no cover - a foreign key guarantees it
        raise LookupError(order.bill_id)
    received = payee_shares(bill.items, bill.department_id)
    payees = [d for d, _ in received]
    scope = access.departments_of(uow.actor)
    if scope is not None:
        mine = [d for d in payees if d in scope]
        if not mine or (department_id is not None and department_id not in mine):
            # another department's payment: not theirs to refund, nor to know about
            raise NotFound(PaymentError.ORDER_NOT_FOUND, N_("There is no payment with this number."))
        department_id = department_id if department_id is not None else mine[0]
        if len(payees) == 1:
            department_id = None  # theirs alone: as before
    elif department_id is not None and department_id not in payees:
        raise InvalidInput(PaymentError.REFUND_NOT_ALLOWED, N_("This department was not paid by this payment."))
    if order.status != OrderStatus.PAID:
        raise Conflict(PaymentError.REFUND_NOT_ALLOWED, N_("Only a paid order can be refunded."))
    reserved = uow.session.execute(
        update(PaymentOrder)
        .where(
            PaymentOrder.id == order.id,
            PaymentOrder.status == OrderStatus.PAID,
            PaymentOrder.refunded_fen + amount_fen <= PaymentOrder.amount_fen,
        )
        .values(refunded_fen=PaymentOrder.refunded_fen + amount_fen)
        .execution_options(synchronize_session=False)
    )
    if reserved.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict(PaymentError.REFUND_EXCEEDS, N_("Refunds would exceed what was paid for this order."))
    shares = _split(
        uow.session, order, bill=bill, received=received, amount_fen=amount_fen, department_id=department_id
    )
    refund = Refund(
        number=f"R{uow.clock.now():%y%m%d}{secrets.randbelow(10**12):012d}",
        order_id=order.id,
        amount_fen=amount_fen,
        reason=reason[:200],
        status=RefundStatus.PENDING,
        created_at=uow.clock.now(),
        shares=[{"department_id": d, "amount_fen": a} for d, a in shares],
    )
    uow.session.add(refund)
    uow.session.flush()
    uow.audit(
        "payments.refund_requested",
        "order",
        order.number,
        {"refund": refund.number, "amount_fen": amount_fen, "shares": refund.shares},
    )
    return refund


def _split(
    session: Session,
    order: PaymentOrder,
    *,
    bill: Bill,
    received: list[tuple[int, int]],
    amount_fen: int,
    department_id: int | None,
) -> list[tuple[int, int]]:
    """What each payee department gives back of ``amount_fen``: never more than it still
    holds of this payment (its share less its earlier refunds, pending ones included)."""
    held = dict(apportion(order.amount_fen, received))
    for shares, fen_total in session.execute(
        select(Refund.shares, Refund.amount_fen).where(Refund.order_id == order.id)
    ):
        for department, fen in _shares_of(shares, bill.department_id, fen_total):
            held[department] = held.get(department, 0) - fen
    if department_id is not None:
        if amount_fen > held.get(department_id, 0):
            raise Conflict(
                PaymentError.REFUND_EXCEEDS,
                N_("Refunds would exceed what this department received for this payment."),
            )
        return [(department_id, amount_fen)]
    return apportion(amount_fen, [(d, max(fen, 0)) for d, fen in held.items()])


def _shares_of(shares: list[dict[str, int]] | None, department_id: int, amount_fen: int) -> list[tuple[int, int]]:
    """A refund's split; one without (made before 0012) is all from the bill's department."""
    if shares is None:
        return [(department_id, amount_fen)]
    return [(int(s["department_id"]), int(s["amount_fen"])) for s in shares]


def send_pending_refunds(platform: Platform, gateways: Gateways, *, limit: int = 200) -> int:
    """Sends pending refunds to their channels (idempotent there by refund number)."""
    with platform.db.session() as session:
        pending = [
            (r.id, r.number, o.number, o.channel, r.amount_fen)
            for r, o in session.execute(
                select(Refund, PaymentOrder)
                .join(PaymentOrder, PaymentOrder.id == Refund.order_id)
                .where(Refund.status == RefundStatus.PENDING)
                .order_by(Refund.id)
                .limit(limit)
            )
        ]
    done = 0
    for refund_id, refund_number, order_number, channel, amount in pending:
        try:
            answer = gateways.get(channel).refund(
                order_number=order_number, refund_number=refund_number, amount_fen=amount
            )
        except AppError:
            continue  # the channel is down: try again later
        with platform.uow(system_actor("payments-refunds")) as uow:
            refund = uow.session.get(Refund, refund_id, with_for_update=True)
            if refund is None or refund.status != RefundStatus.PENDING:
                continue
            if not answer.ok:
                refund.status = RefundStatus.FAILED
                uow.audit("payments.refund_failed", "refund", refund.number, {"reason": answer.reason})
                continue
            refund.status = RefundStatus.DONE
            refund.channel_refunded_at = answer.at
            refund.completed_at = uow.clock.now()
            order = uow.session.get(PaymentOrder, refund.order_id)
            if order is None:  # pragma: no cover - a foreign key guarantees it
                raise LookupError(refund.order_id)
            if not order.duplicate:  # a duplicate payment never reached the department
                bill = uow.session.get(Bill, order.bill_id)
                if bill is None:  # pragma: no cover - a foreign key guarantees it
                    raise LookupError(order.bill_id)
                uow.session.add_all(
                    SettlementEntry(
                        department_id=department,
                        kind="refund",
                        source_id=refund.id,
                        amount_fen=-fen,
                        at=uow.clock.now(),
                    )
                    for department, fen in _shares_of(refund.shares, bill.department_id, refund.amount_fen)
                )
            uow.audit("payments.refunded", "refund", refund.number, {"order": order.number, "amount_fen": amount})
            uow.emit(RefundCompleted(refund_number=refund.number, order_number=order.number, amount_fen=amount))
            done += 1
    return done


def refunds_of(session: Session, order_id: int) -> list[Refund]:
    return list(session.scalars(select(Refund).where(Refund.order_id == order_id).order_by(Refund.id)))
