"""Refunds: never more than was paid (a conditional update reserves the amount first)."""

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


def request_refund(uow: UnitOfWork, *, order_number: str, amount_fen: int, reason: str) -> Refund:
    if isinstance(amount_fen, bool) or not isinstance(amount_fen, int) or amount_fen <= 0:
        raise InvalidInput(PaymentError.REFUND_NOT_ALLOWED, N_("A refund is a positive whole number of fen."))
    order = find_order(uow.session, order_number)
    department_id = uow.session.scalar(select(Bill.department_id).where(Bill.id == order.bill_id))
    if department_id is None or not access.may_act_for(uow.actor, department_id):
        # another department's payment: not theirs to refund, nor to know about
        raise NotFound(PaymentError.ORDER_NOT_FOUND, N_("There is no payment with this number."))
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
    refund = Refund(
        number=f"R{uow.clock.now():%y%m%d}{secrets.randbelow(10**12):012d}",
        order_id=order.id,
        amount_fen=amount_fen,
        reason=reason[:200],
        status=RefundStatus.PENDING,
        created_at=uow.clock.now(),
    )
    uow.session.add(refund)
    uow.session.flush()
    uow.audit("payments.refund_requested", "order", order.number, {"refund": refund.number, "amount_fen": amount_fen})
    return refund


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
                uow.session.add(
                    SettlementEntry(
                        department_id=bill.department_id,
                        kind="refund",
                        source_id=refund.id,
                        amount_fen=-refund.amount_fen,
                        at=uow.clock.now(),
                    )
                )
            uow.audit("payments.refunded", "refund", refund.number, {"order": order.number, "amount_fen": amount})
            uow.emit(RefundCompleted(refund_number=refund.number, order_number=order.number, amount_fen=amount))
            done += 1
    return done


def refunds_of(session: Session, order_id: int) -> list[Refund]:
    return list(session.scalars(select(Refund).where(Refund.order_id == order_id).order_by(Refund.id)))
