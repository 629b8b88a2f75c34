"""A certificate as a PDF (weasyprint; Chinese set in WenQuanYi Zen Hei) carrying a QR code.

The QR code holds the verification URL with the certificate's payload after ``#``: a phone
camera opens the public verification page, whose script hands the payload to the verifier
(a fragment is never sent to a server, so the claims stay out of access logs); the same
text works with ``onevisit credentials verify`` offline.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
from dataclasses import dataclass
from functools import lru_cache
from html import escape

import segno

CHINA = dt.timezone(dt.timedelta(hours=8))


@dataclass(frozen=True, slots=True)
class CertificateDocument:
    number: str
    title_zh: str
    title_en: str
    issuer_zh: str
    issuer_en: str
    holder_label: str
    holder: str
    holder_id: str
    rows: list[tuple[str, str]]
    issued_at: dt.datetime
    validity: str
    status: str
    qr_text: str
    verify_url: str
    ledger_index: int | None


def _qr(data: str) -> segno.QRCode:
    # Error level L keeps a ~1.2 KB payload to a version a phone camera reads from 50 mm;
    # a fixed mask (any of the eight is valid) skips segno's pure-Python scoring of all
    # eight, which costs more than the rest of the PDF.
    return segno.make(data, error="l", micro=False, mask=0)


def qr_png(data: str, *, scale: int = 1) -> bytes:
    out = io.BytesIO()
    _qr(data).save(out, kind="png", scale=scale, border=2)
    return out.getvalue()


def qr_data_uri(data: str, *, scale: int = 1) -> str:
    """The QR code as a PNG data URI: one pixel per module for the PDF (scaled up there,
    pixelated), more for web pages, which cannot set ``image-rendering`` under our CSP."""
    return "data:image/png;base64," + base64.b64encode(qr_png(data, scale=scale)).decode()


_CSS = """
@page { size: A5 landscape; margin: 10mm; }
body { font-family: "WenQuanYi Zen Hei", sans-serif; font-size: 9.5pt; color: #111; }
.frame { border: 1.2pt solid #8a6d1d; padding: 5mm 6mm; height: 118mm; position: relative; }
h1 { font-size: 17pt; margin: 0 0 1mm; letter-spacing: 3pt; color: #8a1f1f; font-weight: normal; }
.en { font-size: 8pt; color: #555; margin-bottom: 3mm; }
table { width: 62%; border-collapse: collapse; }
th, td { padding: 1.2mm 1.5mm; text-align: left; vertical-align: top; border-bottom: 0.4pt solid #d9cfb4; }
th { font-weight: normal; color: #555; width: 34%; }
.qr { position: absolute; right: 6mm; top: 6mm; width: 52mm; text-align: center; font-size: 6.5pt; color: #444; }
.qr img { width: 50mm; height: 50mm; image-rendering: pixelated; }
.foot { position: absolute; left: 6mm; right: 6mm; bottom: 4mm; font-size: 7pt; color: #444; }
"""


@lru_cache(maxsize=1)
def _fonts() -> object:
    from weasyprint.text.fonts import FontConfiguration  # type: ignore[import-untyped]

    return FontConfiguration()


def certificate_html(doc: CertificateDocument) -> str:
    qr = qr_data_uri(doc.qr_text)
    rows = "".join(f"<tr><th>{escape(label)}</th><td>{escape(value)}</td></tr>" for label, value in doc.rows)
    issued = doc.issued_at.astimezone(CHINA).strftime("%Y-%m-%d")
    ledger = str(doc.ledger_index) if doc.ledger_index is not None else "—"
    return f"""<!doctype html><html lang="zh-Hans"><head><meta charset="utf-8"><style>{_CSS}</style></head><body>
<div class="frame">
<div class="qr"><img src="{qr}" alt="QR"><br>扫码核验 Scan to verify</div>
<h1>{escape(doc.title_zh)}</h1>
<div class="en">{escape(doc.title_en)} · 电子证照 e-certificate</div>
<table>
<tr><th>证照编号 Number</th><td>{escape(doc.number)}</td></tr>
<tr><th>{escape(doc.holder_label)}</th><td>{escape(doc.holder)}</td></tr>
<tr><th>证件号码 ID</th><td>{escape(doc.holder_id)}</td></tr>
{rows}
<tr><th>有效期 Validity</th><td>{escape(doc.validity)}</td></tr>
<tr><th>状态 Status</th><td>{escape(doc.status)}</td></tr>
<tr><th>颁发机构 Issuer</th><td>{escape(doc.issuer_zh)}<br>{escape(doc.issuer_en)}</td></tr>
<tr><th>发证日期 Issued</th><td>{issued}</td></tr>
</table>
<div class="foot">本证照由颁发机构以数字签名签发，并登记于区块链账本（certificates 日志第 {ledger} 条）。
扫描二维码或访问 {escape(doc.verify_url)} 核验真伪与状态。
Signed by the issuing department and registered on the ledger; scan the QR code or visit the address to verify it.</div>
</div>
</body></html>"""


def render_pdf(doc: CertificateDocument) -> bytes:
    from weasyprint import HTML  # type: ignore[import-untyped]

    pdf: bytes = HTML(string=certificate_html(doc)).write_pdf(font_config=_fonts())
    return pdf
