"""Payment orders: created once per idempotency key, registered at the channel, and
brought up to date by asking the channel.

Creating an order is one short transaction — read the bill, insert the order with
``ON CONFLICT (requested_by, idempotency_key) DO NOTHING``, its audit record — so the same
key, even sent concurrently, makes one order (the unique index decides; the loser reads
the winner's). Page-pay channels (Alipay, UnionPay) get the order signed into the payer's
URL; WeChat Pay and the bank counter register it first, server to server.

Settlement itself (exactly once, whichever way the news arrives) is in ``settlement``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from sqlalchemy import case, select, update
from sqlalchemy.orm import Session

from onevisit.kernel import groupcommit, journal
from onevisit.kernel.actors import Principal, system_actor
from onevisit.kernel.errors import AppError, Conflict, InvalidInput, NotFound
from onevisit.kernel.i18n import N_
from onevisit.kernel.platform import Platform
from onevisit.kernel.rows import Rows
from onevisit.kernel.uow import UnitOfWork
from onevisit.payments.channels.gateway import CreatedOrder, Gateways, gateways_for
from onevisit.payments.channels.wire import ChannelEvent
from onevisit.payments.errors import PaymentError
from onevisit.payments.models import BillStatus, OrderStatus, PaymentOrder
from onevisit.payments.services import receipts
from onevisit.payments.services.settlement import SettleItem, SettleOutcome, settle_events

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


def _may_pay(principal: Principal, bill: Any, pay_code: str | None) -> bool:
    """The payer, someone acting for the paying enterprise, or anyone with the pay code."""
    if bill.payer_person_id is not None and principal.person_id == bill.payer_person_id:
        return True
    if bill.payer_enterprise_id is not None and (
        bill.payer_enterprise_id in principal.enterprise_ids
        or principal.acting_for_enterprise_id == bill.payer_enterprise_id
    ):
        return True
    return pay_code is not None and hmac.compare_digest(pay_code.upper(), bill.pay_code)


@dataclass(frozen=True, slots=True)
class OrderRequest:
    """One payer's request for an order (already authenticated; the key already checked)."""

    principal: Principal
    bill_number: str
    channel: str
    idempotency_key: str
    pay_code: str | None = None
    ip: str | None = None

    @property
    def requested_by(self) -> str:
        return self.principal.label

    @property
    def digest(self) -> str:
        return request_hash(self.bill_number, self.channel)


ORDER_COLUMNS = (
    ("number", "text"),
    ("bill_id", "int"),
    ("channel", "text"),
    ("amount_fen", "int"),
    ("status", "text"),
    ("requested_by", "text"),
    ("payer_account_id", "int"),
    ("idempotency_key", "text"),
    ("request_hash", "text"),
    ("pay_url", "text"),
    ("duplicate", "bool"),
    ("refunded_fen", "int"),
    ("created_at", "time"),
)


def _insert_orders(db: Rows, orders: list[PaymentOrder]) -> dict[str, int]:
    """Inserts the orders whose idempotency key is new; number → id of those inserted."""
    inserted = db.insert(
        "payment_orders",
        ORDER_COLUMNS,
        [tuple(getattr(o, name) for name, _ in ORDER_COLUMNS) for o in orders],
        on_conflict="(requested_by, idempotency_key) DO NOTHING",
        returning="number, id",
    )
    return {str(number): int(order_id) for number, order_id in inserted}


BILLS_BY_NUMBER = (
    "SELECT id, number, title, amount_fen, status, pay_code, payer_person_id, payer_enterprise_id "
    "FROM payment_bills WHERE "
)


class _Bill(NamedTuple):
    id: int
    number: str
    title: str
    amount_fen: int
    status: str
    pay_code: str
    payer_person_id: int | None
    payer_enterprise_id: int | None


def _not_payable(bill: Any, request: OrderRequest) -> AppError:
    if bill is None or not _may_pay(request.principal, bill, request.pay_code):
        return NotFound(PaymentError.BILL_NOT_FOUND, N_("There is no bill with this number and pay code."))
    return Conflict(PaymentError.BILL_NOT_PAYABLE, N_("This bill has already been paid or was cancelled."))


