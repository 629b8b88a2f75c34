"""Datahub error codes (stable; callers branch on them)."""

from __future__ import annotations

from onevisit.kernel.errors import AppError, ErrorCode


class DatahubError(ErrorCode):
    SUBJECT_INVALID = "datahub.subject.invalid"
    SUBJECT_UNKNOWN = "datahub.subject.unknown"
    ITEM_UNKNOWN = "datahub.item.unknown"
    ITEM_EXISTS = "datahub.item.exists"
    ITEM_WRONG_SUBJECT = "datahub.item.wrong_subject"
    ITEM_NOT_SHARED = "datahub.item.not_shared"
    SOURCE_UNKNOWN = "datahub.source.unknown"
    SOURCE_EXISTS = "datahub.source.exists"
    SOURCE_INVALID = "datahub.source.invalid"
    SOURCE_UNAVAILABLE = "datahub.source.unavailable"
    DEPARTMENT_UNKNOWN = "datahub.department.unknown"
    SCHEMA_INVALID = "datahub.schema.invalid"
    USE_UNKNOWN = "datahub.use.unknown"
    USE_EXISTS = "datahub.use.exists"
    USE_NOT_YOURS = "datahub.use.not_yours"
    PURPOSE_INVALID = "datahub.purpose.invalid"
    LEGAL_BASIS_MISSING = "datahub.legal_basis.missing"
    CONSENT_MISSING = "datahub.consent.missing"
    CONSENT_UNKNOWN = "datahub.consent.unknown"
    APPROVAL_MISSING = "datahub.approval.missing"
    NOT_OWNING_DEPARTMENT = "datahub.department.not_owner"
    IMPORT_MALFORMED = "datahub.import.malformed"
    IMPORT_TOO_LARGE = "datahub.import.too_large"
    REQUEST_UNKNOWN = "datahub.request.unknown"
    REQUEST_INVALID = "datahub.request.invalid"
    REQUEST_OPEN = "datahub.request.open"
    REQUEST_NOT_NEEDED = "datahub.request.not_needed"
    REQUEST_DECIDED = "datahub.request.decided"


class DatahubRefused(AppError):
    """An access the rules refuse (recorded in the access log before this is raised)."""

    status = 403
