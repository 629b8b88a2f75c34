"""Policy tables: policies (draft → published → closed) and the offers matching makes.

Every amount is an integer number of fen. A policy's ``committed_fen`` is what confirmed
offers have taken from its budget; it only grows by a conditional UPDATE that keeps it
``<= budget_fen`` (and shrinks on clawback), so the budget can never be overspent.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from onevisit.kernel.db import Base, BigId, UTCDateTime


class PolicyStatus(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    CLOSED = "closed"


class Recurrence(enum.StrEnum):
    ONCE = "once"
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    YEARLY = "yearly"


class OfferStatus(enum.StrEnum):
    OFFERED = "offered"  # waiting for the legal representative
    CONFIRMED = "confirmed"  # confirmed, budget taken, payout on its way (same transaction normally)
    PAID = "paid"
    CLAWED_BACK = "clawed_back"  # the payout was found wrong: a repayment bill was issued
    WITHDRAWN = "withdrawn"  # the policy closed before it was confirmed


class Policy(Base):
    __tablename__ = "policies"
    __table_args__ = (
        CheckConstraint("budget_fen >= 0", name="budget_not_negative"),
        CheckConstraint("committed_fen >= 0 AND committed_fen <= budget_fen", name="within_budget"),
        CheckConstraint("status IN ('draft', 'published', 'closed')", name="status"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    #: The department's own short code for it (``hz-rent-2026``), unique.
    code: Mapped[str] = mapped_column(String(48), unique=True)
    department_id: Mapped[int] = mapped_column(BigId, ForeignKey("departments.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
    legal_basis: Mapped[str] = mapped_column(String(200), default="")
    #: The eligibility rule and the benefit formula (fen), in the rules language.
    eligibility: Mapped[str] = mapped_column(Text)
    benefit: Mapped[str] = mapped_column(Text)
    budget_fen: Mapped[int] = mapped_column(BigInteger)
    committed_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    starts_on: Mapped[dt.date] = mapped_column(Date)
    ends_on: Mapped[dt.date] = mapped_column(Date)
    recurrence: Mapped[str] = mapped_column(String(16), default=Recurrence.ONCE)
    status: Mapped[str] = mapped_column(String(16), default=PolicyStatus.DRAFT, index=True)
    #: Bumped whenever a draft's rule or formula changes; offers keep the version they used.
    rule_version: Mapped[int] = mapped_column(Integer, default=1)
    #: The last matching run: {"at", "as_of", "period", "evaluated", "eligible", "new_offers"}.
    last_match: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    published_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class Offer(Base):
    """One enterprise's offer under one policy for one period, with why it was made."""

    __tablename__ = "policy_offers"
    __table_args__ = (
        UniqueConstraint("policy_id", "enterprise_id", "period"),
        Index("ix_policy_offers_policy_id_status", "policy_id", "status"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    policy_id: Mapped[int] = mapped_column(BigId, ForeignKey("policies.id"))
    enterprise_id: Mapped[int] = mapped_column(BigId, ForeignKey("enterprises.id"), index=True)
    #: ``once``, ``2026-11``, ``2026Q4`` or ``2026``: recurring policies offer once per period.
    period: Mapped[str] = mapped_column(String(16))
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16), default=OfferStatus.OFFERED)
    rule_version: Mapped[int] = mapped_column(Integer)
    as_of: Mapped[dt.date] = mapped_column(Date)
    #: The facts the decision read (field → value) and the explanation trees of the
    #: eligibility rule and the benefit formula (``rules.Outcome.as_dict``).
    inputs: Mapped[dict[str, Any]] = mapped_column(JSON)
    explanation: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    confirmed_by_person_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("persons.id"))
    confirmed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    payout_number: Mapped[str | None] = mapped_column(String(24))
    paid_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    clawback_reason: Mapped[str | None] = mapped_column(Text)
    clawback_bill_number: Mapped[str | None] = mapped_column(String(24))
    clawed_back_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
