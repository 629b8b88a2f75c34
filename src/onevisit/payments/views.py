"""Payment pages: my bills, pay, my receipts, public receipt verification, the staff page."""

from __future__ import annotations

import contextlib
import datetime as dt
import secrets
from typing import Any

from fastapi import APIRouter, Depends, Request
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from onevisit.kernel.actors import Principal
from onevisit.kernel.errors import AppError, FieldError
from onevisit.kernel.http.authz import login_required, public, require
from onevisit.kernel.http.deps import client_ip, platform_of
from onevisit.kernel.http.forms import FormState, read_form
from onevisit.kernel.http.rendering import render
from onevisit.kernel.i18n import N_
from onevisit.payments import presenters
from onevisit.payments.channels.gateway import gateways_for
from onevisit.payments.documents import render_pdf
from onevisit.payments.models import Bill, BillStatus, OrderStatus, Receipt
from onevisit.payments.services import access, bills, notifications, orders, receipts, reconciliation

router = APIRouter(include_in_schema=False)

CITIZEN_PORTAL = "citizen.portal"
PAYMENTS_MANAGE = "payments.manage"


def _common() -> dict[str, Any]:
    return {
        "kinds": presenters.KIND_LABELS,
        "statuses": presenters.STATUS_LABELS,
        "channels": presenters.CHANNEL_LABELS,
    }


@router.get("/payments/bills")
def my_bills(request: Request, principal: Principal = Depends(require(CITIZEN_PORTAL))) -> Response:
    with platform_of(request).db.session() as session:
        mine = bills.bills_of(session, principal)
    outstanding = [b for b in mine if b.status == BillStatus.OUTSTANDING]
    settled = [b for b in mine if b.status != BillStatus.OUTSTANDING]
    return render(
        request,
        "payments/bills.html",
        {**_common(), "outstanding": outstanding, "settled": settled, "form": FormState()},
    )


@router.post("/payments/bills/find")
async def find_bill(request: Request, principal: Principal = Depends(login_required)) -> Response:
    """Pay on someone's behalf: the bill number and the pay code printed on their notice."""
    values = await read_form(request)
    number, code = values.get("bill_number", "").strip(), values.get("pay_code", "").strip().upper()
    errors = []
    if not number:
        errors.append(FieldError("bill_number", N_("Enter the bill number.")))
    if not code:
        errors.append(FieldError("pay_code", N_("Enter the pay code.")))
    if not errors:
        with platform_of(request).db.session() as session:
            try:
                bills.bill_for(session, principal, number, code)
            except AppError:
                errors.append(FieldError("bill_number", N_("There is no bill with this number and pay code.")))
    if errors:
        with platform_of(request).db.session() as session:
            mine = bills.bills_of(session, principal)
        return render(
            request,
            "payments/bills.html",
            {
                **_common(),
                "outstanding": [b for b in mine if b.status == BillStatus.OUTSTANDING],
                "settled": [b for b in mine if b.status != BillStatus.OUTSTANDING],
                "form": FormState(values=values, errors=errors),
            },
            status=422,
        )
    return RedirectResponse(f"/payments/bills/{number}?pay_code={code}", status_code=303)


def _bill_page(request: Request, bill: Bill, pay_code: str | None, form: FormState, status: int = 200) -> Response:
    with platform_of(request).db.session() as session:
        attempts = orders.orders_of_bill(session, bill.id)
        payees = bills.item_payees(session, bill)
        receipt = None
        if bill.status == BillStatus.PAID:
            receipt = session.scalar(select(Receipt).where(Receipt.bill_id == bill.id))
    return render(
        request,
        "payments/bill.html",
        {
            **_common(),
            "bill": bill,
            "payees": payees,
            "pay_code": pay_code,
            "form": form,
            "attempts": attempts,
            "receipt": receipt,
            "idempotency_key": secrets.token_urlsafe(18),
            "channel_names": gateways_for(platform_of(request)).names,
        },
        status=status,
    )


@router.get("/payments/bills/{number}")
def bill_page(
    number: str, request: Request, pay_code: str | None = None, principal: Principal = Depends(login_required)
) -> Response:
    with platform_of(request).db.session() as session:
        bill = bills.bill_for(session, principal, number, pay_code)
    return _bill_page(request, bill, pay_code, FormState())


@router.post("/payments/bills/{number}/pay")
async def pay_bill(number: str, request: Request, principal: Principal = Depends(login_required)) -> Response:
    values = await read_form(request)
    pay_code = values.get("pay_code") or None
    platform = platform_of(request)
    gateways = gateways_for(platform)
    channel = values.get("channel", "")
    with platform.db.session() as session:
        bill = bills.bill_for(session, principal, number, pay_code)
    if channel not in gateways.names:
        form = FormState(values=values, errors=[FieldError("channel", N_("Choose how you want to pay."))])
        return _bill_page(request, bill, pay_code, form, status=422)
    order = await run_in_threadpool(
        orders.start_payment,
        platform,
        gateways,
        principal,
        bill_number=number,
        channel=channel,
        idempotency_key=values.get("idempotency_key", ""),
        pay_code=pay_code,
        ip=client_ip(request),
    )
    if order.status == OrderStatus.PAID or not order.pay_url:
        return RedirectResponse(f"/payments/orders/{order.number}/return", status_code=303)
    # Not straight to the channel: the site's CSP (form-action 'self') rightly forbids a form
    # from landing on another origin. The payer follows a link instead, as with a bank's page.
    return RedirectResponse(f"/payments/orders/{order.number}/go", status_code=303)


