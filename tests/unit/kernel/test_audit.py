"""Audit events are written in the same transaction as the change they describe."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from onevisit.identity.models import Department
from onevisit.kernel.actors import ActorKind, Principal
from onevisit.kernel.audit import AuditEvent, events_by_account, events_for
from onevisit.kernel.platform import Platform

CLERK = Principal(kind=ActorKind.STAFF, account_id=42, person_id=7, display_name="李文员")


def _count(platform: Platform) -> int:
    with platform.db.session() as session:
        return int(session.scalar(select(func.count()).select_from(AuditEvent)) or 0)


def test_an_audit_record_says_who_did_what_to_which_object_and_when(platform: Platform) -> None:
    before = _count(platform)
    with platform.uow(CLERK, ip="203.0.113.9") as uow:
        uow.audit("test.thing.change", "thing", 99, {"field": "name"})
    with platform.db.session() as session:
        [event] = events_for(session, object_type="thing", object_id="99")
        assert events_by_account(session, 42) == [event]
    assert _count(platform) == before + 1
    assert event.actor == "account:42"
    assert event.actor_account_id == 42
    assert event.action == "test.thing.change"
    assert event.detail == {"field": "name"}
    assert event.at == platform.clock.now()
    assert event.ip == "203.0.113.9"


def test_the_audit_record_rolls_back_with_the_change(platform: Platform) -> None:
    before = _count(platform)
    with pytest.raises(ValueError, match="no"), platform.uow(CLERK) as uow:
        uow.session.add(Department(code="AUD", name_zh="审计", name_en="Audit", region_code="330000"))
        uow.audit("test.department.add", "department", "AUD")
        uow.session.flush()
        raise ValueError("no")
    assert _count(platform) == before
    with platform.db.session() as session:
        assert session.scalar(select(Department).where(Department.code == "AUD")) is None


def test_a_failed_commit_loses_the_audit_record_too(platform: Platform) -> None:
    with platform.uow() as uow:
        uow.session.add(Department(code="DUP", name_zh="甲", name_en="A", region_code="330000"))
    before = _count(platform)
    with pytest.raises(Exception), platform.uow(CLERK) as uow:  # noqa: B017 - the driver's IntegrityError
        uow.audit("test.department.add", "department", "DUP")
        uow.session.add(Department(code="DUP", name_zh="乙", name_en="B", region_code="330000"))
    assert _count(platform) == before


def test_the_system_and_anonymous_actors_are_named_without_personal_data(platform: Platform) -> None:
    with platform.uow() as uow:
        uow.audit("test.job", "thing", 1)
        uow.audit("test.anon", "thing", 1, actor=Principal(kind=ActorKind.ANONYMOUS))
    with platform.db.session() as session:
        actors = [e.actor for e in events_for(session, object_type="thing", object_id="1")]
    assert actors == ["system:platform", "anonymous"]