@dataclass(frozen=True, slots=True)
class Made:
    order: PaymentOrder
    subject: str  # the bill's title, for the channel's page


def create_orders(uow: UnitOfWork, gateways: Gateways, requests: Sequence[OrderRequest]) -> list[Made | AppError]:
    """Creates the orders (or, for a repeated key and body, finds them), in one transaction:
    one read of the bills, one ``INSERT … ON CONFLICT (requested_by, idempotency_key) DO
    NOTHING``, one insert of the audit records. Page-pay orders get their signed URL here;
    the others are registered at the channel afterwards (:func:`register_at_channel`)."""
    session = uow.session
    now = uow.clock.now()
    db = Rows(session)
    where, params = db.where_in("number", sorted({r.bill_number for r in requests}))
    bills = {row[1]: _Bill(*row) for row in db.all(BILLS_BY_NUMBER + where, params)}
    results: list[Made | AppError | None] = [None] * len(requests)
    fresh: list[tuple[int, PaymentOrder]] = []
    later: list[int] = []  # positions answered by an existing order with their key
    keys: set[tuple[str, str]] = set()
    for i, request in enumerate(requests):
        bill = bills.get(request.bill_number)
        key = (request.requested_by, request.idempotency_key)
        if (
            bill is None
            or bill.status != BillStatus.OUTSTANDING
            or not _may_pay(request.principal, bill, request.pay_code)
            or key in keys
        ):
            later.append(i)
            continue
        keys.add(key)
        order = PaymentOrder(
            number=f"P{now:%y%m%d}{secrets.randbelow(10**14):014d}",
            bill_id=bill.id,
            channel=request.channel,
            amount_fen=bill.amount_fen,
            status=OrderStatus.PENDING,
            requested_by=request.requested_by,
            payer_account_id=request.principal.account_id,
            idempotency_key=request.idempotency_key,
            request_hash=request.digest,
            pay_url="",
            channel_trade_no=None,
            duplicate=False,
            refunded_fen=0,
            created_at=now,
        )
        adapter = gateways.get(request.channel)
        if adapter.page_pay:  # the signed URL is all there is to it: no call to make
            order.pay_url = _register(gateways, adapter, order, bill.title).pay_url
        fresh.append((i, order))
    inserted = _insert_orders(db, [o for _, o in fresh]) if fresh else {}
    audits = []
    for i, order in fresh:
        order_id = inserted.get(order.number)
        if order_id is None:  # the key was used before, or a moment ago by a twin request
            later.append(i)
            continue
        order.id = order_id
        request = requests[i]
        results[i] = Made(order, bills[request.bill_number].title)
        audits.append(
            journal.AuditEntry(
                "payments.order_created",
                "order",
                order.number,
                {"bill": request.bill_number, "channel": request.channel},
                request.ip,
                request.principal,
            )
        )
    journal.audit_many(uow, audits, rows=db)
    for i in sorted(later):
        request = requests[i]
        found = _existing(session, request.requested_by, request.idempotency_key)
        bill = bills.get(request.bill_number)
        if found is not None:
            results[i] = (
                Made(found, bill.title if bill is not None else "")
                if found.request_hash == request.digest
                else Conflict(
                    PaymentError.IDEMPOTENCY_KEY_REUSED,
                    N_("This Idempotency-Key was already used for a different request."),
                )
            )
        else:
            results[i] = _not_payable(bill, request)
    return [r for r in results if r is not None]


def needs_registration(order: PaymentOrder) -> bool:
    """WeChat Pay and the bank counter: the order must be registered at the channel first."""
    return not order.pay_url and order.status == OrderStatus.PENDING


def register_at_channel(gateways: Gateways, order: PaymentOrder, subject: str | None = None) -> CreatedOrder:
    """The signed server-to-server call that registers the order (idempotent there by
    order number, so a retry gets the same trade)."""
    return _register(gateways, gateways.get(order.channel), order, subject or "")


