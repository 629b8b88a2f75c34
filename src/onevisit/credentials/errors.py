"""Credential error codes (stable: clients and tests branch on them)."""

from __future__ import annotations

from onevisit.kernel.errors import ErrorCode


class CredentialError(ErrorCode):
    TYPE_UNKNOWN = "credentials.type.unknown"
    HOLDER_UNKNOWN = "credentials.holder.unknown"
    HOLDER_WRONG_KIND = "credentials.holder.wrong_kind"
    FIELDS_INVALID = "credentials.fields.invalid"
    VALIDITY_INVALID = "credentials.validity.invalid"
    NOT_FOUND = "credentials.not_found"
    NOT_ISSUER = "credentials.not_issuer"
    STATUS_INVALID = "credentials.status.invalid"
    REASON_MISSING = "credentials.reason.missing"
    SHARE_NOT_FOUND = "credentials.share.not_found"
    SHARE_INVALID = "credentials.share.invalid"
    SHARE_GONE = "credentials.share.gone"
    KEY_UNAVAILABLE = "credentials.key.unavailable"
    DEPARTMENT_UNKNOWN = "credentials.department.unknown"
    PAYLOAD_MISSING = "credentials.payload.missing"
    PROOF_UNAVAILABLE = "credentials.proof.unavailable"
    IDEMPOTENCY_KEY_INVALID = "credentials.idempotency.key_invalid"
