"""How payment records appear on screens: labels, receipt documents (amounts: ``kernel.money``)."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy.orm import Session

from onevisit.identity.models import Department
from onevisit.kernel.i18n import N_
from onevisit.payments.documents import ReceiptDocument
from onevisit.payments.models import Receipt
from onevisit.payments.services import receipts

KIND_LABELS: Mapping[str, str] = {
    "service_fee": N_("Service fee"),
    "traffic_fine": N_("Traffic fine"),
    "utility": N_("Utility bill"),
    "social_insurance": N_("Social insurance contribution"),
    "tax": N_("Tax"),
    "medical": N_("Medical bill"),
    "clawback": N_("Repayment of a subsidy"),
}

STATUS_LABELS: Mapping[str, str] = {
    "outstanding": N_("To pay"),
    "paid": N_("Paid"),
    "cancelled": N_("Cancelled"),
    "pending": N_("Waiting for the channel"),
    "closed": N_("Not paid"),
}

CHANNEL_LABELS: Mapping[str, str] = {
    "alipay": N_("Alipay"),
    "wechat": N_("WeChat Pay"),
    "unionpay": N_("UnionPay"),
    "counter": N_("Bank counter"),
}


def receipt_document(session: Session, receipt: Receipt, *, base_url: str) -> ReceiptDocument:
    lines = receipts.lines_of(session, receipt)
    payees = receipts.payees_of(lines) or [d for d in [session.get(Department, receipt.department_id)] if d]
    several = len(payees) > 1
    return ReceiptDocument(
        number=receipt.number,
        verify_url=verify_url(base_url, receipt),
        verify_code=receipt.verify_code,
        payer=receipt.payer_name,
        payee_zh="、".join(d.name_zh for d in payees),
        payee_en="; ".join(d.name_en for d in payees),
        items=[(line.name, line.amount_fen) for line in lines],
        amount_fen=receipt.amount_fen,
        channel=receipt.channel,
        issued_at=receipt.issued_at,
        ledger_index=receipt.ledger_index,
        # a bundle's receipt says which department each item was paid to
        item_payees=tuple(line.payee.name_zh if line.payee else "" for line in lines) if several else (),
    )


def verify_url(base_url: str, receipt: Receipt) -> str:
    return f"{base_url.rstrip('/')}/receipts/verify/{receipt.number}?code={receipt.verify_code}"
