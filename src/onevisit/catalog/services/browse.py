"""Catalogue queries and actions."""

from __future__ import annotations

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from onevisit.catalog.models import Service
from onevisit.kernel.db import Database
from onevisit.kernel.hotsql import HotQuery, hot_reader
from onevisit.kernel.pagination import Page, paginate


def search_services(session: Session, query: str, *, page: int = 1, per_page: int = 20) -> Page[Service]:
    """Services whose name or summary contains the query, in either language."""
    stmt = select(Service)
    terms = [t for t in query.split() if t][:8]
    for term in terms:
        pattern = f"%{term.lower()}%"
        stmt = stmt.where(
            or_(
                func.lower(Service.name_zh).like(pattern),
                func.lower(Service.name_en).like(pattern),
                func.lower(Service.summary_zh).like(pattern),
                func.lower(Service.summary_en).like(pattern),
                func.lower(Service.code).like(pattern),
            )
        )
    return paginate(session, stmt.order_by(Service.code), page=page, per_page=per_page)


_COUNT = HotQuery("SELECT count(*) FROM catalog_services")


def service_count(db: Database) -> int:
    """How many services the catalogue offers (hot path: it is on the home page)."""
    with hot_reader(db) as reader:
        row = reader.first(_COUNT, {})
    return int(row[0]) if row else 0