@router.get("/payments/orders/{number}/go")
def order_go(number: str, request: Request, principal: Principal = Depends(login_required)) -> Response:
    """The hand-over page: a link to the channel's own payment page."""
    with platform_of(request).db.session() as session:
        order = orders.order_for(session, principal, number)
        bill = session.get(Bill, order.bill_id)
    if order.status != OrderStatus.PENDING or not order.pay_url:
        return RedirectResponse(f"/payments/orders/{order.number}/return", status_code=303)
    return render(request, "payments/go.html", {**_common(), "order": order, "bill": bill})


@router.get("/payments/orders/{number}/return")
def order_return(number: str, request: Request, principal: Principal = Depends(login_required)) -> Response:
    """Where the channel sends the payer back: ask the channel at once (the notification may lag)."""
    platform = platform_of(request)
    with platform.db.session() as session:
        orders.order_for(session, principal, number)
    # the channel may be down: the page then says "waiting"; the notification or the poll settles it
    with contextlib.suppress(AppError):
        orders.refresh_from_channel(platform, gateways_for(platform), number)
    with platform.db.session() as session:
        order = orders.order_for(session, principal, number)
        bill = session.get(Bill, order.bill_id)
        receipt = session.scalar(select(Receipt).where(Receipt.order_id == order.id))
    return render(request, "payments/order.html", {**_common(), "order": order, "bill": bill, "receipt": receipt})


@router.get("/payments/receipts")
def my_receipts(request: Request, principal: Principal = Depends(require(CITIZEN_PORTAL))) -> Response:
    with platform_of(request).db.session() as session:
        rows = receipts.receipts_of(session, principal)
    return render(request, "payments/receipts.html", {**_common(), "receipts": rows})


@router.get("/payments/receipts/{number}")
def receipt_page(number: str, request: Request, principal: Principal = Depends(login_required)) -> Response:
    platform = platform_of(request)
    with platform.db.session() as session:
        receipt = receipts.receipt_for(session, principal, number)
        claim = receipts.claim_of(session, receipt)
        details = _receipt_details(session, receipt)
    return render(
        request,
        "payments/receipt.html",
        {
            **_common(),
            **details,
            "receipt": receipt,
            "claim": claim,
            "verify_url": presenters.verify_url(platform.settings.base_url, receipt),
        },
    )


@router.get("/payments/receipts/{number}/pdf")
def receipt_pdf(number: str, request: Request, principal: Principal = Depends(login_required)) -> Response:
    platform = platform_of(request)
    with platform.db.session() as session:
        receipt = receipts.receipt_for(session, principal, number)
        doc = presenters.receipt_document(session, receipt, base_url=platform.settings.base_url)
    return Response(
        render_pdf(doc),
        media_type="application/pdf",
        headers={"content-disposition": f'inline; filename="receipt-{receipt.number}.pdf"'},
    )


@router.get("/receipts/verify/{number}")
def verify_receipt(number: str, request: Request, code: str = "", principal: Principal = Depends(public)) -> Response:
    """The QR code's target: anyone can check a receipt is genuine (and whether it was claimed)."""
    with platform_of(request).db.session() as session:
        receipt = receipts.verified_receipt(session, number, code)
        claim = receipts.claim_of(session, receipt)
        details = _receipt_details(session, receipt)
    return render(
        request,
        "payments/verify.html",
        {**_common(), **details, "receipt": receipt, "claim": claim},
    )


def _receipt_details(session: Session, receipt: Receipt) -> dict[str, Any]:
    """Its items with their payee departments; ``payees``: every department paid (one,
    or a bundle's several)."""
    lines = receipts.lines_of(session, receipt)
    payees = receipts.payees_of(lines)
    if not payees:
        department = receipts.department_of(session, receipt)
        payees = [department] if department is not None else []
    return {"lines": lines, "payees": payees}


def _staff_context(request: Request, principal: Principal) -> dict[str, Any]:
    with platform_of(request).db.session() as session:
        runs = reconciliation.recent_runs(session)
        return {
            **_common(),
            # a department's administrators see their own department's account only
            "balances": reconciliation.department_balances(session, access.departments_of(principal)),
            # each department's part of a bundle's payment under that department only
            "settlements": reconciliation.recent_settlements(session, access.departments_of(principal)),
            "runs": runs,
            "mismatches": reconciliation.mismatches_of(session, [r.id for r in runs[:10]]),
            "notification_counts": notifications.notification_counts(session),
            "rejections": notifications.recent_rejections(session),
            "today": dt.datetime.now(dt.UTC).date().isoformat(),
        }


@router.get("/staff/payments")
def staff_payments(request: Request, principal: Principal = Depends(require(PAYMENTS_MANAGE))) -> Response:
    return render(request, "payments/staff.html", {**_staff_context(request, principal), "form": FormState()})


@router.post("/staff/payments/reconcile")
async def staff_reconcile(request: Request, principal: Principal = Depends(require(PAYMENTS_MANAGE))) -> Response:
    values = await read_form(request)
    platform = platform_of(request)
    gateways = gateways_for(platform)
    errors = []
    channel = values.get("channel", "")
    if channel not in gateways.names:
        errors.append(FieldError("channel", N_("Choose one of the options.")))
    try:
        day = dt.date.fromisoformat(values.get("day", ""))
    except ValueError:
        errors.append(FieldError("day", N_("Enter a real date.")))
    if errors:
        return render(
            request,
            "payments/staff.html",
            {**_staff_context(request, principal), "form": FormState(values=values, errors=errors)},
            status=422,
        )
    await run_in_threadpool(reconciliation.reconcile, platform, gateways, channel, day, actor=principal)
    return RedirectResponse("/staff/payments?notice=payments_reconciled", status_code=303)


NOTICES = {"payments_reconciled": N_("Reconciliation finished. The results are below.")}
