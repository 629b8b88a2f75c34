"""The departments' side: inboxes (assigned, due soon, overdue), a clerk's decision on a
task (approve, reject with a reason, ask for a supplement), parallel tasks joined before the
next stage opens, overdue tasks escalated, and the payment that completes an application.

A clerk acts only on their own department's tasks: another department's task answers 404.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from onevisit.applications.errors import ApplicationError
from onevisit.applications.models import Application, HistoryEntry, Task
from onevisit.applications.services import lifecycle
from onevisit.kernel.actors import Principal
from onevisit.kernel.errors import Conflict, FieldError, NotFound, ValidationFailed
from onevisit.kernel.i18n import N_
from onevisit.kernel.platform import Platform
from onevisit.kernel.uow import UnitOfWork

DECISIONS = ("approve", "reject", "supplement")
DUE_SOON = dt.timedelta(days=1)
_TASK_NOT_FOUND = N_("There is no such task in your department's inbox.")
_DECIDED = N_("This task has been decided already.")
_REASON = N_("Give the reason: the applicant will read it.")


@dataclass(frozen=True, slots=True)
class InboxRow:
    task: Task
    application: Application
    state: str  #: overdue / due_soon / on_time


def inbox(session: Session, principal: Principal, now: dt.datetime, *, show: str = "open") -> list[InboxRow]:
    """The department's open tasks, the most urgent first (``show``: open, overdue, due_soon, decided)."""
    if principal.department_id is None:
        return []
    stmt = (
        select(Task, Application)
        .join(Application, Application.id == Task.application_id)
        .where(Task.department_id == principal.department_id)
    )
    if show == "decided":
        stmt = stmt.where(Task.status.in_(("approved", "rejected", "supplement_requested"))).order_by(
            Task.decided_at.desc()
        )
    else:
        stmt = stmt.where(Task.status == "open").order_by(Task.due_at, Task.id)
    rows = []
    for task, app in session.execute(stmt.limit(200)).all():
        state = "on_time"
        if task.due_at is not None and task.status == "open":
            if task.due_at < now:
                state = "overdue"
            elif task.due_at - now <= DUE_SOON:
                state = "due_soon"
        if show in ("overdue", "due_soon") and state != show:
            continue
        rows.append(InboxRow(task, app, state))
    return rows


def task_for(session: Session, principal: Principal, task_id: int) -> tuple[Task, Application]:
    task = session.get(Task, task_id)
    if task is None or principal.department_id is None or task.department_id != principal.department_id:
        raise NotFound(ApplicationError.TASK_NOT_FOUND, _TASK_NOT_FOUND)
    app = session.get(Application, task.application_id)
    assert app is not None  # noqa: S101 - tasks belong to applications
    return task, app


def history(session: Session, app: Application) -> list[HistoryEntry]:
    return list(
        session.scalars(select(HistoryEntry).where(HistoryEntry.application_id == app.id).order_by(HistoryEntry.id))
    )


def tasks_of(session: Session, app: Application) -> list[Task]:
    return list(
        session.scalars(
            select(Task).where(Task.application_id == app.id).order_by(Task.service_code, Task.stage, Task.id)
        )
    )


