"""ledger: look entries up by an 8-byte prefix of the leaf hash

The ``(log_id, leaf_hash)`` index put a 32-byte random key into a B-tree on every append,
which cost SQLite about 40% of its batch append rate. It is replaced by ``(log_id, leaf_key)``,
``leaf_key`` being the hash's first 8 bytes as a signed big-endian 64-bit integer; lookups
compare the whole hash on the rows the index leads to.

Existing entries get their key here: in SQL on PostgreSQL; on SQLite (which cannot add a
NOT NULL column without a default, nor turn a blob into an integer) the table is rebuilt,
its key computed by a Python function registered on the connection for the copy.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22 15:30:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _leaf_key(leaf: bytes) -> int:
    # the application's services.logs.leaf_key (migrations import no application code)
    return int.from_bytes(leaf[:8], "big", signed=True)


def _rebuild_sqlite_entries() -> None:
    bind = op.get_bind()
    bind.connection.driver_connection.create_function("ledger_leaf_key", 1, _leaf_key, deterministic=True)  # type: ignore[union-attr]
    op.create_table(
        "ledger_entries_0006",
        sa.Column("log_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("idx", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("leaf_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("leaf_key", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["log_id"], ["ledger_logs.id"], name=op.f("fk_ledger_entries_log_id_ledger_logs")),
        sa.PrimaryKeyConstraint("log_id", "idx", name=op.f("pk_ledger_entries")),
        sqlite_with_rowid=False,
    )
    op.execute(
        "INSERT INTO ledger_entries_0006 (log_id, idx, leaf_hash, data, leaf_key)"
        " SELECT log_id, idx, leaf_hash, data, ledger_leaf_key(leaf_hash) FROM ledger_entries ORDER BY log_id, idx"
    )
    op.drop_table("ledger_entries")
    op.rename_table("ledger_entries_0006", "ledger_entries")


def upgrade() -> None:
    op.drop_index("ix_ledger_entries_leaf_hash", table_name="ledger_entries")
    if op.get_bind().dialect.name == "sqlite":
        _rebuild_sqlite_entries()
    else:
        op.add_column("ledger_entries", sa.Column("leaf_key", sa.BigInteger(), nullable=True))
        # the first 8 bytes, read as a two's-complement 64-bit integer
        op.execute(
            "UPDATE ledger_entries SET leaf_key = ('x' || encode(substring(leaf_hash from 1 for 8), 'hex'))::bit(64)::bigint"
        )
        op.alter_column("ledger_entries", "leaf_key", existing_type=sa.BigInteger(), nullable=False)
    op.create_index("ix_ledger_entries_leaf_key", "ledger_entries", ["log_id", "leaf_key"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_ledger_entries_leaf_key", table_name="ledger_entries")
    op.execute("ALTER TABLE ledger_entries DROP COLUMN leaf_key")  # SQLite ≥ 3.35 and PostgreSQL alike
    op.create_index("ix_ledger_entries_leaf_hash", "ledger_entries", ["log_id", "leaf_hash"], unique=False)
