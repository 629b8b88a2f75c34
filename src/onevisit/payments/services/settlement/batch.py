"""The settling batch: one transaction applying verified channel events exactly once."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from onevisit.kernel import journal
from onevisit.kernel.rows import Rows, pg_array
from onevisit.kernel.uow import UnitOfWork
from onevisit.payments.channels.wire import CLOSED, PAID
from onevisit.payments.events import PaymentSettled
from onevisit.payments.models import RefundStatus
from onevisit.payments.services.payees import apportion, payee_shares
from onevisit.payments.services.receipts import digest_of, receipt_number, receipt_record, verify_code
from onevisit.payments.services.settlement.sql import (
    CLOSE_ORDERS_PG,
    ENTRY_COLUMNS,
    NOTIFICATION_COLUMNS,
    RECEIPT_COLUMNS,
    TAKE_BILL,
    TAKE_BILLS_PG,
    _payer_names,
)
from onevisit.payments.services.settlement.values import (
    Result,
    SettleItem,
    SettleOutcome,
    _BillFacts,
    _ip,
    _Order,
)

log = logging.getLogger("onevisit.payments")


class _Batch:
    def __init__(self, uow: UnitOfWork, items: Sequence[SettleItem]) -> None:
        self.uow = uow
        self.session = uow.session
        self.items = items
        self.now = uow.clock.now()
        self.results: list[Result | None] = [None] * len(items)
        self.audits: list[journal.AuditEntry] = []
        self.orders: dict[str, _Order] = {}
        self.db = Rows(uow.session)
        self.entries: list[tuple[Any, ...]] = []
        self.receipts: list[tuple[Any, ...]] = []
        self.events: list[PaymentSettled] = []

    def run(self) -> list[Result]:
        live = self.accept_once(self.check_against_orders())
        paid = [i for i in live if self.items[i].event.status == PAID]
        closed = [i for i in live if self.items[i].event.status == CLOSED]
        if paid:
            self.write_settlements(self.settle_paid(paid))
        if closed:
            self.close(closed)
        with self.db.pipeline():  # what is left only writes: one round trip
            if self.entries:
                self.db.insert("payment_settlement_entries", ENTRY_COLUMNS, self.entries)
                self.db.insert("payment_receipts", RECEIPT_COLUMNS, self.receipts)
                journal.emit_many(self.uow, self.events, rows=self.db)
            journal.audit_many(self.uow, self.audits, rows=self.db)
            self.record_notifications()
        return [r if r is not None else Result(SettleOutcome.IGNORED) for r in self.results]

    def order_of(self, i: int) -> _Order:
        return self.orders[self.items[i].event.order_number]

    def check_against_orders(self) -> list[int]:
        """The orders exist, on these channels, for these amounts; positions still live."""
        numbers = sorted({item.event.order_number for item in self.items})
        where, params = self.db.where_in("number", numbers)
        self.orders = {
            row[1]: _Order(*row)
            for row in self.db.all(
                f"SELECT id, number, channel, amount_fen, bill_id FROM payment_orders WHERE {where}",  # noqa: S608 - placeholders only
                params,
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
            for channel, notify_id in self.db.insert(
                "payment_notification_ids",
                (("channel", "text"), ("notify_id", "text"), ("received_at", "time")),
                [(c, n, self.now) for c, n in keys],
                on_conflict="(channel, notify_id) DO NOTHING",
                returning="channel, notify_id",
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

    def _mark_paid(self, ids: list[int], first: dict[int, int]) -> set[int]:
        """``UPDATE payment_orders … WHERE status <> 'paid'``: the orders this batch won."""
        db, now = self.db, self.now
        events = [self.items[first[o]] for o in ids]
        if db.pg:
            rows = db.all(
                "UPDATE payment_orders AS o SET status = 'paid', channel_trade_no = v.trade_no, "
                "channel_paid_at = v.paid_at, settled_via = v.via, settled_at = %s "
                "FROM unnest(%s::bigint[], %s::text[], %s::timestamptz[], %s::text[]) AS v(id, trade_no, paid_at, via) "
                "WHERE o.id = v.id AND o.status <> 'paid' RETURNING o.id",
                [
                    now,
                    pg_array(ids, "int"),
                    pg_array([e.event.trade_no for e in events], "text"),
                    pg_array([e.event.at for e in events], "time"),
                    pg_array([e.via for e in events], "text"),
                ],
            )
            return {int(r[0]) for r in rows}
        won: set[int] = set()
        for order_id, item in zip(ids, events, strict=True):
            won.update(
                int(r[0])
                for r in db.all(
                    "UPDATE payment_orders SET status = 'paid', channel_trade_no = %s, channel_paid_at = %s, "
                    "settled_via = %s, settled_at = %s WHERE id = %s AND status <> 'paid' RETURNING id",
                    [item.event.trade_no, db.time(item.event.at), item.via, db.time(now), order_id],
                )
            )
        return won

    def _take_bills(self, claim: dict[int, int]) -> dict[int, tuple[Any, ...]]:
        """``UPDATE payment_bills … WHERE status = 'outstanding'``: each bill to one order."""
        db, now = self.db, self.now
        bill_ids = sorted(claim)
        if db.pg:
            rows = db.all(
                TAKE_BILLS_PG, [now, pg_array(bill_ids, "int"), pg_array([claim[b] for b in bill_ids], "int")]
            )
        else:
            rows = []
            for bill_id in bill_ids:
                rows += db.all(TAKE_BILL, [claim[bill_id], db.time(now), bill_id])
            persons, enterprises = _payer_names(db, rows)
            rows = [(*r, persons.get(r[7], "") if r[7] is not None else enterprises.get(r[8], "")) for r in rows]
        return {int(r[0]): (*r[:6], db.json_out(r[6]), *r[7:]) for r in rows}

    def settle_paid(self, paid: list[int]) -> list[tuple[int, _Order, Any]]:
        """Orders, then bills, by conditional updates; the settled (position, order, bill)."""
        first: dict[int, int] = {}  # order id -> the position that settles it
        for i in paid:
            first.setdefault(self.order_of(i).id, i)
        ids = sorted(first)
        won = self._mark_paid(ids, first)
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
        bills = self._take_bills(claim)
        settled: list[tuple[int, _Order, Any]] = []
        for order in winners:
            i = first[order.id]
            bill = bills.get(order.bill_id)
            if bill is not None and claim[order.bill_id] == order.id:
                self.results[i] = Result(SettleOutcome.SETTLED)
                settled.append((i, order, _BillFacts(*bill)))
            else:
                self.refund_duplicate(order, self.items[i])
                self.results[i] = Result(SettleOutcome.DUPLICATE_PAYMENT)
        return settled

    def refund_duplicate(self, order: _Order, item: SettleItem) -> None:
        """Paid twice (two channels, two tabs): the money goes back, the bill stays settled once."""
        db, now = self.db, self.now
        db.run(
            "UPDATE payment_orders SET duplicate = %s, refunded_fen = %s WHERE id = %s",
            [True, order.amount_fen, order.id],
        )
        db.insert(
            "payment_refunds",
            (
                ("number", "text"),
                ("order_id", "int"),
                ("amount_fen", "int"),
                ("reason", "text"),
                ("status", "text"),
                ("created_at", "time"),
            ),
            [
                (
                    f"R{now:%y%m%d}{order.id:012d}D",
                    order.id,
                    order.amount_fen,
                    "duplicate payment: the bill was already paid",
                    str(RefundStatus.PENDING),
                    now,
                )
            ],
        )
        found = db.all("SELECT number FROM payment_bills WHERE id = %s", [order.bill_id])
        self.audits.append(
            journal.AuditEntry(
                "payments.duplicate_payment",
                "order",
                order.number,
                {"bill": found[0][0] if found else None, "via": item.via},
                _ip(item),
            )
        )

    def close(self, closed: list[int]) -> None:
        """A "closed" counts only for a pending order (a late one after "paid" is ignored)."""
        db = self.db
        ids = sorted({self.order_of(i).id for i in closed})
        done: set[int] = set()
        if db.pg:
            done = {int(r[0]) for r in db.all(CLOSE_ORDERS_PG, [pg_array(ids, "int")])}
        else:
            for order_id in ids:
                done.update(
                    int(r[0])
                    for r in db.all(
                        "UPDATE payment_orders SET status = 'closed' WHERE id = %s AND status = 'pending' RETURNING id",
                        [order_id],
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

    def write_settlements(self, settled: list[tuple[int, _Order, _BillFacts]]) -> None:
        """The payee departments' entries, the receipt and the event of each settled payment.

        One entry per payee department (one for most bills): rows in the same multi-row
        INSERT, so a bundle costs no more statements than a single-payee bill."""
        if not settled:
            return
        uow, now = self.uow, self.now
        secret = uow.platform.settings.secret_key
        issued = now.replace(microsecond=0)
        entries, receipts, events = [], [], []
        for i, order, bill in settled:
            number = receipt_number(issued, order.id)
            payer = bill.payer_name
            lines = list(bill.items)
            record = receipt_record(
                number=number,
                amount_fen=order.amount_fen,
                department_id=bill.department_id,
                issued_at=issued,
                items=lines,
                payer=payer,
            )
            for department_id, share in apportion(order.amount_fen, payee_shares(lines, bill.department_id)):
                entries.append((department_id, "payment", order.id, share, now))
            receipts.append(
                (
                    number,
                    verify_code(secret, number),
                    order.id,
                    bill.id,
                    payer,
                    bill.department_id,
                    lines,
                    order.amount_fen,
                    order.channel,
                    issued,
                    digest_of(record),
                )
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
        self.entries, self.receipts, self.events = entries, receipts, events

    def record_notifications(self) -> None:
        """Every notification, whatever became of it (forgeries and replays are evidence)."""
        self.db.insert(
            "payment_notifications",
            NOTIFICATION_COLUMNS,
            [
                (
                    item.event.channel,
                    item.event.notify_id,
                    item.event.order_number,
                    result.outcome,
                    result.reason,
                    item.received.body_sha256,
                    item.received.ip,
                    self.now,
                )
                for item, result in zip(self.items, self.results, strict=True)
                if item.received is not None and result is not None
            ],
        )
