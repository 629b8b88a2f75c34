"""How payment records appear on screens: labels, yuan amounts, receipt documents."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy.orm import Session

from onevisit.identity.models import Department
from onevisit.kernel.i18n import N_
from onevisit.payments.channels.wire import fen_to_yuan
from onevisit.payments.documents import ReceiptDocument
from onevisit.payments.models import Receipt

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


def yuan(fen: int) -> str:
    return "¥" + fen_to_yuan(fen)


def receipt_document(session: Session, receipt: Receipt, *, base_url: str) -> ReceiptDocument:
    department = session.get(Department, receipt.department_id)
    return ReceiptDocument(
        number=receipt.number,
        verify_url=verify_url(base_url, receipt),
        verify_code=receipt.verify_code,
        payer=receipt.payer_name,
        payee_zh=department.name_zh if department else "",
        payee_en=department.name_en if department else "",
        items=[(i["name"], int(i["amount_fen"])) for i in receipt.items],
        amount_fen=receipt.amount_fen,
        channel=receipt.channel,
        issued_at=receipt.issued_at,
        ledger_index=receipt.ledger_index,
    )


def verify_url(base_url: str, receipt: Receipt) -> str:
    return f"{base_url.rstrip('/')}/receipts/verify/{receipt.number}?code={receipt.verify_code}"
