"""Payments: bills, payment orders through channel adapters, exactly-once settlement,
fiscal e-receipts on the ledger, department settlement and daily reconciliation.

The public face other modules use::

    from onevisit import payments

    bill = payments.create_bill(uow, kind=payments.BillKind.SERVICE_FEE, department_id=...,
                                payer_person_id=..., title="...", items=[("...", 2000)],
                                source="applications", reference="APP-123")

``payments.settled`` (``PaymentSettled``) is emitted once per settled bill. See ``docs/payments.md``.
"""

from onevisit.payments.events import PaymentSettled, RefundCompleted
from onevisit.payments.models import BillKind, BillStatus
from onevisit.payments.services.bills import BillItem, create_bill

__all__ = [
    "BillItem",
    "BillKind",
    "BillStatus",
    "PaymentSettled",
    "RefundCompleted",
    "create_bill",
]
