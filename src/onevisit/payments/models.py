"""Payment tables: bills, orders, notifications, refunds, receipts, settlement, reconciliation.

Every amount is an integer number of fen (1 yuan = 100 fen), never a float.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from onevisit.kernel.db import Base, BigId, UTCDateTime


class BillKind(enum.StrEnum):
    SERVICE_FEE = "service_fee"
    TRAFFIC_FINE = "traffic_fine"
    UTILITY = "utility"
    SOCIAL_INSURANCE = "social_insurance"
    TAX = "tax"
    MEDICAL = "medical"
    CLAWBACK = "clawback"  # a payout found wrong, to be paid back (policies)


class BillStatus(enum.StrEnum):
    OUTSTANDING = "outstanding"
    PAID = "paid"
    CANCELLED = "cancelled"


class OrderStatus(enum.StrEnum):
    PENDING = "pending"  # sent to the channel, waiting for the payer
    PAID = "paid"  # settled (exactly once)
    CLOSED = "closed"  # the payer cancelled or the channel declined; nothing was taken


class RefundStatus(enum.StrEnum):
    PENDING = "pending"
    DONE = "done"
    FAILED = "failed"


class Bill(Base):
    __tablename__ = "payment_bills"
    __table_args__ = (UniqueConstraint("source", "reference"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    number: Mapped[str] = mapped_column(String(24), unique=True)
    #: Shared with whoever pays on the payer's behalf (printed on the notice, sent by SMS).
    pay_code: Mapped[str] = mapped_column(String(8))
    kind: Mapped[str] = mapped_column(String(24))
    department_id: Mapped[int] = mapped_column(BigId, ForeignKey("departments.id"), index=True)
    payer_person_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("persons.id"), index=True)
    payer_enterprise_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("enterprises.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    items: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16), default=BillStatus.OUTSTANDING)
    due_on: Mapped[dt.date | None] = mapped_column(Date)
    #: Who created it and their reference (``applications``/``APP-123``): unique, so creating
    #: the same bill twice returns the first.
    source: Mapped[str] = mapped_column(String(32))
    reference: Mapped[str] = mapped_column(String(64))
    paid_order_id: Mapped[int | None] = mapped_column(BigId)
    paid_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class PaymentOrder(Base):
    __tablename__ = "payment_orders"
    __table_args__ = (
        UniqueConstraint("requested_by", "idempotency_key"),
        Index("ix_payment_orders_status_created_at", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    bill_id: Mapped[int] = mapped_column(BigId, ForeignKey("payment_bills.id"), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16), default=OrderStatus.PENDING)
    #: ``account:12`` (or ``system:…``): the idempotency key's scope.
    requested_by: Mapped[str] = mapped_column(String(64))
    payer_account_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("accounts.id"))
    idempotency_key: Mapped[str] = mapped_column(String(64))
    request_hash: Mapped[str] = mapped_column(String(64))
    pay_url: Mapped[str] = mapped_column(String(1000), default="")
    channel_trade_no: Mapped[str | None] = mapped_column(String(64))
    #: The channel's own time of payment (reconciliation is by the channel's day).
    channel_paid_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    #: True when the bill had already been paid by another order: this one is refunded.
    duplicate: Mapped[bool] = mapped_column(Boolean, default=False)
    refunded_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    settled_via: Mapped[str | None] = mapped_column(String(16))  # notification / query
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    settled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class Notification(Base):
    """Every notification a channel sent us, accepted or not (forgeries are evidence)."""

    __tablename__ = "payment_notifications"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    channel: Mapped[str] = mapped_column(String(16))
    notify_id: Mapped[str | None] = mapped_column(String(64))
    order_number: Mapped[str | None] = mapped_column(String(64), index=True)
    outcome: Mapped[str] = mapped_column(String(16))  # settled, closed, duplicate, rejected
    reason: Mapped[str | None] = mapped_column(String(64))
    body_sha256: Mapped[str] = mapped_column(String(64))
    ip: Mapped[str | None] = mapped_column(String(45))
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)


class AcceptedNotification(Base):
    """A verified notification's id: the same id twice is a replay and changes nothing."""

    __tablename__ = "payment_notification_ids"

    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    notify_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class Refund(Base):
    __tablename__ = "payment_refunds"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    order_id: Mapped[int] = mapped_column(BigId, ForeignKey("payment_orders.id"), index=True)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), default=RefundStatus.PENDING)
    channel_refund_no: Mapped[str | None] = mapped_column(String(64))
    channel_refunded_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    completed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    #: ``[{"department_id": 3, "amount_fen": 500}, …]``: what each payee department gives
    #: back (their settlement entries when the channel confirms); None before 0012 (all
    #: from the bill's department) and for a duplicate payment (it never reached one).
    shares: Mapped[list[dict[str, int]] | None] = mapped_column(JSON)


