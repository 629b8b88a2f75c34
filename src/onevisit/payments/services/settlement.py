"""Exactly-once settlement of verified channel events, many in one transaction.

Every path that learns of a payment — notifications (grouped per process, see
``notifications``), the payer's return, ``payments poll``, reconciliation — ends here with a
list of events whose signature and freshness were already checked. In one transaction:

1. the orders are read by number; an event for no order, another channel or another amount
   is refused and changes nothing;
2. a notification's id is inserted (``ON CONFLICT DO NOTHING``): a replay, or its twin in
   the same batch, inserts nothing and changes nothing;
3. ``UPDATE payment_orders … WHERE id IN (…) AND status <> 'paid' RETURNING id`` — the row
   lock (PostgreSQL) or the write lock (SQLite) makes exactly one transaction win each
   order; the others see it paid (``already``);
4. ``UPDATE payment_bills … WHERE id IN (…) AND status = 'outstanding' RETURNING …`` — a
   bill goes to exactly one order; an order whose bill went to another (the payer paid
   twice, on two channels) is marked a duplicate and refunded in full;
5. one multi-row INSERT each for the settlement entries, the receipts, the audit records,
   the ``payments.settled`` events and the notification records.

All or nothing: a crash before commit leaves every order pending, and the channel's retry,
the poll or reconciliation settles it later, once. A late "closed" after "paid" is ignored.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import case, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from onevisit.identity.models import Enterprise, Person
from onevisit.kernel.uow import UnitOfWork
from onevisit.payments.channels.wire import CLOSED, PAID, ChannelEvent
from onevisit.payments.events import PaymentSettled
from onevisit.payments.models import (
    AcceptedNotification,
    Bill,
    BillStatus,
    Notification,
    OrderStatus,
    PaymentOrder,
    Receipt,
    Refund,
    RefundStatus,
    SettlementEntry,
)
from onevisit.payments.services import journal
from onevisit.payments.services.receipts import digest_of, receipt_number, receipt_record, verify_code

log = logging.getLogger("onevisit.payments")


class SettleOutcome:
    SETTLED = "settled"
    DUPLICATE_PAYMENT = "duplicate_payment"  # the bill was paid by another order: refunding
    ALREADY = "already"  # this order was settled before: nothing changes
    CLOSED = "closed"
    IGNORED = "ignored"  # a late "closed" for a paid order, or a closed order closed again
    DUPLICATE = "duplicate"  # a notification id seen before (a replay): nothing changes
    REJECTED = "rejected"


@dataclass(frozen=True, slots=True)
class Received:
    """Where a notification came from, for its record (``payment_notifications``)."""

    body_sha256: str
    ip: str | None


@dataclass(frozen=True, slots=True)
class SettleItem:
    event: ChannelEvent
    #: ``notification``, ``query`` or ``reconciliation`` (kept on the order as settled_via)
    via: str
    #: set for notifications: their id is accepted once, and each is recorded
    received: Received | None = None


@dataclass(frozen=True, slots=True)
class Result:
    outcome: str
    reason: str | None = None  # why it was refused: order, channel, amount

    @property
    def accepted(self) -> bool:
        return self.outcome != SettleOutcome.REJECTED


@dataclass(frozen=True, slots=True)
class _Order:
    id: int
    number: str
    channel: str
    amount_fen: int
    bill_id: int


def _ip(item: SettleItem) -> str | None:
    return item.received.ip if item.received is not None else None


def insert_ignoring_conflicts(session: Session, model: Any) -> Any:
    """``INSERT … ON CONFLICT … DO NOTHING`` in the session's dialect (both have it)."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    return dialect.insert(model)


def settle_events(uow: UnitOfWork, items: Sequence[SettleItem]) -> list[Result]:
    """Applies verified events exactly once; one :class:`Result` per item, in order."""
    return _Batch(uow, items).run()


