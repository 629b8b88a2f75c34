"""Audit records and events for many changes at once, in the unit of work's transaction.

``uow.audit`` and ``uow.emit`` add one ORM object each, flushed one by one; a settlement
batch writes dozens, so here they are one multi-row INSERT per table — the same rows, in
the same transaction, standing or falling with the change they describe. Events somebody
subscribes to still go through ``uow.emit`` so they are delivered after commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

from sqlalchemy import insert

from onevisit.kernel.actors import Principal
from onevisit.kernel.audit import AuditEvent
from onevisit.kernel.events import Event, OutboxMessage
from onevisit.kernel.uow import UnitOfWork


class AuditEntry(NamedTuple):
    action: str
    object_type: str
    object_id: object
    detail: dict[str, Any]
    #: None: the unit of work's
    ip: str | None = None
    actor: Principal | None = None


def audit_many(uow: UnitOfWork, entries: Sequence[AuditEntry]) -> None:
    if not entries:
        return
    now = uow.clock.now()
    uow.session.execute(
        insert(AuditEvent.__table__),  # type: ignore[arg-type]
        [
            {
                "at": now,
                "actor": (e.actor or uow.actor).label,
                "actor_account_id": (e.actor or uow.actor).account_id,
                "action": e.action,
                "object_type": e.object_type,
                "object_id": str(e.object_id),
                "detail": e.detail,
                "ip": e.ip or uow.ip,
            }
            for e in entries
        ],
    )


def emit_many(uow: UnitOfWork, events: Sequence[Event]) -> None:
    if not events:
        return
    bus = uow.platform.bus
    quiet: list[Event] = []
    for event in events:
        if bus.subscribers(event.name):
            uow.emit(event)  # delivered to its subscribers after commit
        else:
            bus.register(type(event))
            quiet.append(event)
    if quiet:
        # Nobody listens: kept as a record, already delivered (as uow.emit does).
        now = uow.clock.now()
        uow.session.execute(
            insert(OutboxMessage.__table__),  # type: ignore[arg-type]
            [
                {"name": e.name, "payload": e.payload(), "created_at": now, "delivered_at": now, "attempts": 0}
                for e in quiet
            ],
        )
