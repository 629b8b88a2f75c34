"""Pydantic shapes of the payments API (amounts are integers in fen, strictly)."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field, StrictInt

from onevisit.payments.channels.wire import CHANNELS
from onevisit.payments.models import Bill, PaymentOrder, Receipt


class BillItemOut(BaseModel):
    name: str
    amount_fen: int
    #: The department this item is paid to (a bundle's items); null: the bill's
    department_id: int | None = None


class BillOut(BaseModel):
    number: str
    kind: str
    title: str
    department_id: int
    items: list[BillItemOut]
    amount_fen: int
    status: str
    due_on: dt.date | None
    paid_at: dt.datetime | None

    @classmethod
    def of(cls, bill: Bill) -> BillOut:
        return cls(
            number=bill.number,
            kind=bill.kind,
            title=bill.title,
            department_id=bill.department_id,
            items=[BillItemOut(**i) for i in bill.items],
            amount_fen=bill.amount_fen,
            status=bill.status,
            due_on=bill.due_on,
            paid_at=bill.paid_at,
        )


class OrderIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    bill_number: str = Field(min_length=1, max_length=24)
    channel: str = Field(pattern="^(" + "|".join(CHANNELS) + ")$")
    pay_code: str | None = Field(default=None, max_length=8)


class OrderOut(BaseModel):
    number: str
    bill_number: str
    channel: str
    amount_fen: int
    status: str
    pay_url: str
    duplicate: bool
    refunded_fen: int

    @classmethod
    def of(cls, order: PaymentOrder, bill_number: str) -> OrderOut:
        return cls(
            number=order.number,
            bill_number=bill_number,
            channel=order.channel,
            amount_fen=order.amount_fen,
            status=order.status,
            pay_url=order.pay_url,
            duplicate=order.duplicate,
            refunded_fen=order.refunded_fen,
        )


class ReceiptOut(BaseModel):
    number: str
    payer: str
    department_id: int
    items: list[BillItemOut]
    amount_fen: int
    issued_at: dt.datetime
    ledger_index: int | None
    claimed: bool

    @classmethod
    def of(cls, receipt: Receipt, *, claimed: bool) -> ReceiptOut:
        return cls(
            number=receipt.number,
            payer=receipt.payer_name,
            department_id=receipt.department_id,
            items=[BillItemOut(**i) for i in receipt.items],
            amount_fen=receipt.amount_fen,
            issued_at=receipt.issued_at,
            ledger_index=receipt.ledger_index
            if receipt.ledger_index is not None and receipt.ledger_index >= 0
            else None,
            claimed=claimed,
        )


class ClaimIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=6, max_length=16)
    claim_reference: str = Field(min_length=1, max_length=64)


class ClaimOut(BaseModel):
    receipt: ReceiptOut
    enterprise_id: int
    claim_reference: str
    claimed_at: dt.datetime
    ledger_index: int | None


class RefundIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    amount_fen: StrictInt = Field(gt=0)
    reason: str = Field(min_length=1, max_length=200)
    #: Refund from this payee department only (a bundle's payment); by default from every
    #: payee in proportion to what each still holds. A department's administrators always
    #: refund from their own department.
    department_id: StrictInt | None = None


class RefundShareOut(BaseModel):
    department_id: int
    amount_fen: int


class RefundOut(BaseModel):
    number: str
    order_number: str
    amount_fen: int
    status: str
    #: What each payee department gives back
    shares: list[RefundShareOut]


class ReconcileIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    channel: str = Field(pattern="^(" + "|".join(CHANNELS) + ")$")
    day: dt.date


class MismatchOut(BaseModel):
    kind: str
    entry_type: str
    reference: str
    platform_fen: int | None
    channel_fen: int | None


class ReconciliationOut(BaseModel):
    id: int
    channel: str
    day: dt.date
    statement_lines: int
    matched: int
    repaired: int
    mismatches: list[MismatchOut]