class Receipt(Base):
    """A fiscal e-receipt (财政电子票据) for one settled payment."""

    __tablename__ = "payment_receipts"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    number: Mapped[str] = mapped_column(String(24), unique=True)
    verify_code: Mapped[str] = mapped_column(String(16))
    order_id: Mapped[int] = mapped_column(BigId, ForeignKey("payment_orders.id"), unique=True)
    bill_id: Mapped[int] = mapped_column(BigId, ForeignKey("payment_bills.id"), unique=True)
    payer_name: Mapped[str] = mapped_column(String(128))
    department_id: Mapped[int] = mapped_column(BigId, ForeignKey("departments.id"))
    items: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    channel: Mapped[str] = mapped_column(String(16))
    issued_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    #: SHA-256 of the receipt's canonical record, as registered on the ledger.
    digest: Mapped[str] = mapped_column(String(64))
    ledger_index: Mapped[int | None] = mapped_column(BigInteger, index=True)


class ReceiptClaim(Base):
    """An insurer's or employer's reimbursement claim: one per receipt, ever."""

    __tablename__ = "payment_receipt_claims"

    receipt_id: Mapped[int] = mapped_column(BigId, ForeignKey("payment_receipts.id"), primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(BigId, ForeignKey("enterprises.id"), index=True)
    claim_reference: Mapped[str] = mapped_column(String(64))
    claimed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    ledger_index: Mapped[int | None] = mapped_column(BigInteger)


class SettlementEntry(Base):
    """Double-entry-style journal of money owed to each department: one row per payee
    department of a payment (positive) and of a refund (negative) — one for most bills,
    one per department for a bundle's; a department's balance is their sum."""

    __tablename__ = "payment_settlement_entries"
    __table_args__ = (UniqueConstraint("kind", "source_id", "department_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    department_id: Mapped[int] = mapped_column(BigId, ForeignKey("departments.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # payment / refund
    source_id: Mapped[int] = mapped_column(BigId)  # order id / refund id
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class Reconciliation(Base):
    __tablename__ = "payment_reconciliations"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    channel: Mapped[str] = mapped_column(String(16))
    statement_date: Mapped[dt.date] = mapped_column(Date, index=True)
    run_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    statement_lines: Mapped[int] = mapped_column(Integer)
    matched: Mapped[int] = mapped_column(Integer)
    mismatches: Mapped[int] = mapped_column(Integer)
    statement_sha256: Mapped[str] = mapped_column(String(64))


class Mismatch(Base):
    __tablename__ = "payment_mismatches"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    reconciliation_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("payment_reconciliations.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))  # missing, extra, amount
    entry_type: Mapped[str] = mapped_column(String(16))  # payment / refund
    reference: Mapped[str] = mapped_column(String(64))
    platform_fen: Mapped[int | None] = mapped_column(BigInteger)
    channel_fen: Mapped[int | None] = mapped_column(BigInteger)
    detail: Mapped[str] = mapped_column(Text, default="")


class Payout(Base):
    """Money going OUT: a department pays an enterprise (a subsidy, a refund of contributions).

    The counterpart of a settled order: one per ``(source, reference)``, a negative entry
    in the settlement journal (kind ``payout``), and a fiscal payment notice (number,
    verification code, digest registered on the ledger's ``receipts`` log)."""

    __tablename__ = "payment_payouts"
    __table_args__ = (UniqueConstraint("source", "reference"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    number: Mapped[str] = mapped_column(String(24), unique=True)
    department_id: Mapped[int] = mapped_column(BigId, ForeignKey("departments.id"), index=True)
    payee_enterprise_id: Mapped[int] = mapped_column(BigId, ForeignKey("enterprises.id"), index=True)
    payee_name: Mapped[str] = mapped_column(String(128))
    #: The enterprise's settlement account as the treasury knows it, masked.
    payee_account: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(200))
    items: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    source: Mapped[str] = mapped_column(String(32))
    reference: Mapped[str] = mapped_column(String(64))
    verify_code: Mapped[str] = mapped_column(String(16))
    paid_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    #: SHA-256 of the notice's canonical record, as registered on the ledger.
    digest: Mapped[str] = mapped_column(String(64))
    ledger_index: Mapped[int | None] = mapped_column(BigInteger, index=True)
