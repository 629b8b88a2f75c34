"""Policy error codes (stable: clients and tests branch on them)."""

from __future__ import annotations

from onevisit.kernel.errors import ErrorCode


class PolicyError(ErrorCode):
    INVALID = "policies.policy.invalid"
    NOT_FOUND = "policies.policy.not_found"
    CODE_TAKEN = "policies.policy.code_taken"
    NOT_DRAFT = "policies.policy.not_draft"
    NOT_PUBLISHED = "policies.policy.not_published"
    NOT_YOURS = "policies.policy.not_yours"
    OFFER_NOT_FOUND = "policies.offer.not_found"
    NOT_REPRESENTATIVE = "policies.offer.not_representative"
    ALREADY_CONFIRMED = "policies.offer.already_confirmed"
    NOT_CONFIRMABLE = "policies.offer.not_confirmable"
    OUT_OF_PERIOD = "policies.offer.out_of_period"
    BUDGET_EXHAUSTED = "policies.budget.exhausted"
    NOT_PAID = "policies.offer.not_paid"
    REASON_REQUIRED = "policies.clawback.reason_required"