class _Batch:
    def __init__(self, uow: UnitOfWork, items: Sequence[SettleItem]) -> None:
        self.uow = uow
        self.session = uow.session
        self.items = items
        self.now = uow.clock.now()
        self.results: list[Result | None] = [None] * len(items)
        self.audits: list[journal.AuditEntry] = []
        self.orders: dict[str, _Order] = {}

    def run(self) -> list[Result]:
        live = self.accept_once(self.check_against_orders())
        paid = [i for i in live if self.items[i].event.status == PAID]
        closed = [i for i in live if self.items[i].event.status == CLOSED]
        if paid:
            self.write_settlements(self.settle_paid(paid))
        if closed:
            self.close(closed)
        journal.audit_many(self.uow, self.audits)
        self.record_notifications()
        return [r if r is not None else Result(SettleOutcome.IGNORED) for r in self.results]

    def order_of(self, i: int) -> _Order:
        return self.orders[self.items[i].event.order_number]

    def check_against_orders(self) -> list[int]:
        """The orders exist, on these channels, for these amounts; positions still live."""
        numbers = sorted({item.event.order_number for item in self.items})
        self.orders = {
            row.number: _Order(row.id, row.number, row.channel, row.amount_fen, row.bill_id)
            for row in self.session.execute(
                select(
                    PaymentOrder.id,
                    PaymentOrder.number,
                    PaymentOrder.channel,
                    PaymentOrder.amount_fen,
                    PaymentOrder.bill_id,
                ).where(PaymentOrder.number.in_(numbers))
            )
        }
        live: list[int] = []
        for i, item in enumerate(self.items):
            event, order = item.event, self.orders.get(item.event.order_number)
            reason = (
                "order"
                if order is None
                else "channel"
                if event.channel != order.channel
                else "amount"
                if event.amount_fen != order.amount_fen
                else None
            )
            if reason is None:
                live.append(i)
                continue
            self.results[i] = Result(SettleOutcome.REJECTED, reason)
            if item.received is not None:
                log.warning("refused a %s notification: %s (order %s)", event.channel, reason, event.order_number)
                self.audits.append(
                    journal.AuditEntry(
                        "payments.notification_rejected",
                        "notification",
                        event.order_number,
                        {"channel": event.channel, "reason": reason},
                        item.received.ip,
                    )
                )
        return live

    def accept_once(self, live: list[int]) -> list[int]:
        """A notification id is accepted once: replays (and twins in this batch) stop here."""
        items = self.items
        keys = sorted({(items[i].event.channel, items[i].event.notify_id) for i in live if items[i].received})
        if not keys:
            return live
        fresh = {
            (str(channel), str(notify_id))
            for channel, notify_id in self.session.execute(
                insert_ignoring_conflicts(self.session, AcceptedNotification)
                .values([{"channel": c, "notify_id": n, "received_at": self.now} for c, n in keys])
                .on_conflict_do_nothing(index_elements=["channel", "notify_id"])
                .returning(AcceptedNotification.channel, AcceptedNotification.notify_id)
            )
        }
        kept: list[int] = []
        for i in live:
            key = (items[i].event.channel, items[i].event.notify_id)
            if items[i].received is not None:
                if key not in fresh:
                    self.results[i] = Result(SettleOutcome.DUPLICATE)
                    continue
                fresh.discard(key)  # its twin later in this batch is a replay
            kept.append(i)
        return kept

    def settle_paid(self, paid: list[int]) -> list[tuple[int, _Order, Any]]:
        """Orders, then bills, by conditional updates; the settled (position, order, bill)."""
        items, session, now = self.items, self.session, self.now
        first: dict[int, int] = {}  # order id -> the position that settles it
        for i in paid:
            first.setdefault(self.order_of(i).id, i)
        ids = sorted(first)
        won = set(
            session.scalars(
                update(PaymentOrder)
                .where(PaymentOrder.id.in_(ids), PaymentOrder.status != OrderStatus.PAID)
                .values(
                    status=OrderStatus.PAID,
                    channel_trade_no=case({o: items[first[o]].event.trade_no for o in ids}, value=PaymentOrder.id),
                    channel_paid_at=case({o: items[first[o]].event.at for o in ids}, value=PaymentOrder.id),
                    settled_via=case({o: items[first[o]].via for o in ids}, value=PaymentOrder.id),
                    settled_at=now,
                )
                .returning(PaymentOrder.id)
                .execution_options(synchronize_session=False)
            )
        )
        for i in paid:
            order = self.order_of(i)
            if order.id not in won or first[order.id] != i:
                self.results[i] = Result(SettleOutcome.ALREADY)
        winners = [self.order_of(first[o]) for o in ids if o in won]
        if not winners:
            return []
        claim: dict[int, int] = {}  # bill id -> the order that pays it
        for order in winners:
            claim.setdefault(order.bill_id, order.id)
        bills = {
            row.id: row
            for row in session.execute(
                update(Bill)
                .where(Bill.id.in_(sorted(claim)), Bill.status == BillStatus.OUTSTANDING)
                .values(status=BillStatus.PAID, paid_order_id=case(claim, value=Bill.id), paid_at=now)
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
            )
        }
        settled: list[tuple[int, _Order, Any]] = []
        for order in winners:
            i = first[order.id]
            bill = bills.get(order.bill_id)
            if bill is not None and claim[order.bill_id] == order.id:
                self.results[i] = Result(SettleOutcome.SETTLED)
                settled.append((i, order, bill))
            else:
                self.refund_duplicate(order, items[i])
                self.results[i] = Result(SettleOutcome.DUPLICATE_PAYMENT)
        return settled

    def refund_duplicate(self, order: _Order, item: SettleItem) -> None:
        """Paid twice (two channels, two tabs): the money goes back, the bill stays settled once."""
        session, now = self.session, self.now
        session.execute(
            update(PaymentOrder)
            .where(PaymentOrder.id == order.id)
            .values(duplicate=True, refunded_fen=order.amount_fen)
            .execution_options(synchronize_session=False)
        )
        session.execute(
            insert(Refund.__table__),  # type: ignore[arg-type]
            [
                {
                    "number": f"R{now:%y%m%d}{order.id:012d}D",
                    "order_id": order.id,
                    "amount_fen": order.amount_fen,
                    "reason": "duplicate payment: the bill was already paid",
                    "status": RefundStatus.PENDING,
                    "created_at": now,
                }
            ],
        )
        bill_number = session.scalar(select(Bill.number).where(Bill.id == order.bill_id))
        self.audits.append(
            journal.AuditEntry(
                "payments.duplicate_payment", "order", order.number, {"bill": bill_number, "via": item.via}, _ip(item)
            )
        )

    def close(self, closed: list[int]) -> None:
        """A "closed" counts only for a pending order (a late one after "paid" is ignored)."""
        ids = sorted({self.order_of(i).id for i in closed})
        done = set(
            self.session.scalars(
                update(PaymentOrder)
                .where(PaymentOrder.id.in_(ids), PaymentOrder.status == OrderStatus.PENDING)
                .values(status=OrderStatus.CLOSED)
                .returning(PaymentOrder.id)
                .execution_options(synchronize_session=False)
            )
        )
        for i in closed:
            order, item = self.order_of(i), self.items[i]
            if order.id in done:
                done.discard(order.id)
                self.results[i] = Result(SettleOutcome.CLOSED)
                self.audits.append(
                    journal.AuditEntry("payments.order_closed", "order", order.number, {"via": item.via}, _ip(item))
                )
            else:
                self.results[i] = Result(SettleOutcome.IGNORED)

    def write_settlements(self, settled: list[tuple[int, _Order, Any]]) -> None:
        """The department's entry, the receipt and the event of each settled payment."""
        if not settled:
            return
        uow, now = self.uow, self.now
        secret = uow.platform.settings.secret_key
        persons, enterprises = _payer_names(self.session, [bill for _, _, bill in settled])
        issued = now.replace(microsecond=0)
        entries, receipts, events = [], [], []
        for i, order, bill in settled:
            number = receipt_number(issued, order.id)
            payer = (
                persons.get(bill.payer_person_id, "")
                if bill.payer_person_id is not None
                else enterprises.get(bill.payer_enterprise_id, "")
            )
            lines = list(bill.items)
            record = receipt_record(
                number=number,
                amount_fen=order.amount_fen,
                department_id=bill.department_id,
                issued_at=issued,
                items=lines,
                payer=payer,
            )
            entries.append(
                {
                    "department_id": bill.department_id,
                    "kind": "payment",
                    "source_id": order.id,
                    "amount_fen": order.amount_fen,
                    "at": now,
                }
            )
            receipts.append(
                {
                    "number": number,
                    "verify_code": verify_code(secret, number),
                    "order_id": order.id,
                    "bill_id": bill.id,
                    "payer_name": payer,
                    "department_id": bill.department_id,
                    "items": lines,
                    "amount_fen": order.amount_fen,
                    "channel": order.channel,
                    "issued_at": issued,
                    "digest": digest_of(record),
                    "ledger_index": None,
                }
            )
            self.audits.append(
                journal.AuditEntry(
                    "payments.settled",
                    "order",
                    order.number,
                    {"bill": bill.number, "amount_fen": order.amount_fen, "via": self.items[i].via},
                    _ip(self.items[i]),
                )
            )
            events.append(
                PaymentSettled(
                    bill_number=bill.number,
                    order_number=order.number,
                    receipt_number=number,
                    kind=bill.kind,
                    source=bill.source,
                    reference=bill.reference,
                    amount_fen=order.amount_fen,
                    department_id=bill.department_id,
                )
            )
        self.session.execute(insert(SettlementEntry.__table__), entries)  # type: ignore[arg-type]
        self.session.execute(insert(Receipt.__table__), receipts)  # type: ignore[arg-type]
        journal.emit_many(uow, events)

    def record_notifications(self) -> None:
        """Every notification, whatever became of it (forgeries and replays are evidence)."""
        records = [
            {
                "channel": item.event.channel,
                "notify_id": item.event.notify_id,
                "order_number": item.event.order_number,
                "outcome": result.outcome,
                "reason": result.reason,
                "body_sha256": item.received.body_sha256,
                "ip": item.received.ip,
                "received_at": self.now,
            }
            for item, result in zip(self.items, self.results, strict=True)
            if item.received is not None and result is not None
        ]
        if records:
            self.session.execute(insert(Notification.__table__), records)  # type: ignore[arg-type]


def _payer_names(session: Session, bills: Sequence[Any]) -> tuple[dict[int, str], dict[int, str]]:
    people = sorted({b.payer_person_id for b in bills if b.payer_person_id is not None})
    firms = sorted({b.payer_enterprise_id for b in bills if b.payer_enterprise_id is not None})
    persons: dict[int, str] = {}
    enterprises: dict[int, str] = {}
    if people:
        persons = {
            int(i): str(n) for i, n in session.execute(select(Person.id, Person.name).where(Person.id.in_(people)))
        }
    if firms:
        enterprises = {
            int(i): str(n)
            for i, n in session.execute(select(Enterprise.id, Enterprise.name).where(Enterprise.id.in_(firms)))
        }
    return persons, enterprises
