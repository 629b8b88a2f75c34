"""Payments JSON API under /api/v1/payments."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse, Response

from onevisit.kernel.actors import Principal
from onevisit.kernel.http.authz import login_required, public, require
from onevisit.kernel.http.deps import client_ip, platform_of
from onevisit.payments.channels.gateway import gateways_for
from onevisit.payments.models import Bill, Refund
from onevisit.payments.schemas import (
    BillOut,
    ClaimIn,
    ClaimOut,
    MismatchOut,
    OrderIn,
    OrderOut,
    ReceiptOut,
    ReconcileIn,
    ReconciliationOut,
    RefundIn,
    RefundOut,
    RefundShareOut,
)
from onevisit.payments.services import bills, notifications, orders, receipts, reconciliation, refunds

router = APIRouter(prefix="/api/v1/payments", tags=["payments"])

#: Held by department administrators and administrators (identity.permissions).
PAYMENTS_MANAGE = "payments.manage"
CLAIM_RECEIPTS = "enterprise.portal"


@router.get("/bills", response_model=list[BillOut])
def api_bills(
    request: Request, status: str | None = None, principal: Principal = Depends(login_required)
) -> list[BillOut]:
    with platform_of(request).db.session() as session:
        return [BillOut.of(b) for b in bills.bills_of(session, principal, status=status)]


@router.get("/bills/{number}", response_model=BillOut)
def api_bill(
    number: str, request: Request, pay_code: str | None = None, principal: Principal = Depends(login_required)
) -> BillOut:
    with platform_of(request).db.session() as session:
        return BillOut.of(bills.bill_for(session, principal, number, pay_code))


_ORDER_OPENAPI = {
    "parameters": [
        {
            "name": "Idempotency-Key",
            "in": "header",
            "required": True,
            "schema": {"type": "string", "minLength": 8, "maxLength": 64},
        }
    ],
    "requestBody": {"required": True, "content": {"application/json": {"schema": OrderIn.model_json_schema()}}},
}


@router.post("/orders", response_model=OrderOut, status_code=201, openapi_extra=_ORDER_OPENAPI)
async def api_create_order(request: Request, principal: Principal = Depends(login_required)) -> Response:
    """Creates a payment order; repeat with the same ``Idempotency-Key`` and body to get the
    same order back, never a second one (a different body with the same key: 409).

    The busiest call a payer makes, so the body is validated straight from its bytes by
    the same model (documented above), without FastAPI's generic parameter machinery."""
    try:
        body = OrderIn.model_validate_json(await request.body())
    except ValidationError as exc:
        raise RequestValidationError([{**e, "loc": ("body", *e["loc"])} for e in exc.errors()]) from exc
    platform = platform_of(request)
    key = orders.check_idempotency_key(request.headers.get("idempotency-key"))
    order = await orders.start_payment_async(
        platform,
        gateways_for(platform),
        principal,
        bill_number=body.bill_number,
        channel=body.channel,
        idempotency_key=key,
        pay_code=body.pay_code,
        ip=client_ip(request),
    )
    # Already the documented shape; answered directly rather than validated once more.
    return Response(
        OrderOut.of(order, body.bill_number).model_dump_json(), status_code=201, media_type="application/json"
    )


@router.get("/orders/{number}", response_model=OrderOut)
def api_order(
    number: str, request: Request, refresh: bool = False, principal: Principal = Depends(login_required)
) -> OrderOut:
    """An order's status; ``?refresh=true`` asks the channel first if it is still pending."""
    platform = platform_of(request)
    if refresh:
        with platform.db.session() as session:
            orders.order_for(session, principal, number)
        orders.refresh_from_channel(platform, gateways_for(platform), number)
    with platform.db.session() as session:
        order = orders.order_for(session, principal, number)
        bill = session.get(Bill, order.bill_id)
        return OrderOut.of(order, bill.number if bill else "")


