"""payments: room for page-pay URLs (the order signed into the URL the payer carries)

Alipay- and UnionPay-style page pay needs no server-to-server call: the platform signs the
order's fields into the channel URL and the payer's browser carries it there. Those URLs
(subject, notify and return URLs, signature) are longer than 300 characters.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-22 17:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("payment_orders", schema=None) as batch_op:
        batch_op.alter_column(
            "pay_url", existing_type=sa.String(length=300), type_=sa.String(length=1000), existing_nullable=False
        )


def downgrade() -> None:
    with op.batch_alter_table("payment_orders", schema=None) as batch_op:
        batch_op.alter_column(
            "pay_url", existing_type=sa.String(length=1000), type_=sa.String(length=300), existing_nullable=False
        )
