"""Pydantic shapes of the policies API (amounts are integers in fen)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictInt

from onevisit.payments.models import Payout
from onevisit.policies.models import Offer, Policy
from onevisit.policies.services.drafting import PolicyDraft


class PolicyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(max_length=48)
    title: str = Field(max_length=200)
    summary: str = Field(default="", max_length=4000)
    legal_basis: str = Field(default="", max_length=200)
    eligibility: str = Field(max_length=10_000)
    benefit: str = Field(max_length=10_000)
    budget_fen: StrictInt
    starts_on: dt.date
    ends_on: dt.date
    recurrence: str = "once"

    def draft(self) -> PolicyDraft:
        return PolicyDraft(
            code=self.code,
            title=self.title,
            summary=self.summary,
            legal_basis=self.legal_basis,
            eligibility=self.eligibility,
            benefit=self.benefit,
            budget_fen=self.budget_fen,
            starts_on=self.starts_on,
            ends_on=self.ends_on,
            recurrence=self.recurrence,
        )


class PolicyOut(BaseModel):
    code: str
    title: str
    summary: str
    legal_basis: str
    department_id: int
    status: str
    eligibility: str
    benefit: str
    budget_fen: int
    committed_fen: int
    starts_on: dt.date
    ends_on: dt.date
    recurrence: str
    rule_version: int
    last_match: dict[str, Any]
    stats: dict[str, int] | None = None

    @classmethod
    def of(cls, policy: Policy, stats: dict[str, int] | None = None) -> PolicyOut:
        return cls(
            code=policy.code,
            title=policy.title,
            summary=policy.summary,
            legal_basis=policy.legal_basis,
            department_id=policy.department_id,
            status=policy.status,
            eligibility=policy.eligibility,
            benefit=policy.benefit,
            budget_fen=policy.budget_fen,
            committed_fen=policy.committed_fen,
            starts_on=policy.starts_on,
            ends_on=policy.ends_on,
            recurrence=policy.recurrence,
            rule_version=policy.rule_version,
            last_match=policy.last_match or {},
            stats=stats,
        )


class MatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    as_of: dt.date | None = None


class MatchOut(BaseModel):
    policy: str
    period: str
    as_of: dt.date
    evaluated: int
    eligible: int
    new_offers: int
    offered_fen: int


class PayoutOut(BaseModel):
    number: str
    amount_fen: int
    payee_account: str
    paid_at: dt.datetime
    verify_code: str
    ledger_index: int | None

    @classmethod
    def of(cls, payout: Payout) -> PayoutOut:
        return cls(
            number=payout.number,
            amount_fen=payout.amount_fen,
            payee_account=payout.payee_account,
            paid_at=payout.paid_at,
            verify_code=payout.verify_code,
            ledger_index=payout.ledger_index,
        )


class OfferOut(BaseModel):
    number: str
    policy: str
    policy_title: str
    enterprise_credit_code: str
    enterprise_name: str
    period: str
    amount_fen: int
    status: str
    rule_version: int
    as_of: dt.date
    inputs: dict[str, Any]
    explanation: dict[str, Any]
    confirmed_at: dt.datetime | None
    paid_at: dt.datetime | None
    payout: PayoutOut | None = None
    clawback_reason: str | None = None
    clawback_bill_number: str | None = None

    @classmethod
    def of(cls, offer: Offer, policy: Policy, credit_code: str, name: str, payout: Payout | None = None) -> OfferOut:
        return cls(
            number=offer.number,
            policy=policy.code,
            policy_title=policy.title,
            enterprise_credit_code=credit_code,
            enterprise_name=name,
            period=offer.period,
            amount_fen=offer.amount_fen,
            status=offer.status,
            rule_version=offer.rule_version,
            as_of=offer.as_of,
            inputs=offer.inputs,
            explanation=offer.explanation,
            confirmed_at=offer.confirmed_at,
            paid_at=offer.paid_at,
            payout=PayoutOut.of(payout) if payout is not None else None,
            clawback_reason=offer.clawback_reason,
            clawback_bill_number=offer.clawback_bill_number,
        )


class ClawbackIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(max_length=1000)
