"""Daily reconciliation: lost notifications are repaired by querying; what still differs is
reported as missing, extra or a different amount."""

from __future__ import annotations

import datetime as dt
import re
import time
import zlib

from sqlalchemy import select, update

from onevisit.kernel.actors import ActorKind, Principal
from onevisit.kernel.platform import Platform
from onevisit.payments.documents import render_pdf
from onevisit.payments.models import PaymentOrder, Receipt
from onevisit.payments.presenters import receipt_document
from onevisit.payments.services import orders, reconciliation
from tests.common.factories import make_person
from tests.unit.payments.helpers import bill_for, department, in_process_simulator, pay_at_simulator


def test_reconciliation_repairs_lost_notifications_and_reports_every_difference(platform: Platform) -> None:
    person, _, _ = make_person(platform)
    dep = department(platform)
    who = Principal(kind=ActorKind.CITIZEN, account_id=1, person_id=person.id)
    today = dt.datetime.now(dt.UTC).date()
    with in_process_simulator(platform) as (client, gateways):
        numbers = []
        for i in range(4):
            bill = bill_for(platform, person, dep, amount_fen=1_000 + i)
            order = orders.start_payment(
                platform, gateways, who, bill_number=bill.number, channel="alipay", idempotency_key=f"recon-{i:05d}"
            )
            pay_at_simulator(client, order.pay_url)
            numbers.append(order.number)
        for number in numbers[:3]:  # the fourth's notification was "lost"
            orders.refresh_from_channel(platform, gateways, number)

        clean = reconciliation.reconcile(platform, gateways, "alipay", today)
        assert clean.lines == 4 and clean.repaired == 1 and clean.matched == 4 and clean.clean

        # Now break things the way real systems break: an amount recorded wrongly, a payment
        # the channel never saw.
        with platform.uow() as uow:
            uow.session.execute(update(PaymentOrder).where(PaymentOrder.number == numbers[0]).values(amount_fen=999))
            uow.session.execute(update(PaymentOrder).where(PaymentOrder.number == numbers[1]).values(number="P-GHOST"))
        report = reconciliation.reconcile(platform, gateways, "alipay", today)
    kinds = sorted((kind, ref) for kind, _t, ref, _p, _c in report.mismatches)
    assert kinds == [("amount", numbers[0]), ("extra", numbers[1]), ("missing", "P-GHOST")]
    amount = next(m for m in report.mismatches if m[0] == "amount")
    assert amount[3:] == (999, 1_000)


def test_the_receipt_pdf_has_chinese_text_and_renders_quickly(platform: Platform) -> None:
    person, _, _ = make_person(platform, name="李四")
    who = Principal(kind=ActorKind.CITIZEN, account_id=1, person_id=person.id)
    bill = bill_for(platform, person, department(platform), amount_fen=12_300)
    with in_process_simulator(platform) as (client, gateways):
        order = orders.start_payment(
            platform, gateways, who, bill_number=bill.number, channel="counter", idempotency_key="pdf-000001"
        )
        pay_at_simulator(client, order.pay_url)
        orders.refresh_from_channel(platform, gateways, order.number)
    with platform.db.session() as session:
        receipt = session.scalar(select(Receipt))
        assert receipt is not None
        doc = receipt_document(session, receipt, base_url="https://onevisit.example")
    render_pdf(doc)  # warm-up (fonts)
    started = time.perf_counter()
    pdf = render_pdf(doc)
    elapsed = time.perf_counter() - started
    assert pdf.startswith(b"%PDF")
    assert any(b"WenQuanYi" in name for name in _font_names(pdf))  # the Chinese font is embedded, not boxes
    assert doc.verify_url.startswith("https://onevisit.example/receipts/verify/" + receipt.number + "?code=")
    assert elapsed < 1.0  # the benchmark holds the 150 ms target; this only catches a collapse


def _font_names(pdf: bytes) -> list[bytes]:
    names = re.findall(rb"/BaseFont\s*/([^\s/<>]+)", pdf)
    for stream in re.finditer(rb"stream\r?\n(.*?)endstream", pdf, re.DOTALL):
        try:
            names += re.findall(rb"/BaseFont\s*/([^\s/<>]+)", zlib.decompress(stream.group(1)))
        except zlib.error:
            continue
    return names
