"""Catalogue queries and actions."""

from __future__ import annotations

from sqlalchemy import Connection, func, or_, select, text
from sqlalchemy.orm import Session

from onevisit.catalog.models import Service
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


_COUNT = text("SELECT count(*) FROM catalog_services")


def service_count(conn: Connection) -> int:
    """How many services the catalogue offers (plain SQL: it is on the home page)."""
    return int(conn.execute(_COUNT).scalar_one())
