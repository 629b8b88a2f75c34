"""applications: applications, their department tasks and their history

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-23 12:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "applications",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("service_code", sa.String(length=64), nullable=False),
        sa.Column("version_id", BIG_ID, nullable=False),
        sa.Column("applicant_kind", sa.String(length=16), nullable=False),
        sa.Column("person_id", BIG_ID, nullable=False),
        sa.Column("enterprise_id", BIG_ID, nullable=True),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("form", sa.JSON(), nullable=False),
        sa.Column("materials", sa.JSON(), nullable=False),
        sa.Column("commitments", sa.JSON(), nullable=False),
        sa.Column("outcome", sa.JSON(), nullable=False),
        sa.Column("instant", sa.Boolean(), nullable=False),
        sa.Column("fee_total_fen", BIG_ID, nullable=False),
        sa.Column("bill_number", sa.String(length=32), nullable=True),
        sa.Column("certificates", sa.JSON(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=64), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('draft', 'in_review', 'supplement_requested', 'awaiting_payment', 'completed', 'rejected', 'withdrawn')",
            name=op.f("ck_applications_status"),
        ),
        sa.ForeignKeyConstraint(
            ["enterprise_id"], ["enterprises.id"], name=op.f("fk_applications_enterprise_id_enterprises")
        ),
        sa.ForeignKeyConstraint(["person_id"], ["persons.id"], name=op.f("fk_applications_person_id_persons")),
        sa.ForeignKeyConstraint(
            ["version_id"], ["catalog_versions.id"], name=op.f("fk_applications_version_id_catalog_versions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_applications")),
        sa.UniqueConstraint("number", name=op.f("uq_applications_number")),
        sa.UniqueConstraint("person_id", "idempotency_key", name=op.f("uq_applications_person_id_idempotency_key")),
    )
    with op.batch_alter_table("applications", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_applications_enterprise_id"), ["enterprise_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_applications_person_id"), ["person_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_applications_service_code"), ["service_code"], unique=False)

    op.create_table(
        "application_files",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("application_id", BIG_ID, nullable=False),
        sa.Column("material_code", sa.String(length=64), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"], ["applications.id"], name=op.f("fk_application_files_application_id_applications")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_application_files")),
    )
    with op.batch_alter_table("application_files", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_application_files_application_id"), ["application_id"], unique=False)

    op.create_table(
        "application_history",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("application_id", BIG_ID, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=128), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"], ["applications.id"], name=op.f("fk_application_history_application_id_applications")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_application_history")),
    )
    with op.batch_alter_table("application_history", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_application_history_application_id"), ["application_id"], unique=False)

    op.create_table(
        "application_tasks",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("application_id", BIG_ID, nullable=False),
        sa.Column("service_code", sa.String(length=64), nullable=False),
        sa.Column("step_id", sa.String(length=64), nullable=False),
        sa.Column("stage", sa.Integer(), nullable=False),
        sa.Column("department_id", BIG_ID, nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by_account_id", BIG_ID, nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("escalated", sa.Boolean(), nullable=False),
        sa.CheckConstraint(
            "status IN ('waiting', 'open', 'approved', 'rejected', 'supplement_requested', 'cancelled')",
            name=op.f("ck_application_tasks_status"),
        ),
        sa.ForeignKeyConstraint(
            ["application_id"], ["applications.id"], name=op.f("fk_application_tasks_application_id_applications")
        ),
        sa.ForeignKeyConstraint(
            ["department_id"], ["departments.id"], name=op.f("fk_application_tasks_department_id_departments")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_application_tasks")),
    )
    with op.batch_alter_table("application_tasks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_application_tasks_application_id"), ["application_id"], unique=False)
        batch_op.create_index("ix_application_tasks_inbox", ["department_id", "status", "due_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("application_tasks", schema=None) as batch_op:
        batch_op.drop_index("ix_application_tasks_inbox")
        batch_op.drop_index(batch_op.f("ix_application_tasks_application_id"))

    op.drop_table("application_tasks")
    with op.batch_alter_table("application_history", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_application_history_application_id"))

    op.drop_table("application_history")
    with op.batch_alter_table("application_files", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_application_files_application_id"))

    op.drop_table("application_files")
    with op.batch_alter_table("applications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_applications_service_code"))
        batch_op.drop_index(batch_op.f("ix_applications_person_id"))
        batch_op.drop_index(batch_op.f("ix_applications_enterprise_id"))

    op.drop_table("applications")
