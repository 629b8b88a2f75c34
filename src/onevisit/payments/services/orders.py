"""Payment orders and exactly-once settlement.

An order is one attempt to pay one bill through one channel. Settlement is a chain of
conditional updates in one transaction, so duplicates, races and crashes cannot settle a
bill twice:

1. ``UPDATE payment_orders SET status='paid' WHERE id=? AND status<>'paid'`` — the row lock
   (PostgreSQL) or the database write lock (SQLite) makes exactly one caller win;
2. ``UPDATE payment_bills SET status='paid' WHERE id=? AND status='outstanding'`` — if the
   bill was already paid by *another* order (the payer paid twice, on two channels), this
   order is marked a duplicate and refunded in full instead;
3. the department's settlement entry (unique per order), the receipt (unique per order and
   per bill) and the ``payments.settled`` event, all in the same transaction.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import re
import secrets
from collections.abc import Mapping

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from onevisit.kernel.actors import Principal, system_actor
from onevisit.kernel.errors import AppError, Conflict, InvalidInput, NotFound
from onevisit.kernel.i18n import N_
from onevisit.kernel.platform import Platform
from onevisit.kernel.uow import UnitOfWork
from onevisit.payments.channels.gateway import Gateways
from onevisit.payments.channels.wire import CLOSED, PAID, ChannelEvent
from onevisit.payments.errors import PaymentError
from onevisit.payments.events import PaymentSettled
from onevisit.payments.models import Bill, BillStatus, OrderStatus, PaymentOrder, Refund, RefundStatus, SettlementEntry
from onevisit.payments.services import receipts
from onevisit.payments.services.bills import bill_for, check_payable

log = logging.getLogger("onevisit.payments")

_KEY = re.compile(r"^[A-Za-z0-9_.:-]{8,64}$")


def request_hash(bill_number: str, channel: str) -> str:
    body = json.dumps({"bill": bill_number, "channel": channel}, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(body.encode()).hexdigest()


def check_idempotency_key(key: str | None) -> str:
    if not key or not _KEY.match(key):
        raise InvalidInput(
            PaymentError.IDEMPOTENCY_KEY_INVALID,
            N_("An Idempotency-Key of 8 to 64 letters, digits or -_.: is required."),
        )
    return key


def _existing(session: Session, requested_by: str, key: str) -> PaymentOrder | None:
    return session.scalar(
        select(PaymentOrder).where(PaymentOrder.requested_by == requested_by, PaymentOrder.idempotency_key == key)
    )


def _same_request(order: PaymentOrder, digest: str) -> PaymentOrder:
    if order.request_hash != digest:
        raise Conflict(
            PaymentError.IDEMPOTENCY_KEY_REUSED,
            N_("This Idempotency-Key was already used for a different request."),
        )
    return order


def start_payment(
    platform: Platform,
    gateways: Gateways,
    principal: Principal,
    *,
    bill_number: str,
    channel: str,
    idempotency_key: str,
    pay_code: str | None = None,
    ip: str | None = None,
) -> PaymentOrder:
    """Creates (or, for a repeated key and body, returns) the order and registers it with
    the channel. The same key with a different body is refused (409)."""
    key = check_idempotency_key(idempotency_key)
    adapter = gateways.get(channel)
    requested_by = principal.label
    digest = request_hash(bill_number, channel)
    subject: str | None = None
    try:
        with platform.uow(principal, ip=ip) as uow:
            order = _existing(uow.session, requested_by, key)
            if order is None:
                bill = bill_for(uow.session, principal, bill_number, pay_code)
                check_payable(bill)
                subject = bill.title
                order = PaymentOrder(
                    number=f"P{uow.clock.now():%y%m%d}{secrets.randbelow(10**14):014d}",
                    bill_id=bill.id,
                    channel=channel,
                    amount_fen=bill.amount_fen,
                    status=OrderStatus.PENDING,
                    requested_by=requested_by,
                    payer_account_id=principal.account_id,
                    idempotency_key=key,
                    request_hash=digest,
                    created_at=uow.clock.now(),
                )
                uow.session.add(order)
                uow.session.flush()
                uow.audit("payments.order_created", "order", order.number, {"bill": bill.number, "channel": channel})
            _same_request(order, digest)
    except IntegrityError:
        # the same key, concurrently: the other request's order is the answer
        with platform.db.session() as session:
            found = _existing(session, requested_by, key)
            if found is None:
                raise
            order = _same_request(found, digest)
    if subject is None and not order.pay_url:
        with platform.db.session() as session:
            bill_row = session.get(Bill, order.bill_id)
            subject = bill_row.title if bill_row else ""
    if order.pay_url or order.status != OrderStatus.PENDING:
        return order
    created = adapter.create_order(
        order_number=order.number,
        amount_fen=order.amount_fen,
        subject=subject or "",
        notify_url=f"{gateways.notify_base}/api/v1/payments/notify/{channel}",
        return_url=f"{gateways.return_base}/payments/orders/{order.number}/return",
    )
    with platform.uow(principal, ip=ip) as uow:
        uow.session.execute(
            update(PaymentOrder)
            .where(PaymentOrder.id == order.id)
            .values(pay_url=created.pay_url, channel_trade_no=created.trade_no)
        )
    order.pay_url, order.channel_trade_no = created.pay_url, created.trade_no
    return order


def find_order(session: Session, number: str) -> PaymentOrder:
    order = session.scalar(select(PaymentOrder).where(PaymentOrder.number == number))
    if order is None:
        raise NotFound(PaymentError.ORDER_NOT_FOUND, N_("There is no payment with this number."))
    return order


def order_for(session: Session, principal: Principal, number: str) -> PaymentOrder:
    """An order its requester may see (others: not found)."""
    order = session.scalar(select(PaymentOrder).where(PaymentOrder.number == number))
    if order is None or order.requested_by != principal.label:
        raise NotFound(PaymentError.ORDER_NOT_FOUND, N_("There is no payment with this number."))
    return order


class SettleOutcome:
    SETTLED = "settled"
    DUPLICATE_PAYMENT = "duplicate_payment"  # the bill was paid by another order: refunding
    ALREADY = "already"  # this order was settled before: nothing changes
    CLOSED = "closed"
    IGNORED = "ignored"  # a late "closed" for a paid order, or a closed order closed again


def check_event_matches(order: PaymentOrder, event: ChannelEvent) -> None:
    """The event is about this order, on this channel, for this amount: or nothing changes."""
    if event.channel != order.channel:
        raise AppError(PaymentError.NOTIFICATION_CHANNEL, N_("The notification came from the wrong channel."))
    if event.amount_fen != order.amount_fen:
        raise AppError(PaymentError.NOTIFICATION_AMOUNT, N_("The notified amount differs from the order's."))


def apply_event(uow: UnitOfWork, order: PaymentOrder, event: ChannelEvent, *, via: str) -> str:
    """Applies a verified, matching channel event to ``order`` (exactly once)."""
    check_event_matches(order, event)
    if event.status == PAID:
        return settle(uow, order, event, via=via)
    if event.status == CLOSED:
        result = uow.session.execute(
            update(PaymentOrder)
            .where(PaymentOrder.id == order.id, PaymentOrder.status == OrderStatus.PENDING)
            .values(status=OrderStatus.CLOSED)
        )
        if result.rowcount == 1:  # type: ignore[attr-defined]
            uow.audit("payments.order_closed", "order", order.number, {"via": via})
            return SettleOutcome.CLOSED
    return SettleOutcome.IGNORED


def settle(uow: UnitOfWork, order: PaymentOrder, event: ChannelEvent, *, via: str) -> str:
    now = uow.clock.now()
    session = uow.session
    won = session.execute(
        update(PaymentOrder)
        .where(PaymentOrder.id == order.id, PaymentOrder.status != OrderStatus.PAID)
        .values(
            status=OrderStatus.PAID,
            channel_trade_no=event.trade_no,
            channel_paid_at=event.at,
            settled_at=now,
            settled_via=via,
        )
        .execution_options(synchronize_session=False)
    )
    if won.rowcount != 1:  # type: ignore[attr-defined]
        return SettleOutcome.ALREADY
    took = session.execute(
        update(Bill)
        .where(Bill.id == order.bill_id, Bill.status == BillStatus.OUTSTANDING)
        .values(status=BillStatus.PAID, paid_order_id=order.id, paid_at=now)
        .returning(
            Bill.id,
            Bill.number,
            Bill.kind,
            Bill.source,
            Bill.reference,
            Bill.department_id,
            Bill.items,
            Bill.payer_person_id,
            Bill.payer_enterprise_id,
        )
        .execution_options(synchronize_session=False)
    ).first()
    if took is None:
        # Paid twice (two channels, two tabs): the money goes back, the bill stays settled once.
        session.execute(
            update(PaymentOrder)
            .where(PaymentOrder.id == order.id)
            .values(duplicate=True, refunded_fen=order.amount_fen)
            .execution_options(synchronize_session=False)
        )
        session.add(
            Refund(
                number=f"R{now:%y%m%d}{order.id:012d}D",
                order_id=order.id,
                amount_fen=order.amount_fen,
                reason="duplicate payment: the bill was already paid",
                status=RefundStatus.PENDING,
                created_at=now,
            )
        )
        bill_number = session.scalar(select(Bill.number).where(Bill.id == order.bill_id))
        uow.audit("payments.duplicate_payment", "order", order.number, {"bill": bill_number, "via": via})
        return SettleOutcome.DUPLICATE_PAYMENT
    bill = receipts.BillFacts(*took)
    session.add(
        SettlementEntry(
            department_id=bill.department_id, kind="payment", source_id=order.id, amount_fen=order.amount_fen, at=now
        )
    )
    receipt = receipts.issue_receipt(uow, order, bill)
    uow.audit(
        "payments.settled", "order", order.number, {"bill": bill.number, "amount_fen": order.amount_fen, "via": via}
    )
    uow.emit(
        PaymentSettled(
            bill_number=bill.number,
            order_number=order.number,
            receipt_number=receipt.number,
            kind=bill.kind,
            source=bill.source,
            reference=bill.reference,
            amount_fen=order.amount_fen,
            department_id=bill.department_id,
        )
    )
    return SettleOutcome.SETTLED


def refresh_from_channel(platform: Platform, gateways: Gateways, order_number: str, *, via: str = "query") -> str:
    """Asks the channel about a pending order (a notification may be late or lost)."""
    with platform.db.session() as session:
        order = find_order(session, order_number)
        if order.status != OrderStatus.PENDING:
            return SettleOutcome.ALREADY
        channel, number = order.channel, order.number
    event = gateways.get(channel).query(number)
    if event is None:
        return SettleOutcome.IGNORED
    with platform.uow(system_actor("payments-query")) as uow:
        row = find_order(uow.session, number)
        outcome = apply_event(uow, row, event, via=via)
    if outcome == SettleOutcome.SETTLED:
        receipts.registrar_for(platform).register()
    return outcome


def poll_pending(
    platform: Platform, gateways: Gateways, *, older_than_seconds: int, limit: int = 500
) -> dict[str, int]:
    """Queries every order pending for longer than ``older_than_seconds`` (lost notifications)."""
    cutoff = platform.clock.now() - dt.timedelta(seconds=older_than_seconds)
    with platform.db.session() as session:
        numbers = list(
            session.scalars(
                select(PaymentOrder.number)
                .where(PaymentOrder.status == OrderStatus.PENDING, PaymentOrder.created_at <= cutoff)
                .order_by(PaymentOrder.id)
                .limit(limit)
            )
        )
    counts: dict[str, int] = {}
    for number in numbers:
        if not number:
            continue
        try:
            outcome = refresh_from_channel(platform, gateways, number)
        except AppError:
            outcome = "unavailable"
        counts[outcome] = counts.get(outcome, 0) + 1
    return counts


def orders_of_bill(session: Session, bill_id: int) -> list[PaymentOrder]:
    return list(session.scalars(select(PaymentOrder).where(PaymentOrder.bill_id == bill_id).order_by(PaymentOrder.id)))


def order_summary(order: PaymentOrder) -> Mapping[str, object]:
    return {"number": order.number, "status": order.status, "amount_fen": order.amount_fen, "channel": order.channel}
