"""The e-receipt as a PDF (weasyprint; Chinese set in WenQuanYi Zen Hei) with a QR code
(segno) that opens the public verification page."""

from __future__ import annotations

import base64
import datetime as dt
import io
from dataclasses import dataclass
from functools import lru_cache
from html import escape

import segno

from onevisit.payments.channels.wire import fen_to_yuan

CHINA = dt.timezone(dt.timedelta(hours=8))


@dataclass(frozen=True, slots=True)
class ReceiptDocument:
    number: str
    verify_url: str
    verify_code: str
    payer: str
    payee_zh: str
    payee_en: str
    items: list[tuple[str, int]]
    amount_fen: int
    channel: str
    issued_at: dt.datetime
    ledger_index: int | None


def qr_svg(data: str) -> str:
    out = io.BytesIO()
    segno.make(data, error="m").save(out, kind="svg", scale=3, border=2, xmldecl=False)
    return out.getvalue().decode()


_CSS = """
@page { size: A5 landscape; margin: 12mm; }
body { font-family: "WenQuanYi Zen Hei", sans-serif; font-size: 10pt; color: #111; }
h1 { font-size: 15pt; text-align: center; margin: 0 0 2mm; letter-spacing: 2pt; }
.sub { text-align: center; font-size: 8pt; margin-bottom: 4mm; }
table { width: 100%; border-collapse: collapse; }
td, th { border: 0.6pt solid #a33; padding: 1.5mm 2mm; text-align: left; }
th { background: #fbeeee; font-weight: normal; width: 22%; }
.amt { text-align: right; }
.qr { position: absolute; right: 0; top: 0; width: 28mm; text-align: center; font-size: 6.5pt; }
.qr img { width: 26mm; height: 26mm; }
.foot { margin-top: 4mm; font-size: 7.5pt; color: #444; }
"""


@lru_cache(maxsize=1)
def _fonts() -> object:
    from weasyprint.text.fonts import FontConfiguration  # type: ignore[import-untyped]

    return FontConfiguration()


def receipt_html(doc: ReceiptDocument) -> str:
    qr = base64.b64encode(qr_svg(doc.verify_url).encode()).decode()
    rows = "".join(
        f"<tr><td>{escape(name)}</td><td class='amt'>¥{fen_to_yuan(fen)}</td></tr>" for name, fen in doc.items
    )
    issued = doc.issued_at.astimezone(CHINA).strftime("%Y-%m-%d %H:%M")
    ledger = f"{doc.ledger_index}" if doc.ledger_index is not None and doc.ledger_index >= 0 else "—"
    return f"""<!doctype html><html lang="zh-Hans"><head><meta charset="utf-8"><style>{_CSS}</style></head><body>
<div class="qr"><img src="data:image/svg+xml;base64,{qr}" alt="QR"><br>校验码 {escape(doc.verify_code)}</div>
<h1>浙江省非税收入统一票据（电子）</h1>
<div class="sub">Zhejiang fiscal e-receipt · 票据号码 No. {escape(doc.number)}</div>
<table>
<tr><th>交款人 Payer</th><td colspan="1">{escape(doc.payer)}</td></tr>
<tr><th>收款单位 Payee</th><td>{escape(doc.payee_zh)}<br><small>{escape(doc.payee_en)}</small></td></tr>
<tr><th>开票日期 Issued</th><td>{issued} (UTC+8) · {escape(doc.channel)}</td></tr>
</table>
<table style="margin-top:3mm"><tr><th>项目 Item</th><th class="amt">金额 Amount (CNY)</th></tr>{rows}
<tr><th>合计 Total</th><th class="amt">¥{fen_to_yuan(doc.amount_fen)}</th></tr></table>
<div class="foot">扫码或访问 {escape(doc.verify_url)} 查验真伪 · Scan or visit to verify ·
账本 receipts 日志索引 ledger index {ledger}</div>
</body></html>"""


def render_pdf(doc: ReceiptDocument) -> bytes:
    from weasyprint import HTML  # type: ignore[import-untyped]

    pdf: bytes = HTML(string=receipt_html(doc)).write_pdf(font_config=_fonts())
    return pdf
