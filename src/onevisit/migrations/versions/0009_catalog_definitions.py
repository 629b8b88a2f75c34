"""catalog: service definitions loaded from YAML (versions, bundles, facets, load audit)

``catalog_services`` becomes the listing of what is offered now (services and bundles,
with their current version, whether they are instant, their committed time limit and a
search text); ``catalog_versions`` keeps every definition ever loaded; ``catalog_tags``
the life events, topics and departments services are browsed by; ``catalog_loads`` every
load of a definition file, accepted or rejected, with who loaded it.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-23 09:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "catalog_loads",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("loaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=128), nullable=False),
        sa.Column("account_id", BIG_ID, nullable=True),
        sa.Column("added", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.Column("unchanged", sa.Integer(), nullable=False),
        sa.Column("codes", sa.JSON(), nullable=False),
        sa.Column("problems", sa.JSON(), nullable=False),
        sa.CheckConstraint("status IN ('loaded', 'unchanged', 'rejected')", name=op.f("ck_catalog_loads_status")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalog_loads")),
    )
    with op.batch_alter_table("catalog_loads", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_catalog_loads_loaded_at"), ["loaded_at"], unique=False)

    with op.batch_alter_table("catalog_services", schema=None) as batch_op:
        batch_op.add_column(sa.Column("kind", sa.String(length=16), nullable=False, server_default="service"))
        batch_op.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("instant", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column("committed_days", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("search_text", sa.Text(), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_check_constraint(op.f("ck_catalog_services_kind"), "kind IN ('service', 'bundle')")

    op.create_table(
        "catalog_tags",
        sa.Column("facet", sa.String(length=16), nullable=False),
        sa.Column("value", sa.String(length=64), nullable=False),
        sa.Column("service_id", BIG_ID, nullable=False),
        sa.CheckConstraint("facet IN ('life_event', 'topic', 'department')", name=op.f("ck_catalog_tags_facet")),
        sa.ForeignKeyConstraint(
            ["service_id"], ["catalog_services.id"], name=op.f("fk_catalog_tags_service_id_catalog_services")
        ),
        sa.PrimaryKeyConstraint("facet", "value", "service_id", name=op.f("pk_catalog_tags")),
    )
    with op.batch_alter_table("catalog_tags", schema=None) as batch_op:
        batch_op.create_index("ix_catalog_tags_service_id", ["service_id"], unique=False)

    op.create_table(
        "catalog_versions",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("service_id", BIG_ID, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("definition", sa.JSON(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("load_id", BIG_ID, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["load_id"], ["catalog_loads.id"], name=op.f("fk_catalog_versions_load_id_catalog_loads")
        ),
        sa.ForeignKeyConstraint(
            ["service_id"], ["catalog_services.id"], name=op.f("fk_catalog_versions_service_id_catalog_services")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalog_versions")),
        sa.UniqueConstraint("service_id", "version", name=op.f("uq_catalog_versions_service_id_version")),
    )
    with op.batch_alter_table("catalog_versions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_catalog_versions_load_id"), ["load_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("catalog_versions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_catalog_versions_load_id"))
    op.drop_table("catalog_versions")
    with op.batch_alter_table("catalog_tags", schema=None) as batch_op:
        batch_op.drop_index("ix_catalog_tags_service_id")
    op.drop_table("catalog_tags")
    with op.batch_alter_table("catalog_services", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_catalog_services_kind"), type_="check")
        batch_op.drop_column("updated_at")
        batch_op.drop_column("search_text")
        batch_op.drop_column("committed_days")
        batch_op.drop_column("instant")
        batch_op.drop_column("version")
        batch_op.drop_column("kind")
    with op.batch_alter_table("catalog_loads", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_catalog_loads_loaded_at"))
    op.drop_table("catalog_loads")
