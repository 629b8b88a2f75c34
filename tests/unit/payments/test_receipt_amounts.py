"""The e-receipt shows amounts as every page does (``kernel.money``): ``¥24,080.00``."""

from __future__ import annotations

import datetime as dt

from onevisit.payments.documents import ReceiptDocument, receipt_html


def _doc(**changes: object) -> ReceiptDocument:
    fields: dict[str, object] = {
        "number": "R2026000001",
        "verify_url": "http://127.0.0.1/receipts/verify/R2026000001?code=ABCD",
        "verify_code": "ABCD",
        "payer": "王小明",
        "payee_zh": "浙江省税务局、浙江省自然资源厅",
        "payee_en": "Zhejiang Tax Service; Zhejiang Natural Resources",
        "items": [("契税", 2_400_000), ("不动产登记费", 8_000)],
        "amount_fen": 2_408_000,
        "channel": "alipay",
        "issued_at": dt.datetime(2026, 11, 20, 2, 0, tzinfo=dt.UTC),
        "ledger_index": 7,
        "item_payees": ("浙江省税务局", "浙江省自然资源厅"),
    }
    return ReceiptDocument(**{**fields, **changes})  # type: ignore[arg-type]


def test_a_bundle_receipt_groups_its_amounts() -> None:
    html = receipt_html(_doc())
    assert "<td class='amt'>¥24,000.00</td>" in html and "<td class='amt'>¥80.00</td>" in html
    assert "<th class='amt'>¥24,080.00</th>" in html
    assert "24080.00" not in html


def test_a_single_payee_receipt_too() -> None:
    html = receipt_html(_doc(items=[("交通违法罚款", 1_234_550)], amount_fen=1_234_550, item_payees=()))
    assert html.count("¥12,345.50") == 2  # the item and the total
