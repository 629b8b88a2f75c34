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


@dataclass(frozen=True, slots=True)
class SomeWant(Event):
    name: ClassVar[str] = "test.some_want"
    value: int


def test_a_filtered_subscription_gets_only_what_it_wants_and_the_rest_costs_no_delivery(platform: Platform) -> None:
    seen: list[int] = []
    platform.bus.subscribe(SomeWant, lambda _uow, e: seen.append(e.value), when=lambda e: e.value % 2 == 0)
    with platform.uow() as uow:
        uow.emit(SomeWant(value=1))  # nobody wants it: stored delivered, no second transaction
        uow.emit(SomeWant(value=2))  # delivered to the subscriber after commit
    assert seen == [2]
    with platform.db.session() as session:
        messages = session.scalars(
            select(OutboxMessage).where(OutboxMessage.name == "test.some_want").order_by(OutboxMessage.id)
        ).all()
    assert [(m.payload["value"], m.delivered_at is not None, m.attempts) for m in messages] == [
        (1, True, 0),
        (2, True, 1),
    ]
    assert platform.deliver_pending_events() == 0
