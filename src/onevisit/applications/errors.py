"""Application error codes (stable; callers branch on them)."""

from __future__ import annotations

from onevisit.kernel.errors import ErrorCode


class ApplicationError(ErrorCode):
    NOT_FOUND = "applications.not_found"
    NOT_OPEN = "applications.not_open"
    NOT_ELIGIBLE = "applications.not_eligible"
    CHECKS_FAILED = "applications.checks_failed"
    FORM_INVALID = "applications.form.invalid"
    MATERIAL_MISSING = "applications.material.missing"
    TASK_NOT_FOUND = "applications.task.not_found"
    TASK_DECIDED = "applications.task.decided"
    REASON_MISSING = "applications.reason.missing"
    APPLICANT_INVALID = "applications.applicant.invalid"
    DATA_UNAVAILABLE = "applications.data.unavailable"
    ENTERPRISE_NAME_TAKEN = "applications.enterprise.name_taken"
