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
5. one multi-row INSERT each for the settlement entries (one per payee department: a
   bundle's bill pays each department its items' sum), the receipts, the audit records,
   the ``payments.settled`` events and the notification records.

All or nothing: a crash before commit leaves every order pending, and the channel's retry,
the poll or reconciliation settles it later, once. A late "closed" after "paid" is ignored.
"""

from __future__ import annotations

from collections.abc import Sequence

from onevisit.kernel.uow import UnitOfWork
from onevisit.payments.services.settlement.batch import _Batch
from onevisit.payments.services.settlement.values import Received, Result, SettleItem, SettleOutcome

__all__ = [
    "Received",
    "Result",
    "SettleItem",
    "SettleOutcome",
    "settle_events",
]


def settle_events(uow: UnitOfWork, items: Sequence[SettleItem]) -> list[Result]:
    """Applies verified events exactly once; one :class:`Result` per item, in order."""
    return _Batch(uow, items).run()
