"""Domain events through a transactional outbox.

A service calls ``uow.emit(SomethingHappened(...))``: the event is written to the
``outbox`` table in the same transaction as the change. Only after that transaction commits
does the bus deliver it to subscribers, each in its own transaction. If the process dies in
between, the row stays undelivered and ``onevisit outbox deliver`` (or the periodic job)
delivers it later, so subscribers must be idempotent. Subscriptions are registered in one
place, ``onevisit.app``; there are no framework signals.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Callable
from typing import Any, ClassVar, Protocol

from sqlalchemy import JSON, Integer, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column

from onevisit.kernel.db import Base, BigId, UTCDateTime

log = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True, slots=True)
class Event:
    """Base for events; subclasses are frozen dataclasses with JSON-friendly fields."""

    name: ClassVar[str] = "event"

    def payload(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


class OutboxMessage(Base):
    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(96), index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    delivered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)


class UnitOfWorkFactory(Protocol):
    def __call__(self) -> Any: ...


Handler = Callable[[Any, Any], None]
#: a subscription's filter: ``False`` means "not for me" (decided from the event alone)
Wanted = Callable[[Any], bool]
"""``handler(uow, event)``: runs in its own unit of work after the emitting one commits."""


class EventBus:
    """Maps event names to classes and subscribers; delivers outbox rows."""

    def __init__(self) -> None:
        self._types: dict[str, type[Event]] = {}
        self._handlers: dict[str, list[tuple[str, Handler]]] = {}
        self._filters: dict[str, list[Wanted | None]] = {}

    def register(self, event_type: type[Event]) -> None:
        self._types[event_type.name] = event_type

    def subscribe(
        self, event_type: type[Event], handler: Handler, *, name: str = "", when: Wanted | None = None
    ) -> None:
        """``when`` narrows the subscription to the events it accepts; an event no subscriber
        wants is stored already delivered, costing no second transaction (see :meth:`wants`)."""
        self.register(event_type)
        label = name or getattr(handler, "__qualname__", repr(handler))
        self._handlers.setdefault(event_type.name, []).append((label, handler))
        self._filters.setdefault(event_type.name, []).append(when)

    def subscribers(self, event_name: str) -> list[str]:
        return [label for label, _ in self._handlers.get(event_name, [])]

    def wants(self, event: Event) -> bool:
        """Whether any subscriber wants this event (a subscription without a filter wants all)."""
        return any(when is None or when(event) for when in self._filters.get(event.name, []))

    def _handlers_for(self, event: Event) -> list[Handler]:
        pairs = zip(self._handlers.get(event.name, []), self._filters.get(event.name, []), strict=True)
        return [handler for (_label, handler), when in pairs if when is None or when(event)]

    def decode(self, message: OutboxMessage) -> Event | None:
        event_type = self._types.get(message.name)
        if event_type is None:
            return None
        return event_type(**message.payload)

    def deliver(self, message_ids: list[int], make_uow: Callable[[], Any]) -> int:
        """Delivers the given outbox messages; returns how many were delivered."""
        delivered = 0
        for message_id in message_ids:
            if self._deliver_one(message_id, make_uow):
                delivered += 1
        return delivered

    def deliver_pending(self, make_uow: Callable[[], Any], *, limit: int = 1000) -> int:
        with make_uow() as uow:
            ids = list(
                uow.session.scalars(
                    select(OutboxMessage.id)
                    .where(OutboxMessage.delivered_at.is_(None))
                    .order_by(OutboxMessage.id)
                    .limit(limit)
                )
            )
        return self.deliver(ids, make_uow)

    def _deliver_one(self, message_id: int, make_uow: Callable[[], Any]) -> bool:
        try:
            with make_uow() as uow:
                message = uow.session.get(OutboxMessage, message_id, with_for_update=True)
                if message is None or message.delivered_at is not None:
                    return False
                event = self.decode(message)
                if event is not None:
                    for handler in self._handlers_for(event):
                        handler(uow, event)
                message.delivered_at = uow.clock.now()
                message.attempts += 1
            return True
        except Exception as exc:  # a subscriber failed: keep the message for a retry
            log.exception("delivering outbox message %s failed", message_id)
            with make_uow() as uow:
                message = uow.session.get(OutboxMessage, message_id)
                if message is not None:
                    message.attempts += 1
                    message.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            return False
