"""Submitting an application: form checks, materials resolved, rules decide."""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from onevisit import credentials
from onevisit.applications.errors import ApplicationError
from onevisit.applications.models import Application, ApplicationFile, Task
from onevisit.applications.services import matter as matters
from onevisit.applications.services.forms import check_form
from onevisit.applications.services.lifecycle.core import (
    _CHECKS,
    _MISSING,
    _NOT_ELIGIBLE,
    MAX_FILE_BYTES,
    Upload,
    find_own,
    matter_for,
    record_history,
    save,
    working_days_after,
)
from onevisit.applications.services.lifecycle.deciding import _approved, _Case, _open_tasks
from onevisit.applications.services.matter import Applicant, Matter
from onevisit.catalog.definitions import Material
from onevisit.kernel.actors import Principal
from onevisit.kernel.errors import FieldError, InvalidInput, ValidationFailed
from onevisit.kernel.i18n import N_
from onevisit.kernel.platform import Platform
from onevisit.kernel.uow import UnitOfWork
from onevisit.rules import Schema

# --- submit ----------------------------------------------------------------------------------


def _materials(
    session: Session,
    *,
    matter: Matter,
    applicant: Applicant,
    records: Mapping[str, list[dict[str, Any]]],
    commitments: Sequence[str],
    uploaded: set[str],
    schema: Schema,
    record: Mapping[str, object],
    today: dt.date,
    names: Mapping[str, str],
) -> tuple[list[dict[str, Any]], list[FieldError]]:
    resolved: list[dict[str, Any]] = []
    missing: list[FieldError] = []
    for material in matter.materials:
        if material.when and not matters.rule(material.when, schema, today).matches(record):
            continue
        found = _resolve(
            session,
            material,
            applicant=applicant,
            records=records,
            commitments=commitments,
            uploaded=uploaded,
            today=today,
            names=names,
        )
        if found is not None:
            resolved.append(found)
        elif material.required:
            missing.append(FieldError(f"material-{material.code}", _MISSING))
    return resolved, missing


def _resolve(
    session: Session,
    material: Material,
    *,
    applicant: Applicant,
    records: Mapping[str, list[dict[str, Any]]],
    commitments: Sequence[str],
    uploaded: set[str],
    today: dt.date,
    names: Mapping[str, str],
) -> dict[str, Any] | None:
    for source in material.sources:
        if source.datahub is not None and records.get(source.datahub):
            return {
                "code": material.code,
                "source": "datahub",
                "reference": source.datahub,
                "label": names.get(source.datahub, source.datahub),
            }
        if source.certificate is not None:
            held = credentials.valid_certificates(session, applicant.holder, source.certificate, today=today)
            if held:
                return {
                    "code": material.code,
                    "source": "certificate",
                    "reference": held[0].number,
                    "label": source.certificate,
                }
        if source.commitment is not None and material.code in commitments:
            return {"code": material.code, "source": "commitment", "reference": "", "label": source.commitment.zh}
        if source.upload is not None and material.code in uploaded:
            return {"code": material.code, "source": "upload", "reference": "", "label": ""}
    return None


def _jsonable(record: Mapping[str, object]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in record.items()}


def submit(
    platform: Platform,
    principal: Principal,
    number: str,
    values: Mapping[str, str],
    *,
    commitments: Sequence[str] = (),
    uploads: Sequence[Upload] = (),
    ip: str | None = None,
) -> Application:
    """Checks and submits a draft (or a supplement). Raises ``ValidationFailed`` with every
    problem — form fields, missing materials, unmet conditions — and keeps the draft as typed."""
    with platform.db.session() as session:
        app = find_own(session, principal, number)
        if app.status not in ("draft", "supplement_requested"):
            session.expunge(app)
            return app  # submitted already (a double submit): nothing more happens
        matter = matter_for(session, app)
        applicant = matters.applicant_for(session, platform, principal, matter.applicant_kind)
    records = matters.read_dossier(platform, matter, applicant, number)
    try:
        with platform.uow(principal, ip=ip) as uow:
            app = find_own(uow.session, principal, number)
            if app.status not in ("draft", "supplement_requested"):
                uow.session.expunge(app)
                return app
            supplementing = app.status == "supplement_requested"
            decided = _submit(
                uow,
                app,
                matter,
                applicant=applicant,
                records=records,
                values=values,
                commitments=commitments,
                uploads=uploads,
                supplementing=supplementing,
            )
            uow.session.flush()
            uow.session.expunge(decided)
    except (ValidationFailed, InvalidInput):
        save(platform, principal, number, values, commitments=commitments, ip=ip)  # the input is kept
        raise
    return decided