def record_registrations(uow: UnitOfWork, registered: Sequence[tuple[int, CreatedOrder]]) -> None:
    """Stores the channels' pay URLs and trade numbers, one statement for all."""
    ids = sorted({order_id for order_id, _ in registered})
    urls = dict(registered)
    uow.session.execute(
        update(PaymentOrder)
        .where(PaymentOrder.id.in_(ids))
        .values(
            pay_url=case({i: urls[i].pay_url for i in ids}, value=PaymentOrder.id),
            channel_trade_no=case({i: urls[i].trade_no for i in ids}, value=PaymentOrder.id),
        )
        .execution_options(synchronize_session=False)
    )


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
    the channel. The same key with a different body is refused (409). The web process does
    the same through :func:`start_payment_async`, sharing transactions (group commit)."""
    request = OrderRequest(principal, bill_number, channel, check_idempotency_key(idempotency_key), pay_code, ip)
    gateways.get(channel)
    with platform.uow(principal, ip=ip) as uow:
        made = create_orders(uow, gateways, [request])[0]
    if isinstance(made, AppError):
        raise made
    order = made.order
    if needs_registration(order):
        created = register_at_channel(gateways, order, made.subject)
        with platform.uow(principal, ip=ip) as uow:
            record_registrations(uow, [(order.id, created)])
        order.pay_url, order.channel_trade_no = created.pay_url, created.trade_no
    return order


def _create_batch(platform: Platform, requests: Sequence[OrderRequest]) -> list[Made | AppError]:
    with platform.uow(system_actor("payments-orders")) as uow:
        return create_orders(uow, gateways_for(platform), requests)


def _record_batch(platform: Platform, registered: Sequence[tuple[int, CreatedOrder]]) -> list[None]:
    with platform.uow(system_actor("payments-orders")) as uow:
        record_registrations(uow, registered)
    return [None] * len(registered)


async def start_payment_async(
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
    """:func:`start_payment` for the web process: orders requested together are created in
    one transaction, and so are the channels' pay URLs recorded together."""
    request = OrderRequest(principal, bill_number, channel, check_idempotency_key(idempotency_key), pay_code, ip)
    gateways.get(channel)
    made = await groupcommit.for_platform(platform, "orders", _create_batch).submit(request)
    order = made.order
    if needs_registration(order):
        created = await gateways.get(order.channel).create_order_async(**_order_fields(gateways, order, made.subject))
        recorder = groupcommit.for_platform(platform, "order-registrations", _record_batch)
        await recorder.submit((order.id, created))
        order.pay_url, order.channel_trade_no = created.pay_url, created.trade_no
    return order


def _order_fields(gateways: Gateways, order: PaymentOrder, subject: str) -> dict[str, Any]:
    return {
        "order_number": order.number,
        "amount_fen": order.amount_fen,
        "subject": subject,
        "notify_url": f"{gateways.notify_base}/api/v1/payments/notify/{order.channel}",
        "return_url": f"{gateways.return_base}/payments/orders/{order.number}/return",
    }


def _register(gateways: Gateways, adapter: Any, order: PaymentOrder, subject: str) -> CreatedOrder:
    created: CreatedOrder = adapter.create_order(**_order_fields(gateways, order, subject))
    return created


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


def check_event_matches(order: PaymentOrder, event: ChannelEvent) -> None:
    """The event is about this order, on this channel, for this amount: or nothing changes."""
    if event.channel != order.channel:
        raise AppError(PaymentError.NOTIFICATION_CHANNEL, N_("The notification came from the wrong channel."))
    if event.amount_fen != order.amount_fen:
        raise AppError(PaymentError.NOTIFICATION_AMOUNT, N_("The notified amount differs from the order's."))


def apply_event(uow: UnitOfWork, order: PaymentOrder, event: ChannelEvent, *, via: str) -> str:
    """Applies a verified, matching channel event to ``order`` (exactly once)."""
    check_event_matches(order, event)
    return settle_events(uow, [SettleItem(event, via)])[0].outcome


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
        result = settle_events(uow, [SettleItem(event, via)])[0]
    if not result.accepted:  # the channel's signed answer disagrees with the order
        if result.reason == "amount":
            raise AppError(PaymentError.NOTIFICATION_AMOUNT, N_("The notified amount differs from the order's."))
        raise AppError(PaymentError.NOTIFICATION_CHANNEL, N_("The notification came from the wrong channel."))
    outcome = result.outcome
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
