"""What application pages show: status in words, the form to fill in (or its values), each
material and where it came from, each department's task, the history. ID numbers typed
into a form are masked once the application is submitted."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from onevisit.applications.models import Application, HistoryEntry, Task
from onevisit.applications.services import lifecycle, review
from onevisit.catalog.definitions import FormField, Material
from onevisit.catalog.models import Service
from onevisit.identity.models import Department
from onevisit.kernel.actors import Principal
from onevisit.kernel.i18n import N_
from onevisit.kernel.masking import mask_id_number
from onevisit.kernel.money import yuan

STATUS_LABELS = {
    "draft": N_("Draft: not yet submitted"),
    "in_review": N_("Being reviewed"),
    "supplement_requested": N_("More information needed"),
    "awaiting_payment": N_("Approved: waiting for payment"),
    "completed": N_("Completed"),
    "rejected": N_("Refused"),
    "withdrawn": N_("Withdrawn"),
}
TASK_LABELS = {
    "waiting": N_("Waiting for an earlier step"),
    "open": N_("Being reviewed"),
    "approved": N_("Approved"),
    "rejected": N_("Refused"),
    "supplement_requested": N_("Asked for more information"),
    "cancelled": N_("Cancelled"),
}
HISTORY_LABELS = {
    "started": N_("Application started"),
    "submitted": N_("Application submitted"),
    "supplemented": N_("More information provided"),
    "task_approved": N_("A department approved its step"),
    "supplement_requested": N_("A department asked for more information"),
    "rejected": N_("A department refused the application"),
    "approved": N_("Application approved"),
    "paid": N_("Fees paid"),
    "completed": N_("Completed: results issued"),
    "certificate_deferred": N_("A certificate will be issued once its holder is registered"),
    "enterprise_established": N_("Enterprise established and registered"),
    "withdrawn": N_("Withdrawn by the applicant"),
    "escalated": N_("A step is overdue and was escalated"),
}
SOURCE_LABELS = {
    "datahub": N_("Fetched from the department that holds it"),
    "certificate": N_("Taken from your wallet"),
    "commitment": N_("Replaced by your commitment"),
    "upload": N_("Uploaded by you"),
}


@dataclass(frozen=True, slots=True)
class Row:
    number: str
    name: str
    status: str
    status_label: str
    updated_at: dt.datetime


def service_names(session: Session, codes: Sequence[str], language: str) -> dict[str, str]:
    rows = session.execute(select(Service.code, Service.name_zh, Service.name_en).where(Service.code.in_(list(codes))))
    return {code: (zh if language == "zh" else en) for code, zh, en in rows}


def own_applications(session: Session, principal: Principal, language: str) -> list[Row]:
    apps = list(
        session.scalars(
            select(Application)
            .where(Application.person_id == principal.person_id)
            .order_by(Application.id.desc())
            .limit(100)
        )
    )
    names = service_names(session, [a.service_code for a in apps], language)
    return [
        Row(a.number, names.get(a.service_code, a.service_code), a.status, STATUS_LABELS[a.status], a.updated_at)
        for a in apps
    ]


@dataclass
class MaterialRow:
    code: str
    name: str
    required: bool
    resolved: str  #: how it was provided ("" while a draft)
    commitment: str  #: the commitment's text, when one may replace it
    upload: bool  #: whether a file may be uploaded


@dataclass
class View:
    app: Application
    name: str
    status_label: str
    editable: bool
    fields: list[FormField]
    values: list[tuple[str, str]]
    materials: list[MaterialRow]
    tasks: list[tuple[str, str, str, Task]] = field(default_factory=list)  #: (service, department, label, task)
    history: list[tuple[HistoryEntry, str]] = field(default_factory=list)
    fee_total: str = ""
    #: the enterprise the application established: ``{"name", "credit_code"}``
    enterprise: dict[str, str] | None = None


def _material_row(material: Material, resolved: dict[str, Any] | None, language: str) -> MaterialRow:
    commitment = next((s.commitment.get(language) for s in material.sources if s.commitment is not None), "")
    return MaterialRow(
        code=material.code,
        name=material.name.get(language),
        required=material.required,
        resolved=SOURCE_LABELS[resolved["source"]] if resolved else "",
        commitment=commitment,
        upload=any(s.upload is not None for s in material.sources),
    )


def _shown(form_field: FormField, value: str, language: str) -> str:
    if form_field.type == "id_number" and value:
        return mask_id_number(value)
    if form_field.type == "choice":
        return next((c.label.get(language) for c in form_field.choices or [] if c.value == value), value)
    if form_field.type == "boolean":
        return "✓" if value.lower() in ("1", "true", "on", "yes") else "—"
    return value


def application_view(
    session: Session, app: Application, language: str, now: dt.datetime, *, staff: bool = False
) -> View:
    matter = lifecycle.matter_for(session, app)
    resolved = {m["code"]: m for m in app.materials}
    departments = dict(
        session.execute(select(Department.id, Department.name_zh if language == "zh" else Department.name_en)).all()
    )
    names = service_names(session, [m.code for m in matter.members], language)
    tasks = [
        (names.get(t.service_code, t.service_code), departments.get(t.department_id, ""), TASK_LABELS[t.status], t)
        for t in review.tasks_of(session, app)
    ]
    history = [(h, HISTORY_LABELS.get(h.action, h.action)) for h in review.history(session, app)]
    editable = app.status in ("draft", "supplement_requested") and not staff
    return View(
        app=app,
        name=matter.name(language),
        status_label=STATUS_LABELS[app.status],
        editable=editable,
        fields=matter.form,
        values=[(f.label.get(language), _shown(f, str(app.form.get(f.name, "")), language)) for f in matter.form],
        materials=[_material_row(m, resolved.get(m.code), language) for m in matter.materials],
        tasks=tasks,
        history=history,
        fee_total=yuan(app.fee_total_fen) if app.fee_total_fen else "",
        enterprise=app.outcome.get("enterprise") if isinstance(app.outcome, dict) else None,
    )