def _submit(
    uow: UnitOfWork,
    app: Application,
    matter: Matter,
    *,
    applicant: Applicant,
    records: Mapping[str, list[dict[str, Any]]],
    values: Mapping[str, str],
    commitments: Sequence[str],
    uploads: Sequence[Upload],
    supplementing: bool,
    fresh: bool = False,
) -> Application:
    """``fresh``: a draft created by this same call, so with no uploaded files yet."""
    # No autoflush: the rows this adds go in together (one INSERT per table) when it ends,
    # or before a certificate is issued, rather than one by one before each query.
    with uow.session.no_autoflush:
        session = uow.session
        now = uow.clock.now()
        app.form, app.commitments = matters.as_typed(matter, values, commitments)
        for upload in uploads:
            _check_upload(upload)
        stored = (
            set()
            if fresh
            else {
                f.material_code
                for f in session.scalars(select(ApplicationFile).where(ApplicationFile.application_id == app.id))
            }
        )
        found = assess(
            session,
            matter,
            applicant=applicant,
            records=records,
            values=values,
            commitments=app.commitments,
            uploaded=stored | {u.material for u in uploads},
            number=app.number,
            now=now,
        )
        for upload in uploads:
            _store_upload(uow, app, upload)
        app.materials = found.materials
        app.outcome = {"record": _jsonable(found.record)}
        app.submitted_at = app.submitted_at or now
        app.updated_at = now
        if supplementing:
            reopened = session.scalars(
                select(Task).where(Task.application_id == app.id, Task.status == "supplement_requested")
            ).all()
            for task in reopened:
                task.status = "open"
                task.opened_at = now
                task.due_at = working_days_after(now, 1 if task.due_at is None else 3)
            app.status = "in_review"
            record_history(uow, app, "supplemented", {"materials": [m["code"] for m in found.materials]})
            uow.audit("applications.supplemented", "application", app.number, {})
            return app
        app.instant = found.instant
        app.due_at = found.due_at
        app.fee_total_fen = found.fee_total_fen
        record_history(uow, app, "submitted", found.submitted_detail)
        uow.audit(
            "applications.submitted", "application", app.number, {"service": app.service_code, "instant": found.instant}
        )
        if not found.instant:
            opened = _open_tasks(uow, app, matter)
            if opened:
                app.status = "in_review"
                return app
        _approved(_Case(uow, app, matter, applicant, found.schema, found.record, found.today))
        return app


@dataclass
class Assessment:
    """What the rules and the records say of a submission, before anything is written."""

    schema: Schema
    record: dict[str, object]
    today: dt.date
    materials: list[dict[str, Any]]
    instant: bool
    fee_total_fen: int
    due_at: dt.datetime

    @property
    def submitted_detail(self) -> dict[str, Any]:
        """The "submitted" history entry's detail."""
        return {"instant": self.instant, "materials": [m["source"] for m in self.materials]}


