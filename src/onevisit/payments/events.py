"""Payment events (announced after the transaction that caused them commits)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from onevisit.kernel.events import Event


@dataclass(frozen=True, slots=True)
class PaymentSettled(Event):
    """A bill is paid: emitted exactly once per bill (``applications`` subscribes)."""

    name: ClassVar[str] = "payments.settled"
    bill_number: str
    order_number: str
    receipt_number: str
    kind: str
    source: str
    reference: str
    amount_fen: int
    department_id: int


@dataclass(frozen=True, slots=True)
class RefundCompleted(Event):
    name: ClassVar[str] = "payments.refund_completed"
    refund_number: str
    order_number: str
    amount_fen: int
