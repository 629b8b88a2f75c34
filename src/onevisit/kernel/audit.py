"""Append-only audit events: who did what to which object, when.

Written by services through ``UnitOfWork.audit`` in the same transaction as the change, so
an action and its audit record stand or fall together. Rows are never updated or deleted by
the application.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Index, String, or_, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from onevisit.kernel.db import Base, BigId, UTCDateTime


class AuditEvent(Base):
    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    actor: Mapped[str] = mapped_column(String(64), index=True)
    actor_account_id: Mapped[int | None] = mapped_column(BigId, index=True)
    action: Mapped[str] = mapped_column(String(64), index=True)
    object_type: Mapped[str] = mapped_column(String(48))
    object_id: Mapped[str] = mapped_column(String(64))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    ip: Mapped[str | None] = mapped_column(String(45))

    __table_args__ = (Index("ix_audit_events_object", "object_type", "object_id"),)


def events_for(session: Session, *, object_type: str, object_id: str) -> list[AuditEvent]:
    stmt = (
        select(AuditEvent)
        .where(AuditEvent.object_type == object_type, AuditEvent.object_id == object_id)
        .order_by(AuditEvent.id)
    )
    return list(session.scalars(stmt))


def events_by_account(session: Session, account_id: int, *, limit: int = 50) -> list[AuditEvent]:
    """What an account did, and what was done to it (failed logins, lock-outs)."""
    stmt = (
        select(AuditEvent)
        .where(
            or_(
                AuditEvent.actor_account_id == account_id,
                (AuditEvent.object_type == "account") & (AuditEvent.object_id == str(account_id)),
            )
        )
        .order_by(AuditEvent.id.desc())
        .limit(limit)
    )
    return list(session.scalars(stmt))