def assess(
    session: Session,
    matter: Matter,
    *,
    applicant: Applicant,
    records: Mapping[str, list[dict[str, Any]]],
    values: Mapping[str, str],
    commitments: Sequence[str],
    uploaded: set[str],
    number: str,
    now: dt.datetime,
) -> Assessment:
    """Checks a submission — the form, the applicant's eligibility, the materials, the
    automatic checks — and decides instant approval and the fee; reads, writes nothing.
    Raises ``InvalidInput`` (not eligible, checks failed) or ``ValidationFailed`` (every
    form and material problem at once)."""
    today = matters.today_in_zhejiang(now)
    typed, errors = check_form(matter.form, values)
    schema = matters.schema_for(session, matter)
    raw = {
        **matters.builtin_facts(applicant, today),
        **matters.declared_facts(session, matter, applicant, records, today),
        **typed,
        "application_no": number,
    }
    record = matters.coerce_record(schema, raw)
    eligibility = [c for m in matter.members for c in m.eligibility]
    failing = matters.unmet(eligibility, schema, record, today) if not errors else []
    if failing:
        raise InvalidInput(
            ApplicationError.NOT_ELIGIBLE,
            _NOT_ELIGIBLE,
            params={"conditions": "; ".join(c.message.get("en") for c in failing)},
            fields=[FieldError("eligibility", c.message.en, {"zh": c.message.zh}) for c in failing],
        )
    resolved, missing = _materials(
        session,
        matter=matter,
        applicant=applicant,
        records=records,
        commitments=commitments,
        uploaded=uploaded,
        schema=schema,
        record=record,
        today=today,
        names=_item_names(session, matter),
    )
    if errors or missing:
        raise ValidationFailed([*errors, *missing], code=ApplicationError.FORM_INVALID)
    checks = [c for m in matter.members for step in m.steps if step.kind == "check" for c in step.checks]
    failed_checks = matters.unmet(checks, schema, record, today)
    if failed_checks:
        raise InvalidInput(
            ApplicationError.CHECKS_FAILED,
            _CHECKS,
            params={"conditions": "; ".join(c.message.get("en") for c in failed_checks)},
            fields=[FieldError("checks", c.message.en, {"zh": c.message.zh}) for c in failed_checks],
        )
    instant = all(m.instant_approval is not None for m in matter.members) and not matters.unmet(
        [m.instant_approval for m in matter.members if m.instant_approval is not None], schema, record, today
    )
    committed = max(m.time_limits.committed_days for m in matter.members)
    return Assessment(
        schema=schema,
        record=record,
        today=today,
        materials=resolved,
        instant=instant,
        fee_total_fen=_fees(matter, schema, record, today),
        due_at=working_days_after(now, committed),
    )


_ITEM_NAMES: dict[tuple[str, int], tuple[float, dict[str, str]]] = {}
#: how long the items' names (labels on the materials list) are reused before being read again
ITEM_NAMES_SECONDS = 60.0


def _item_names(session: Session, matter: Matter) -> dict[str, str]:
    """The names of the datahub items the matter's materials may come from (read at most
    once a minute per version: a renamed item shows its new name within a minute)."""
    from onevisit.datahub.models import CatalogItem

    key = (str(session.get_bind().engine.url), matter.entry.version_id)
    now = time.monotonic()
    cached = _ITEM_NAMES.get(key)
    if cached is not None and now - cached[0] < ITEM_NAMES_SECONDS:
        return cached[1]
    codes = {source.datahub for m in matter.materials for source in m.sources if source.datahub}
    names = (
        dict(session.execute(select(CatalogItem.code, CatalogItem.name_zh).where(CatalogItem.code.in_(codes))).all())
        if codes
        else {}
    )
    if len(_ITEM_NAMES) > 2000:
        _ITEM_NAMES.clear()
    _ITEM_NAMES[key] = (now, names)
    return names


def _check_upload(upload: Upload) -> None:
    if not upload.content or len(upload.content) > MAX_FILE_BYTES:
        raise ValidationFailed(
            [FieldError(f"material-{upload.material}", N_("The file must be between 1 byte and 5 MB."))]
        )


def _store_upload(uow: UnitOfWork, app: Application, upload: Upload) -> None:
    uow.session.add(
        ApplicationFile(
            application_id=app.id,
            material_code=upload.material[:64],
            file_name=upload.file_name[:255],
            content_type=upload.content_type[:100],
            size=len(upload.content),
            sha256=hashlib.sha256(upload.content).hexdigest(),
            content=upload.content,
            uploaded_at=uow.clock.now(),
        )
    )


def _fees(matter: Matter, schema: Schema, record: Mapping[str, object], today: dt.date) -> int:
    total = 0
    for _service, fee in matter.fees:
        if fee.when and not matters.rule(fee.when, schema, today).matches(record):
            continue
        if fee.amount_fen is not None:
            total += fee.amount_fen
        elif fee.formula is not None:
            amount = matters.rule(fee.formula, schema, today, value=True).evaluate(record)
            total += max(0, int(amount or 0))
    return total
