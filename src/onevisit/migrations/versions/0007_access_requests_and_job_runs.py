"""datahub access requests (the approval workflow); kernel_job_runs (the periodic-job worker)

``datahub_approvals`` becomes the access-request table: a status, the requesting department
and account, a justification, an optional end date and the decision. Existing approvals
become ``approved`` (or ``revoked``) requests (``approved_by_account_id`` and ``approved_at``
are renamed ``decided_…``; the foreign key keeps its name); the one-row-per-item-and-use constraint gives
way to a partial unique index over open (pending or approved) requests, so the history of
decided requests is kept.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22 16:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
OPEN = "status IN ('pending', 'approved')"


def upgrade() -> None:
    op.create_table(
        "kernel_job_runs",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("next_due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lease_owner", sa.String(length=96), nullable=True),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_result", sa.BigInteger(), nullable=True),
        sa.Column("last_error", sa.String(length=1000), nullable=True),
        sa.Column("last_duration_ms", sa.Integer(), nullable=True),
        sa.Column("runs", sa.BigInteger(), nullable=False),
        sa.Column("failures", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_kernel_job_runs")),
    )

    with op.batch_alter_table("datahub_approvals", schema=None) as batch_op:
        batch_op.add_column(sa.Column("status", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("requesting_department_id", BIG_ID, nullable=True))
        batch_op.add_column(sa.Column("requested_by_account_id", BIG_ID, nullable=True))
        batch_op.add_column(sa.Column("requested_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("justification", sa.String(length=2000), nullable=True))
        batch_op.add_column(sa.Column("valid_until", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("decision_reason", sa.String(length=500), nullable=True))
        batch_op.alter_column("approved_by_account_id", new_column_name="decided_by_account_id")
        batch_op.alter_column("approved_at", new_column_name="decided_at", nullable=True)
        batch_op.drop_constraint("item_use", type_="unique")

    op.execute(
        "UPDATE datahub_approvals SET status = CASE WHEN revoked_at IS NULL THEN 'approved' ELSE 'revoked' END, "
        "requested_at = decided_at, requested_by_account_id = decided_by_account_id, justification = ''"
    )

    with op.batch_alter_table("datahub_approvals", schema=None) as batch_op:
        batch_op.alter_column("status", existing_type=sa.String(length=16), nullable=False)
        batch_op.alter_column("requested_at", existing_type=sa.DateTime(timezone=True), nullable=False)
        batch_op.alter_column("justification", existing_type=sa.String(length=2000), nullable=False)
        batch_op.create_check_constraint(
            op.f("ck_datahub_approvals_status"),
            "status IN ('pending', 'approved', 'refused', 'revoked', 'withdrawn', 'expired')",
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_datahub_approvals_requested_by_account_id_accounts"),
            "accounts",
            ["requested_by_account_id"],
            ["id"],
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_datahub_approvals_requesting_department_id_departments"),
            "departments",
            ["requesting_department_id"],
            ["id"],
        )
        batch_op.create_index(
            batch_op.f("ix_datahub_approvals_requesting_department_id"), ["requesting_department_id"], unique=False
        )

    op.create_index(
        "ix_datahub_approvals_open",
        "datahub_approvals",
        ["item_id", "use_id"],
        unique=True,
        sqlite_where=sa.text(OPEN),
        postgresql_where=sa.text(OPEN),
    )


def downgrade() -> None:
    op.drop_index("ix_datahub_approvals_open", table_name="datahub_approvals")
    op.execute("DELETE FROM datahub_approvals WHERE status NOT IN ('approved', 'revoked')")
    # one row per item and use again: the latest (an open approval is always the latest)
    op.execute(
        "DELETE FROM datahub_approvals WHERE id NOT IN (SELECT MAX(id) FROM datahub_approvals GROUP BY item_id, use_id)"
    )
    with op.batch_alter_table("datahub_approvals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_datahub_approvals_requesting_department_id"))
        batch_op.drop_constraint(
            batch_op.f("fk_datahub_approvals_requesting_department_id_departments"), type_="foreignkey"
        )
        batch_op.drop_constraint(
            batch_op.f("fk_datahub_approvals_requested_by_account_id_accounts"), type_="foreignkey"
        )
        batch_op.drop_constraint(op.f("ck_datahub_approvals_status"), type_="check")
        batch_op.alter_column("decided_at", new_column_name="approved_at", nullable=False)
        batch_op.alter_column("decided_by_account_id", new_column_name="approved_by_account_id")
        batch_op.drop_column("decision_reason")
        batch_op.drop_column("valid_until")
        batch_op.drop_column("justification")
        batch_op.drop_column("requested_at")
        batch_op.drop_column("requested_by_account_id")
        batch_op.drop_column("requesting_department_id")
        batch_op.drop_column("status")
        batch_op.create_unique_constraint("item_use", ["item_id", "use_id"])
    op.drop_table("kernel_job_runs")
