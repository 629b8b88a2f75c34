"""Applications tables: an application (pinned to the catalogue version it started with),
the department tasks it creates, the files uploaded for it, and its history.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from onevisit.kernel.db import Base, BigId, UTCDateTime

#: draft → in_review ⇄ supplement_requested → awaiting_payment → completed; or rejected,
#: withdrawn (by the applicant, before a decision)
STATUSES = ("draft", "in_review", "supplement_requested", "awaiting_payment", "completed", "rejected", "withdrawn")
OPEN = ("draft", "in_review", "supplement_requested", "awaiting_payment")
#: waiting (a later stage) → open → approved | rejected | supplement_requested; cancelled
TASK_STATUSES = ("waiting", "open", "approved", "rejected", "supplement_requested", "cancelled")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Application(Base):
    __tablename__ = "applications"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    #: "service" or "bundle"
    kind: Mapped[str] = mapped_column(String(16))
    service_code: Mapped[str] = mapped_column(String(64), index=True)
    #: the catalogue version it started with, kept whatever is loaded later
    version_id: Mapped[int] = mapped_column(BigId, ForeignKey("catalog_versions.id"))
    applicant_kind: Mapped[str] = mapped_column(String(16))
    person_id: Mapped[int] = mapped_column(BigId, ForeignKey("persons.id"), index=True)
    enterprise_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("enterprises.id"), index=True)
    status: Mapped[str] = mapped_column(String(24))
    #: the form's values as typed (strings), kept on errors
    form: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: how each material was provided: ``[{"code", "source", "reference", "label"}]``
    materials: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    #: the applicant's commitments (material codes) made on the form
    commitments: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: the rules' verdicts at submission (eligibility, checks, instant approval), for the record
    outcome: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    instant: Mapped[bool] = mapped_column(default=False)
    fee_total_fen: Mapped[int] = mapped_column(BigId, default=0)
    bill_number: Mapped[str | None] = mapped_column(String(32))
    certificates: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: a client's key for "submit": the same key never submits twice
    idempotency_key: Mapped[str | None] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    submitted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    due_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)

    __table_args__ = (
        CheckConstraint(_in("status", STATUSES), name="status"),
        UniqueConstraint("person_id", "idempotency_key"),
    )


class Task(Base):
    """One department's review of one step of an application."""

    __tablename__ = "application_tasks"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    application_id: Mapped[int] = mapped_column(BigId, ForeignKey("applications.id"), index=True)
    #: the service the step belongs to (a bundle's member, or the service itself)
    service_code: Mapped[str] = mapped_column(String(64))
    step_id: Mapped[str] = mapped_column(String(64))
    #: position among the service's review stages; a parallel group shares one stage
    stage: Mapped[int] = mapped_column(Integer)
    department_id: Mapped[int] = mapped_column(BigId, ForeignKey("departments.id"))
    status: Mapped[str] = mapped_column(String(24))
    opened_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    due_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    decided_by_account_id: Mapped[int | None] = mapped_column(BigId)
    reason: Mapped[str] = mapped_column(Text, default="")
    escalated: Mapped[bool] = mapped_column(default=False)

    __table_args__ = (
        CheckConstraint(_in("status", TASK_STATUSES), name="status"),
        Index("ix_application_tasks_inbox", "department_id", "status", "due_at"),
    )


class ApplicationFile(Base):
    """A file uploaded for a material, when no department holds it."""

    __tablename__ = "application_files"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    application_id: Mapped[int] = mapped_column(BigId, ForeignKey("applications.id"), index=True)
    material_code: Mapped[str] = mapped_column(String(64))
    file_name: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    uploaded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class HistoryEntry(Base):
    """What happened to an application, when and by whom (shown to applicant and clerks)."""

    __tablename__ = "application_history"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    application_id: Mapped[int] = mapped_column(BigId, ForeignKey("applications.id"), index=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(128))
    action: Mapped[str] = mapped_column(String(64))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
