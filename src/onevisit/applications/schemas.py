"""Pydantic shapes of the applications API."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from onevisit.applications.models import Application, Task


class ApplyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    service: str = Field(max_length=64, description="a service or bundle code from the catalogue")
    form: dict[str, str] = Field(default_factory=dict, description="the form's values, as text")
    commitments: list[str] = Field(default_factory=list, max_length=40, description="material codes committed to")
    idempotency_key: str | None = Field(
        default=None, min_length=8, max_length=64, description="the same key never creates a second application"
    )


class ApplicationOut(BaseModel):
    number: str
    service: str
    kind: str
    status: str
    instant: bool
    materials: list[dict[str, Any]]
    fee_total_fen: int
    bill_number: str | None
    certificates: list[str]
    reason: str
    submitted_at: dt.datetime | None
    due_at: dt.datetime | None
    enterprise: dict[str, str] | None = Field(
        default=None, description="the enterprise it established: its name and unified social credit code"
    )

    @classmethod
    def of(cls, app: Application) -> ApplicationOut:
        return cls(
            number=app.number,
            service=app.service_code,
            kind=app.kind,
            status=app.status,
            instant=app.instant,
            materials=list(app.materials),
            fee_total_fen=app.fee_total_fen,
            bill_number=app.bill_number,
            certificates=list(app.certificates),
            reason=app.reason,
            submitted_at=app.submitted_at,
            due_at=app.due_at,
            enterprise=(app.outcome or {}).get("enterprise"),
        )


class TaskOut(BaseModel):
    id: int
    application: str
    service: str
    step: str
    status: str
    due_at: dt.datetime | None
    state: str = Field(description="on_time, due_soon or overdue")
    escalated: bool

    @classmethod
    def of(cls, task: Task, app: Application, state: str) -> TaskOut:
        return cls(
            id=task.id,
            application=app.number,
            service=task.service_code,
            step=task.step_id,
            status=task.status,
            due_at=task.due_at,
            state=state,
            escalated=task.escalated,
        )


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    decision: str = Field(pattern="^(approve|reject|supplement)$")
    reason: str = Field(default="", max_length=2000)