def decide(
    platform: Platform, principal: Principal, task_id: int, decision: str, reason: str = "", *, ip: str | None = None
) -> Application:
    if decision not in DECISIONS:
        raise ValidationFailed([FieldError("decision", N_("Choose one of the options."))])
    reason = reason.strip()[:2000]
    if decision != "approve" and not reason:
        raise ValidationFailed([FieldError("reason", _REASON)], code=ApplicationError.REASON_MISSING)
    with platform.uow(principal, ip=ip) as uow:
        task, app = task_for(uow.session, principal, task_id)
        now = uow.clock.now()
        status = {"approve": "approved", "reject": "rejected", "supplement": "supplement_requested"}[decision]
        # one decision per task, even when two clerks press the button at once
        claimed = uow.session.execute(
            update(Task)
            .where(Task.id == task.id, Task.status == "open")
            .values(status=status, decided_at=now)
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount != 1 or app.status != "in_review":  # type: ignore[attr-defined]
            raise Conflict(ApplicationError.TASK_DECIDED, _DECIDED)
        task.status = status
        task.decided_at = now
        task.decided_by_account_id = principal.account_id
        task.reason = reason
        detail: dict[str, Any] = {"task": task.id, "service": task.service_code, "step": task.step_id}
        if reason:
            detail["reason"] = reason
        if decision == "reject":
            _close_others(uow, app, task)
            app.status = "rejected"
            app.reason = reason
            app.decided_at = now
            lifecycle.record_history(uow, app, "rejected", detail)
            uow.audit("applications.rejected", "application", app.number, detail)
        elif decision == "supplement":
            app.status = "supplement_requested"
            app.reason = reason
            lifecycle.record_history(uow, app, "supplement_requested", detail)
            uow.audit("applications.supplement_requested", "application", app.number, detail)
        else:
            lifecycle.record_history(uow, app, "task_approved", detail)
            uow.audit("applications.task_approved", "application", app.number, detail)
            _advance(uow, platform, app, task)
        app.updated_at = now
        uow.session.flush()
        uow.session.expunge(app)
    return app


def _close_others(uow: UnitOfWork, app: Application, decided: Task) -> None:
    for other in uow.session.scalars(
        select(Task).where(Task.application_id == app.id, Task.id != decided.id, Task.status.in_(("open", "waiting")))
    ):
        other.status = "cancelled"


def _advance(uow: UnitOfWork, platform: Platform, app: Application, decided: Task) -> None:
    """Parallel tasks join: the next stage of a service opens only when every task of this
    stage is approved; the application is approved when every service's last stage is."""
    session = uow.session
    session.flush()
    siblings = session.scalars(
        select(Task).where(
            Task.application_id == app.id, Task.service_code == decided.service_code, Task.stage == decided.stage
        )
    ).all()
    if any(t.status != "approved" for t in siblings):
        return
    now = uow.clock.now()
    later = session.scalars(
        select(Task).where(
            Task.application_id == app.id, Task.service_code == decided.service_code, Task.stage == decided.stage + 1
        )
    ).all()
    for task in later:
        task.status = "open"
        task.opened_at = now
        task.due_at = lifecycle.working_days_after(now, 3)
    if later:
        return
    remaining = session.scalar(
        select(Task.id).where(
            Task.application_id == app.id, Task.status.in_(("open", "waiting", "supplement_requested"))
        )
    )
    if remaining is None:
        lifecycle.resume(uow, platform, app, paid=False)


def escalate_overdue(platform: Platform) -> int:
    """Marks open tasks past their due time as escalated (once each), with a history entry
    the department's head sees; returns how many. Run by ``onevisit worker``."""
    from onevisit.kernel.actors import system_actor

    with platform.uow(system_actor("applications-deadlines")) as uow:
        now = uow.clock.now()
        overdue = uow.session.scalars(
            select(Task).where(Task.status == "open", Task.escalated.is_(False), Task.due_at < now)
        ).all()
        for task in overdue:
            task.escalated = True
            app = uow.session.get(Application, task.application_id)
            if app is not None:
                lifecycle.record_history(uow, app, "escalated", {"task": task.id, "step": task.step_id})
        if overdue:
            uow.audit("applications.escalated", "application_task", len(overdue), {"tasks": [t.id for t in overdue]})
        return len(overdue)


def settles_an_application(event: Any) -> bool:
    """The subscription's filter: only bills the applications engine raised concern it, so a
    traffic fine or a water bill settles without a second, outbox-delivered transaction."""
    return bool(event.source == "applications")


def on_payment_settled(platform: Platform):  # type: ignore[no-untyped-def]
    """The subscriber app.py wires to ``payments.settled``: a paid bill completes its
    application (idempotent: an application already completed is left alone)."""

    def handler(uow: UnitOfWork, event: Any) -> None:
        if event.source != "applications":
            return
        app = uow.session.scalar(select(Application).where(Application.number == event.reference))
        if app is None or app.status != "awaiting_payment" or app.bill_number != event.bill_number:
            return
        lifecycle.resume(uow, platform, app, paid=True)

    return handler
