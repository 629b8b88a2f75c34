"""Audit records and events for many changes at once, in the unit of work's transaction.

``uow.audit`` and ``uow.emit`` add one ORM object each, flushed one by one; a settlement
batch writes dozens, so here they are one INSERT per table (driver-level, see ``rows``) —
the same rows as ``uow.audit``/``uow.emit`` write, in the same transaction, standing or
falling with the change they describe. Events somebody subscribes to still go through
``uow.emit`` so they are delivered after commit.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any, NamedTuple

from onevisit.kernel.actors import Principal
from onevisit.kernel.events import Event
from onevisit.kernel.rows import Rows
from onevisit.kernel.uow import UnitOfWork


class AuditEntry(NamedTuple):
    action: str
    object_type: str
    object_id: object
    detail: dict[str, Any]
    #: None: the unit of work's
    ip: str | None = None
    actor: Principal | None = None


AUDIT_COLUMNS = (
    ("at", "time"),
    ("actor", "text"),
    ("actor_account_id", "int"),
    ("action", "text"),
    ("object_type", "text"),
    ("object_id", "text"),
    ("detail", "json"),
    ("ip", "text"),
)
OUTBOX_COLUMNS = (
    ("name", "text"),
    ("payload", "json"),
    ("created_at", "time"),
    ("delivered_at", "time"),
    ("attempts", "int"),
)


def audit_many(uow: UnitOfWork, entries: Sequence[AuditEntry], *, rows: Rows | None = None) -> None:
    if not entries:
        return
    now = uow.clock.now()
    (rows or Rows(uow.session)).insert(
        "audit_events",
        AUDIT_COLUMNS,
        [
            (
                now,
                (e.actor or uow.actor).label,
                (e.actor or uow.actor).account_id,
                e.action,
                e.object_type,
                str(e.object_id),
                e.detail,
                e.ip or uow.ip,
            )
            for e in entries
        ],
    )


def emit_many(uow: UnitOfWork, events: Sequence[Event], *, rows: Rows | None = None) -> None:
    if not events:
        return
    bus = uow.platform.bus
    quiet: list[Event] = []
    for event in events:
        if bus.wants(event):
            uow.emit(event)  # delivered to its subscribers after commit
        else:
            bus.register(type(event))
            quiet.append(event)
    if quiet:
        # Nobody listens: kept as a record, already delivered (as uow.emit does).
        now = uow.clock.now()
        (rows or Rows(uow.session)).insert(
            "outbox", OUTBOX_COLUMNS, [(e.name, _payload(e), now, now, 0) for e in quiet]
        )


def _payload(event: Event) -> dict[str, Any]:
    # ``Event.payload`` is ``dataclasses.asdict``, a deep copy; these events are flat.
    values = {f.name: getattr(event, f.name) for f in dataclasses.fields(event)}
    if any(isinstance(v, dict | list | tuple) for v in values.values()):
        return event.payload()
    return values
