"""Payment error codes (stable: clients, channels and tests branch on them)."""

from __future__ import annotations

from onevisit.kernel.errors import ErrorCode


class PaymentError(ErrorCode):
    BILL_NOT_FOUND = "payments.bill.not_found"
    BILL_NOT_PAYABLE = "payments.bill.not_payable"
    BILL_INVALID = "payments.bill.invalid"
    ORDER_NOT_FOUND = "payments.order.not_found"
    CHANNEL_UNKNOWN = "payments.channel.unknown"
    CHANNEL_UNAVAILABLE = "payments.channel.unavailable"
    CHANNEL_REFUSED = "payments.channel.refused"
    IDEMPOTENCY_KEY_REUSED = "payments.idempotency.key_reused"
    IDEMPOTENCY_KEY_INVALID = "payments.idempotency.key_invalid"
    NOTIFICATION_SIGNATURE = "payments.notification.signature"
    NOTIFICATION_MALFORMED = "payments.notification.malformed"
    NOTIFICATION_STALE = "payments.notification.stale"
    NOTIFICATION_ORDER = "payments.notification.order"
    NOTIFICATION_AMOUNT = "payments.notification.amount"
    NOTIFICATION_CHANNEL = "payments.notification.channel"
    REFUND_EXCEEDS = "payments.refund.exceeds_paid"
    REFUND_NOT_ALLOWED = "payments.refund.not_allowed"
    RECEIPT_NOT_FOUND = "payments.receipt.not_found"
    RECEIPT_ALREADY_CLAIMED = "payments.receipt.already_claimed"
    RECEIPT_CODE_INVALID = "payments.receipt.code_invalid"
    CLAIMANT_REQUIRED = "payments.claim.enterprise_required"
    STATEMENT_UNAVAILABLE = "payments.statement.unavailable"
    PAYOUT_INVALID = "payments.payout.invalid"
    PAYOUT_DUPLICATE = "payments.payout.duplicate"
    PAYOUT_NOT_FOUND = "payments.payout.not_found"
