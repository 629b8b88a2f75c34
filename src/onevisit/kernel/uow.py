"""The unit of work: one transaction, its audit records and its events.

Every state change in OneVisit happens inside ``with platform.uow(actor) as uow:``. A
service receives the ``uow`` and uses ``uow.session`` for data, ``uow.clock`` for time,
``uow.audit(...)`` to record what it did and ``uow.emit(...)`` to announce it. On a clean
exit the transaction commits once; then, and only then, the emitted events are delivered.
On an exception everything is rolled back: nothing half-written, nothing announced.
"""

from __future__ import annotations

from types import TracebackType
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from onevisit.kernel.actors import Principal
from onevisit.kernel.audit import AuditEvent
from onevisit.kernel.events import Event, OutboxMessage

if TYPE_CHECKING:
    from onevisit.kernel.platform import Platform


class UnitOfWork:
    def __init__(
        self,
        session: Session,
        *,
        actor: Principal,
        platform: Platform,
        ip: str | None = None,
    ) -> None:
        self.session = session
        self.actor = actor
        self.platform = platform
        self.clock = platform.clock
        self.ip = ip
        self._outbox: list[OutboxMessage] = []

    def emit(self, event: Event) -> None:
        bus = self.platform.bus
        bus.register(type(event))
        now = self.clock.now()
        message = OutboxMessage(name=event.name, payload=event.payload(), created_at=now, attempts=0)
        if not bus.wants(event):
            # Nobody listens (subscriptions are all wired at start-up): the event is kept
            # as a record, already delivered, and costs no second transaction.
            message.delivered_at = now
            self.session.add(message)
            return
        self.session.add(message)
        self._outbox.append(message)

    def audit(
        self,
        action: str,
        object_type: str,
        object_id: object,
        detail: dict[str, Any] | None = None,
        *,
        actor: Principal | None = None,
    ) -> None:
        who = actor or self.actor
        self.session.add(
            AuditEvent(
                at=self.clock.now(),
                actor=who.label,
                actor_account_id=who.account_id,
                action=action,
                object_type=object_type,
                object_id=str(object_id),
                detail=detail or {},
                ip=self.ip,
            )
        )

    def __enter__(self) -> UnitOfWork:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if exc_type is None:
                self.session.commit()
            else:
                self.session.rollback()
        finally:
            self.session.close()
        if exc_type is None and self._outbox:
            ids = [message.id for message in self._outbox]
            self._outbox.clear()
            self.platform.deliver_events(ids)
