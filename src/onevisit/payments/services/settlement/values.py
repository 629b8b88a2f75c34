"""Settlement value types: outcomes, items, results and the order and bill facts a batch reads."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

from onevisit.payments.channels.wire import ChannelEvent


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


class _BillFacts(NamedTuple):
    """What a receipt and the event need of the bill (read with the settling UPDATE)."""

    id: int
    number: str
    kind: str
    source: str
    reference: str
    department_id: int
    items: list[dict[str, Any]]
    payer_person_id: int | None
    payer_enterprise_id: int | None
    payer_name: str


@dataclass(frozen=True, slots=True)
class _Order:
    id: int
    number: str
    channel: str
    amount_fen: int
    bill_id: int


def _ip(item: SettleItem) -> str | None:
    return item.received.ip if item.received is not None else None
