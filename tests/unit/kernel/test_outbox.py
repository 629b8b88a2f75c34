"""The transactional outbox: events are delivered after commit, never on rollback, and
retried when a subscriber fails."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import pytest
from sqlalchemy import func, select

from onevisit.identity.models import Department
from onevisit.kernel.events import Event, OutboxMessage
from onevisit.kernel.platform import Platform


@dataclass(frozen=True, slots=True)
class ThingHappened(Event):
    name: ClassVar[str] = "test.thing_happened"
    thing: str


class Recorder:
    def __init__(self, platform: Platform) -> None:
        self.platform = platform
        self.seen: list[str] = []
        self.fail = False

    def __call__(self, uow: Any, event: ThingHappened) -> None:
        if self.fail:
            raise RuntimeError("subscriber is down")
        # A subscriber writes in its own transaction; it must see the emitter's change.
        assert uow.session.scalar(select(Department).where(Department.code == event.thing)) is not None
        self.seen.append(event.thing)


@pytest.fixture
def recorder(platform: Platform) -> Recorder:
    recorder = Recorder(platform)
    platform.bus.subscribe(ThingHappened, recorder, name="recorder")
    return recorder


def _add_department(uow: Any, code: str) -> None:
    uow.session.add(Department(code=code, name_zh="测试", name_en="Test", region_code="330000"))
    uow.session.flush()


def _messages(platform: Platform) -> list[OutboxMessage]:
    with platform.db.session() as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def test_an_event_is_delivered_only_after_the_commit(platform: Platform, recorder: Recorder) -> None:
    with platform.uow() as uow:
        _add_department(uow, "D1")
        uow.emit(ThingHappened("D1"))
        assert recorder.seen == []  # not while the transaction is open
    assert recorder.seen == ["D1"]
    [message] = _messages(platform)
    assert message.name == "test.thing_happened"
    assert message.payload == {"thing": "D1"}
    assert message.delivered_at == platform.clock.now()
    assert message.attempts == 1


def test_a_rolled_back_unit_of_work_announces_nothing(platform: Platform, recorder: Recorder) -> None:
    with pytest.raises(RuntimeError, match="boom"), platform.uow() as uow:
        _add_department(uow, "D2")
        uow.emit(ThingHappened("D2"))
        raise RuntimeError("boom")
    assert recorder.seen == []
    assert _messages(platform) == []
    assert platform.deliver_pending_events() == 0
    with platform.db.session() as session:
        assert session.scalar(select(func.count()).select_from(Department)) == 0


def test_a_failing_subscriber_leaves_the_message_for_a_retry(platform: Platform, recorder: Recorder) -> None:
    recorder.fail = True
    with platform.uow() as uow:
        _add_department(uow, "D3")
        uow.emit(ThingHappened("D3"))
    # The emitting transaction stands; the message waits with the error recorded.
    with platform.db.session() as session:
        assert session.scalar(select(Department).where(Department.code == "D3")) is not None
    [message] = _messages(platform)
    assert message.delivered_at is None
    assert message.attempts == 1
    assert message.last_error == "RuntimeError: subscriber is down"
    assert recorder.seen == []

    recorder.fail = False
    platform.clock.advance(minutes=5)  # type: ignore[attr-defined]
    assert platform.deliver_pending_events() == 1
    assert recorder.seen == ["D3"]
    [message] = _messages(platform)
    assert message.delivered_at == platform.clock.now()
    assert message.attempts == 2
    # Delivered once: a second sweep finds nothing to do.
    assert platform.deliver_pending_events() == 0
    assert recorder.seen == ["D3"]


def test_a_subscribers_own_writes_roll_back_when_it_fails(platform: Platform) -> None:
    def writes_then_fails(uow: Any, event: ThingHappened) -> None:
        _add_department(uow, "WRITTEN-BY-SUBSCRIBER")
        raise RuntimeError("half way")

    platform.bus.subscribe(ThingHappened, writes_then_fails)
    with platform.uow() as uow:
        _add_department(uow, "D4")
        uow.emit(ThingHappened("D4"))
    with platform.db.session() as session:
        codes = set(session.scalars(select(Department.code)))
    assert codes == {"D4"}


def test_every_subscriber_gets_the_event_and_an_event_with_none_is_marked_delivered(platform: Platform) -> None:
    calls: list[str] = []
    platform.bus.subscribe(ThingHappened, lambda uow, e: calls.append("a:" + e.thing), name="a")
    platform.bus.subscribe(ThingHappened, lambda uow, e: calls.append("b:" + e.thing), name="b")
    assert platform.bus.subscribers("test.thing_happened") == ["a", "b"]
    with platform.uow() as uow:
        _add_department(uow, "D5")
        uow.emit(ThingHappened("D5"))
    assert calls == ["a:D5", "b:D5"]
