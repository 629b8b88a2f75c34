"""policies: policies, their offers, and payouts (money out) in payments

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-21 16:30:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "policies",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("code", sa.String(length=48), nullable=False),
        sa.Column("department_id", BIG_ID, nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("legal_basis", sa.String(length=200), nullable=False),
        sa.Column("eligibility", sa.Text(), nullable=False),
        sa.Column("benefit", sa.Text(), nullable=False),
        sa.Column("budget_fen", sa.BigInteger(), nullable=False),
        sa.Column("committed_fen", sa.BigInteger(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("recurrence", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("rule_version", sa.Integer(), nullable=False),
        sa.Column("last_match", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("status IN ('draft', 'published', 'closed')", name=op.f("ck_policies_status")),
        sa.CheckConstraint("budget_fen >= 0", name=op.f("ck_policies_budget_not_negative")),
        sa.CheckConstraint(
            "committed_fen >= 0 AND committed_fen <= budget_fen", name=op.f("ck_policies_within_budget")
        ),
        sa.ForeignKeyConstraint(
            ["department_id"], ["departments.id"], name=op.f("fk_policies_department_id_departments")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_policies")),
        sa.UniqueConstraint("code", name=op.f("uq_policies_code")),
    )
    with op.batch_alter_table("policies", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_policies_department_id"), ["department_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_policies_status"), ["status"], unique=False)

    op.create_table(
        "payment_payouts",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("number", sa.String(length=24), nullable=False),
        sa.Column("department_id", BIG_ID, nullable=False),
        sa.Column("payee_enterprise_id", BIG_ID, nullable=False),
        sa.Column("payee_name", sa.String(length=128), nullable=False),
        sa.Column("payee_account", sa.String(length=64), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("reference", sa.String(length=64), nullable=False),
        sa.Column("verify_code", sa.String(length=16), nullable=False),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("ledger_index", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["department_id"], ["departments.id"], name=op.f("fk_payment_payouts_department_id_departments")
        ),
        sa.ForeignKeyConstraint(
            ["payee_enterprise_id"], ["enterprises.id"], name=op.f("fk_payment_payouts_payee_enterprise_id_enterprises")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_payouts")),
        sa.UniqueConstraint("number", name=op.f("uq_payment_payouts_number")),
        sa.UniqueConstraint("source", "reference", name=op.f("uq_payment_payouts_source_reference")),
    )
    with op.batch_alter_table("payment_payouts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_payment_payouts_department_id"), ["department_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_payment_payouts_ledger_index"), ["ledger_index"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_payment_payouts_payee_enterprise_id"), ["payee_enterprise_id"], unique=False
        )

    op.create_table(
        "policy_offers",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("number", sa.String(length=40), nullable=False),
        sa.Column("policy_id", BIG_ID, nullable=False),
        sa.Column("enterprise_id", BIG_ID, nullable=False),
        sa.Column("period", sa.String(length=16), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("rule_version", sa.Integer(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("inputs", sa.JSON(), nullable=False),
        sa.Column("explanation", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("confirmed_by_person_id", BIG_ID, nullable=True),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("payout_number", sa.String(length=24), nullable=True),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("clawback_reason", sa.Text(), nullable=True),
        sa.Column("clawback_bill_number", sa.String(length=24), nullable=True),
        sa.Column("clawed_back_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["confirmed_by_person_id"], ["persons.id"], name=op.f("fk_policy_offers_confirmed_by_person_id_persons")
        ),
        sa.ForeignKeyConstraint(
            ["enterprise_id"], ["enterprises.id"], name=op.f("fk_policy_offers_enterprise_id_enterprises")
        ),
        sa.ForeignKeyConstraint(["policy_id"], ["policies.id"], name=op.f("fk_policy_offers_policy_id_policies")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_policy_offers")),
        sa.UniqueConstraint("number", name=op.f("uq_policy_offers_number")),
        sa.UniqueConstraint(
            "policy_id", "enterprise_id", "period", name=op.f("uq_policy_offers_policy_id_enterprise_id_period")
        ),
    )
    with op.batch_alter_table("policy_offers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_policy_offers_enterprise_id"), ["enterprise_id"], unique=False)
        batch_op.create_index("ix_policy_offers_policy_id_status", ["policy_id", "status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("policy_offers", schema=None) as batch_op:
        batch_op.drop_index("ix_policy_offers_policy_id_status")
        batch_op.drop_index(batch_op.f("ix_policy_offers_enterprise_id"))

    op.drop_table("policy_offers")
    with op.batch_alter_table("payment_payouts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payment_payouts_payee_enterprise_id"))
        batch_op.drop_index(batch_op.f("ix_payment_payouts_ledger_index"))
        batch_op.drop_index(batch_op.f("ix_payment_payouts_department_id"))

    op.drop_table("payment_payouts")
    with op.batch_alter_table("policies", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_policies_status"))
        batch_op.drop_index(batch_op.f("ix_policies_department_id"))

    op.drop_table("policies")
