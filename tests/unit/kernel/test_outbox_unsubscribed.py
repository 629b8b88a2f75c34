"""An event nobody subscribes to is recorded, already delivered, in the emitting transaction."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from sqlalchemy import select

from onevisit.kernel.events import Event, OutboxMessage
from onevisit.kernel.platform import Platform


@dataclass(frozen=True, slots=True)
class NobodyListens(Event):
    name: ClassVar[str] = "test.nobody_listens"
    value: int


def test_an_unsubscribed_event_is_stored_as_delivered_without_a_second_transaction(platform: Platform) -> None:
    with platform.uow() as uow:
        uow.emit(NobodyListens(value=7))
    with platform.db.session() as session:
        message = session.scalar(select(OutboxMessage).where(OutboxMessage.name == "test.nobody_listens"))
    assert message is not None
    assert message.payload == {"value": 7}
    assert message.delivered_at is not None
    assert message.attempts == 0
    assert platform.deliver_pending_events() == 0


def test_an_unsubscribed_event_is_not_stored_when_the_change_rolls_back(platform: Platform) -> None:
    try:
        with platform.uow() as uow:
            uow.emit(NobodyListens(value=8))
            raise RuntimeError("the change fails")
    except RuntimeError:
        pass
    with platform.db.session() as session:
        assert session.scalar(select(OutboxMessage).where(OutboxMessage.name == "test.nobody_listens")) is None
