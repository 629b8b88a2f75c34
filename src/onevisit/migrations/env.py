"""Alembic environment. The URL comes from settings; migrations themselves import no app code."""

from __future__ import annotations

from typing import Literal

from alembic import context
from sqlalchemy import engine_from_config, pool

from onevisit.kernel.settings import get_settings
from onevisit.tables import metadata

config = context.config
url = config.get_main_option("sqlalchemy.url") or get_settings().database_url
if url.startswith("postgresql://"):
    url = "postgresql+psycopg://" + url.removeprefix("postgresql://")


def render_item(type_: str, obj: object, autogen_context: object) -> str | Literal[False]:
    """Render our TypeDecorators as plain SQLAlchemy types: migrations import no app code."""
    if type_ == "type" and type(obj).__name__ == "UTCDateTime":
        return "sa.DateTime(timezone=True)"
    return False


def run_offline() -> None:
    context.configure(url=url, target_metadata=metadata, literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connectable = config.attributes.get("connection")
    if connectable is None:
        engine = engine_from_config({"sqlalchemy.url": url}, prefix="sqlalchemy.", poolclass=pool.NullPool)
        with engine.connect() as connection:
            _run(connection)
    else:
        _run(connectable)


def _run(connection: object) -> None:
    context.configure(
        connection=connection,  # type: ignore[arg-type]
        target_metadata=metadata,
        render_as_batch=True,
        compare_type=True,
        render_item=render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