@router.post("/notify/{channel}")
async def api_notify(channel: str, request: Request, principal: Principal = Depends(public)) -> Response:
    """Channel notifications. Public: each is authenticated by the channel's signature.

    Answered "success" only once the settlement it caused has committed; notifications
    arriving together are settled in one transaction (group commit)."""
    body = await request.body()
    platform = platform_of(request)
    checked = notifications.verify(
        platform, gateways_for(platform), channel, request.headers, body, ip=client_ip(request)
    )
    if isinstance(checked, notifications.Refused):
        result = await run_in_threadpool(notifications.record_refusal, platform, checked)
    else:
        result = await notifications.settle_verified(platform, checked)
    if result.accepted:
        return Response(
            b'{"code":"SUCCESS","outcome":"' + result.outcome.encode() + b'"}', media_type="application/json"
        )
    return JSONResponse({"code": "FAIL", "reason": result.reason}, status_code=400)


@router.get("/receipts", response_model=list[ReceiptOut])
def api_receipts(request: Request, principal: Principal = Depends(login_required)) -> list[ReceiptOut]:
    with platform_of(request).db.session() as session:
        return [
            ReceiptOut.of(r, claimed=receipts.claim_of(session, r) is not None)
            for r in receipts.receipts_of(session, principal)
        ]


@router.get("/receipts/{number}/verify", response_model=ReceiptOut)
def api_verify_receipt(number: str, code: str, request: Request, principal: Principal = Depends(public)) -> ReceiptOut:
    """Anyone holding the receipt (number + verification code) can check it is genuine."""
    with platform_of(request).db.session() as session:
        receipt = receipts.verified_receipt(session, number, code)
        return ReceiptOut.of(receipt, claimed=receipts.claim_of(session, receipt) is not None)


@router.post("/receipts/{number}/claim", response_model=ClaimOut, status_code=201)
def api_claim_receipt(
    number: str, body: ClaimIn, request: Request, principal: Principal = Depends(require(CLAIM_RECEIPTS))
) -> ClaimOut:
    """An insurer or employer claims a receipt for reimbursement: once only (409 after)."""
    with platform_of(request).uow(principal, ip=client_ip(request)) as uow:
        result = receipts.claim_receipt(uow, number=number, code=body.code, claim_reference=body.claim_reference)
        return ClaimOut(
            receipt=ReceiptOut.of(result.receipt, claimed=True),
            enterprise_id=result.claim.enterprise_id,
            claim_reference=result.claim.claim_reference,
            claimed_at=result.claim.claimed_at,
            ledger_index=result.claim.ledger_index,
        )


@router.post("/orders/{number}/refunds", response_model=RefundOut, status_code=201)
def api_refund(
    number: str, body: RefundIn, request: Request, principal: Principal = Depends(require(PAYMENTS_MANAGE))
) -> RefundOut:
    platform = platform_of(request)
    with platform.uow(principal, ip=client_ip(request)) as uow:
        refund = refunds.request_refund(
            uow, order_number=number, amount_fen=body.amount_fen, reason=body.reason, department_id=body.department_id
        )
        refund_number = refund.number
    refunds.send_pending_refunds(platform, gateways_for(platform))
    with platform.db.session() as session:
        row = session.scalar(select(Refund).where(Refund.number == refund_number))
        if row is None:  # pragma: no cover - created above
            raise LookupError(refund_number)
        return RefundOut(
            number=row.number,
            order_number=number,
            amount_fen=row.amount_fen,
            status=row.status,
            shares=[RefundShareOut(**share) for share in row.shares or []],
        )


@router.post("/reconciliations", response_model=ReconciliationOut, status_code=201)
def api_reconcile(
    body: ReconcileIn, request: Request, principal: Principal = Depends(require(PAYMENTS_MANAGE))
) -> ReconciliationOut:
    platform = platform_of(request)
    report = reconciliation.reconcile(platform, gateways_for(platform), body.channel, body.day, actor=principal)
    return ReconciliationOut(
        id=report.reconciliation_id,
        channel=report.channel,
        day=report.day,
        statement_lines=report.lines,
        matched=report.matched,
        repaired=report.repaired,
        mismatches=[
            MismatchOut(kind=k, entry_type=t, reference=r, platform_fen=p, channel_fen=c)
            for k, t, r, p, c in report.mismatches
        ],
    )
