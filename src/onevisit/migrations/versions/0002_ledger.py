"""ledger: append-only Merkle logs, tree heads, witnesses

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "ledger_logs",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("log_id", sa.String(length=64), nullable=False),
        sa.Column("public_key", sa.LargeBinary(length=32), nullable=False),
        sa.Column("tree_size", sa.BigInteger(), nullable=False),
        sa.Column("root_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_logs")),
        sa.UniqueConstraint("log_id", name=op.f("uq_ledger_logs_log_id")),
        sa.UniqueConstraint("name", name=op.f("uq_ledger_logs_name")),
    )
    op.create_table(
        "ledger_witnesses",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("public_key", sa.LargeBinary(length=32), nullable=False),
        sa.Column("description", sa.String(length=200), nullable=False),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_witnesses")),
        sa.UniqueConstraint("name", name=op.f("uq_ledger_witnesses_name")),
        sa.UniqueConstraint("public_key", name=op.f("uq_ledger_witnesses_public_key")),
    )
    op.create_table(
        "ledger_alerts",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("log_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("witness_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("raised_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["log_id"], ["ledger_logs.id"], name=op.f("fk_ledger_alerts_log_id_ledger_logs")),
        sa.ForeignKeyConstraint(
            ["witness_id"], ["ledger_witnesses.id"], name=op.f("fk_ledger_alerts_witness_id_ledger_witnesses")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_alerts")),
    )
    with op.batch_alter_table("ledger_alerts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ledger_alerts_log_id"), ["log_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_ledger_alerts_raised_at"), ["raised_at"], unique=False)
        batch_op.create_index("ix_ledger_alerts_witness", ["witness_id"], unique=False)

    op.create_table(
        "ledger_entries",
        sa.Column("log_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("idx", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("leaf_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["log_id"], ["ledger_logs.id"], name=op.f("fk_ledger_entries_log_id_ledger_logs")),
        sa.PrimaryKeyConstraint("log_id", "idx", name=op.f("pk_ledger_entries")),
        sqlite_with_rowid=False,
    )
    # Lookup by leaf hash (a receipt holder asks for a proof without knowing the index).
    op.create_index("ix_ledger_entries_leaf_hash", "ledger_entries", ["log_id", "leaf_hash"], unique=False)
    op.create_table(
        "ledger_heads",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("log_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("tree_size", sa.BigInteger(), nullable=False),
        sa.Column("root_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("timestamp", sa.BigInteger(), nullable=False),
        sa.Column("signature", sa.LargeBinary(length=64), nullable=False),
        sa.Column("final_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["log_id"], ["ledger_logs.id"], name=op.f("fk_ledger_heads_log_id_ledger_logs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_heads")),
        sa.UniqueConstraint("log_id", "tree_size", name=op.f("uq_ledger_heads_log_id_tree_size")),
    )
    op.create_table(
        "ledger_nodes",
        sa.Column("log_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("level", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("idx", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("hash", sa.LargeBinary(length=32), nullable=False),
        sa.ForeignKeyConstraint(["log_id"], ["ledger_logs.id"], name=op.f("fk_ledger_nodes_log_id_ledger_logs")),
        sa.PrimaryKeyConstraint("log_id", "level", "idx", name=op.f("pk_ledger_nodes")),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "ledger_cosignatures",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("head_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("witness_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("timestamp", sa.BigInteger(), nullable=False),
        sa.Column("signature", sa.LargeBinary(length=64), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["head_id"], ["ledger_heads.id"], name=op.f("fk_ledger_cosignatures_head_id_ledger_heads")
        ),
        sa.ForeignKeyConstraint(
            ["witness_id"], ["ledger_witnesses.id"], name=op.f("fk_ledger_cosignatures_witness_id_ledger_witnesses")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_cosignatures")),
        sa.UniqueConstraint("head_id", "witness_id", name=op.f("uq_ledger_cosignatures_head_id_witness_id")),
    )
    with op.batch_alter_table("ledger_cosignatures", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ledger_cosignatures_head_id"), ["head_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("ledger_cosignatures", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ledger_cosignatures_head_id"))

    op.drop_table("ledger_cosignatures")
    op.drop_table("ledger_nodes")
    op.drop_table("ledger_heads")
    op.drop_index("ix_ledger_entries_leaf_hash", table_name="ledger_entries")
    op.drop_table("ledger_entries")
    with op.batch_alter_table("ledger_alerts", schema=None) as batch_op:
        batch_op.drop_index("ix_ledger_alerts_witness")
        batch_op.drop_index(batch_op.f("ix_ledger_alerts_raised_at"))
        batch_op.drop_index(batch_op.f("ix_ledger_alerts_log_id"))

    op.drop_table("ledger_alerts")
    op.drop_table("ledger_witnesses")
    op.drop_table("ledger_logs")
