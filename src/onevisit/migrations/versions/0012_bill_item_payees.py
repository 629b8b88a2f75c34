"""payments: a bill's items carry their own payee department

A "one matter" bundle is paid once, but its fees belong to several departments. The
settlement journal therefore holds one entry per payee department of a payment (and of a
refund): its uniqueness goes from ``(kind, source_id)`` to ``(kind, source_id,
department_id)``. A refund records how it is split between the departments (``shares``;
NULL for refunds made before this revision: all of it from the bill's department).

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-21 17:10:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("payment_settlement_entries", schema=None) as batch_op:
        batch_op.drop_constraint("uq_payment_settlement_entries_kind_source_id", type_="unique")
        batch_op.create_unique_constraint(
            batch_op.f("uq_payment_settlement_entries_kind_source_id_department_id"),
            ["kind", "source_id", "department_id"],
        )
    with op.batch_alter_table("payment_refunds", schema=None) as batch_op:
        batch_op.add_column(sa.Column("shares", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("payment_refunds", schema=None) as batch_op:
        batch_op.drop_column("shares")
    with op.batch_alter_table("payment_settlement_entries", schema=None) as batch_op:
        batch_op.drop_constraint("uq_payment_settlement_entries_kind_source_id_department_id", type_="unique")
        batch_op.create_unique_constraint(
            batch_op.f("uq_payment_settlement_entries_kind_source_id"), ["kind", "source_id"]
        )
