"""An application's life: start (a draft, pre-filled), save, submit (checked, materials
resolved, rules decide), withdraw, supplement, and completion (the one payment, then the
certificates into the wallet).

``submit`` reads the applicant's records from the datahub first (a read is its own
transaction, logged on the applicant's "who used my data" page), then does everything
else in one unit of work: the form and every rule checked, materials resolved, and then
either the whole thing decided at once — instant approval: bill or certificates in the
same transaction, no human step — or the first review stage's tasks opened for the
departments. A second submit of the same draft changes nothing and returns it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from onevisit import catalog, credentials, payments
from onevisit.applications.errors import ApplicationError
from onevisit.applications.models import OPEN, Application, ApplicationFile, HistoryEntry, Task
from onevisit.applications.services import matter as matters
from onevisit.applications.services.forms import check_form
from onevisit.applications.services.matter import Applicant, Matter
from onevisit.catalog.definitions import IssueStep, Material, ParallelStep, ReviewStep, ServiceDefinition
from onevisit.catalog.models import Service, ServiceVersion
from onevisit.identity.models import Department
from onevisit.kernel.actors import Principal
from onevisit.kernel.errors import Conflict, FieldError, InvalidInput, NotFound, ValidationFailed
from onevisit.kernel.i18n import N_
from onevisit.kernel.platform import Platform
from onevisit.kernel.uow import UnitOfWork
from onevisit.rules import FieldType, Schema

MAX_FILE_BYTES = 5_000_000
_NOT_FOUND = N_("There is no such application.")
_NOT_OPEN = N_("This application can no longer be changed.")
_MISSING = N_("Provide this material: no department holds it for you.")
_NOT_ELIGIBLE = N_("You cannot apply for this service: %(conditions)s.")
_CHECKS = N_("The application does not pass the checks: %(conditions)s.")


@dataclass(frozen=True, slots=True)
class Upload:
    material: str
    file_name: str
    content_type: str
    content: bytes


# --- reading ---------------------------------------------------------------------------------


def find_own(session: Session, principal: Principal, number: str) -> Application:
    """The principal's own application (someone else's answers 404, as if it did not exist)."""
    app = session.scalar(select(Application).where(Application.number == number[:32]))
    if app is None or app.person_id != principal.person_id:
        raise NotFound(ApplicationError.NOT_FOUND, _NOT_FOUND)
    return app


_MATTERS: dict[tuple[str, int], Matter] = {}


def matter_for(session: Session, app: Application) -> Matter:
    """The matter at the application's version (parsed once: a version never changes)."""
    return _matter_at(session, app.version_id)


def _matter_at(session: Session, version_id: int, entry: catalog.Entry | None = None) -> Matter:
    key = (str(session.get_bind().engine.url), version_id)
    found = _MATTERS.get(key)
    if found is None:
        if len(_MATTERS) > 2000:
            _MATTERS.clear()
        found = _MATTERS[key] = matters.matter_of(session, entry or catalog.entry_by_version_id(session, version_id))
    return found


def _current_matter(session: Session, code: str) -> Matter:
    """The matter at the service's current version. Once that version is parsed, one small
    query (its id) instead of reading and validating the whole definition again."""
    version_id = session.scalar(
        select(ServiceVersion.id)
        .join(Service, (Service.id == ServiceVersion.service_id) & (ServiceVersion.version == Service.version))
        .where(Service.code == code, Service.version > 0)
    )
    if version_id is not None:
        found = _MATTERS.get((str(session.get_bind().engine.url), version_id))
        if found is not None:
            return found
    entry = catalog.get_entry(session, code)  # not found: 404, as before
    return _matter_at(session, entry.version_id, entry)


def record_history(uow: UnitOfWork, app: Application, action: str, detail: dict[str, Any] | None = None) -> None:
    uow.session.add(
        HistoryEntry(
            application_id=app.id, at=uow.clock.now(), actor=uow.actor.label[:128], action=action, detail=detail or {}
        )
    )


# --- start and save --------------------------------------------------------------------------


def start(
    platform: Platform,
    principal: Principal,
    code: str,
    *,
    idempotency_key: str | None = None,
    prefill: bool = True,
    ip: str | None = None,
) -> Application:
    """A draft for service or bundle ``code`` at its current version, pre-filled from the
    applicant's own record and their datahub records. With ``idempotency_key``, a second
    call with the same key returns the first application instead of starting another."""
    with platform.db.session() as session:
        if idempotency_key:
            existing = session.scalar(
                select(Application).where(
                    Application.person_id == principal.person_id, Application.idempotency_key == idempotency_key
                )
            )
            if existing is not None:
                session.expunge(existing)
                return existing
        matter = _current_matter(session, code)
        applicant = matters.applicant_for(session, platform, principal, matter.applicant_kind)
    app = _create(platform, principal, matter.entry, applicant, idempotency_key=idempotency_key, ip=ip)
    if not prefill:  # the caller submits the form at once: one dossier read, at submit
        return app
    records = matters.read_dossier(platform, matter, applicant, app.number)
    values = matters.prefill(platform, matter, applicant, records)
    with platform.uow(principal, ip=ip) as uow:
        app = find_own(uow.session, principal, app.number)
        app.form = values
        uow.session.flush()
        uow.session.expunge(app)
    return app


def apply(
    platform: Platform,
    principal: Principal,
    code: str,
    values: Mapping[str, str],
    *,
    commitments: Sequence[str] = (),
    idempotency_key: str | None = None,
    ip: str | None = None,
) -> tuple[Application, bool]:
    """Starts and submits in one call (the API): the catalogue entry, the applicant and the
    parsed definition are read once for both, and the dossier once. Returns the application
    and whether this call submitted it (``False``: the key's earlier application, as it is)."""
    with platform.db.session() as session:
        existing = (
            session.scalar(
                select(Application).where(
                    Application.person_id == principal.person_id, Application.idempotency_key == idempotency_key
                )
            )
            if idempotency_key
            else None
        )
        if existing is None:
            matter = _current_matter(session, code)
            applicant = matters.applicant_for(session, platform, principal, matter.applicant_kind)
        else:
            session.expunge(existing)
    if existing is not None:
        if existing.status != "draft":
            return existing, False
        # the key's draft, kept when its form failed: submitted again
        return submit(platform, principal, existing.number, values, commitments=commitments, ip=ip), True
    app = _create(platform, principal, matter.entry, applicant, idempotency_key=idempotency_key, ip=ip)
    records = matters.read_dossier(platform, matter, applicant, app.number)
    try:
        with platform.uow(principal, ip=ip) as uow:
            # created above by this call and changed by nobody since: no need to read it back
            draft = uow.session.merge(app, load=False)
            decided = _submit(
                uow,
                draft,
                matter,
                applicant=applicant,
                records=records,
                values=values,
                commitments=commitments,
                uploads=(),
                supplementing=False,
                fresh=True,
            )
            uow.session.flush()
            uow.session.expunge(decided)
    except (ValidationFailed, InvalidInput):
        save(platform, principal, app.number, values, commitments=commitments, ip=ip)  # the input is kept
        raise
    return decided, True


def _create(
    platform: Platform,
    principal: Principal,
    entry: catalog.Entry,
    applicant: Applicant,
    *,
    idempotency_key: str | None,
    ip: str | None,
) -> Application:
    """The draft row, numbered, with its first history entry and audit event."""
    with platform.uow(principal, ip=ip) as uow:
        now = uow.clock.now()
        app = Application(
            number="pending",
            kind=entry.kind,
            service_code=entry.code,
            version_id=entry.version_id,
            applicant_kind=applicant.kind,
            person_id=applicant.person.id,
            enterprise_id=applicant.enterprise.id if applicant.enterprise else None,
            status="draft",
            form={},
            materials=[],
            commitments=[],
            outcome={},
            instant=False,
            fee_total_fen=0,
            certificates=[],
            reason="",
            created_at=now,
            updated_at=now,
            idempotency_key=idempotency_key,
        )
        uow.session.add(app)
        uow.session.flush()
        app.number = f"A{matters.today_in_zhejiang(now):%Y%m%d}{app.id:06d}"
        record_history(uow, app, "started", {"version": entry.version})
        uow.audit("applications.started", "application", app.number, {"service": entry.code, "version": entry.version})
        uow.session.flush()
        uow.session.expunge(app)
    return app


def save(
    platform: Platform,
    principal: Principal,
    number: str,
    values: Mapping[str, str],
    *,
    commitments: Sequence[str] = (),
    ip: str | None = None,
) -> Application:
    """Keeps what was typed, unchecked (a draft may be incomplete)."""
    with platform.uow(principal, ip=ip) as uow:
        app = find_own(uow.session, principal, number)
        if app.status not in ("draft", "supplement_requested"):
            raise Conflict(ApplicationError.NOT_OPEN, _NOT_OPEN)
        matter = matter_for(uow.session, app)
        app.form = {f.name: str(values.get(f.name, ""))[:4000] for f in matter.form}
        app.commitments = sorted({c for c in commitments if c in {m.code for m in matter.materials}})
        app.updated_at = uow.clock.now()
        uow.session.flush()
        uow.session.expunge(app)
    return app


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


def _review_stages(service: ServiceDefinition) -> list[list[ReviewStep]]:
    stages: list[list[ReviewStep]] = []
    for step in service.steps:
        if isinstance(step, ReviewStep):
            stages.append([step])
        elif isinstance(step, ParallelStep):
            stages.append(list(step.steps))
    return stages


def working_days_after(start: dt.datetime, days: int) -> dt.datetime:
    moment = start
    added = 0
    while added < days:
        moment += dt.timedelta(days=1)
        if moment.astimezone(matters.CHINA).weekday() < 5:
            added += 1
    return moment


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
    # No autoflush: the rows this adds go in together (one INSERT per table) when it ends,
    # or before a certificate is issued, rather than one by one before each query.
    with uow.session.no_autoflush:
        return _submit_checked(
            uow,
            app,
            matter,
            applicant=applicant,
            records=records,
            values=values,
            commitments=commitments,
            uploads=uploads,
            supplementing=supplementing,
            fresh=fresh,
        )


def _submit_checked(
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
    session = uow.session
    now = uow.clock.now()
    today = matters.today_in_zhejiang(now)
    app.form = {f.name: str(values.get(f.name, ""))[:4000] for f in matter.form}
    app.commitments = sorted({c for c in commitments if c in {m.code for m in matter.materials}})
    typed, errors = check_form(matter.form, values)
    schema = matters.schema_for(session, matter)
    raw = {
        **matters.builtin_facts(applicant, today),
        **matters.declared_facts(session, matter, applicant, records, today),
        **typed,
        "application_no": app.number,
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
    stored = (
        set()
        if fresh
        else {
            f.material_code
            for f in session.scalars(select(ApplicationFile).where(ApplicationFile.application_id == app.id))
        }
    )
    for upload in uploads:
        _store_upload(uow, app, upload)
        stored.add(upload.material)
    names = _item_names(session, matter)
    resolved, missing = _materials(
        session,
        matter=matter,
        applicant=applicant,
        records=records,
        commitments=app.commitments,
        uploaded=stored,
        schema=schema,
        record=record,
        today=today,
        names=names,
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
    app.materials = resolved
    app.outcome = {"record": _jsonable(record)}
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
        record_history(uow, app, "supplemented", {"materials": [m["code"] for m in resolved]})
        uow.audit("applications.supplemented", "application", app.number, {})
        return app
    instant = all(m.instant_approval is not None for m in matter.members) and not matters.unmet(
        [m.instant_approval for m in matter.members if m.instant_approval is not None], schema, record, today
    )
    app.instant = instant
    committed = max(m.time_limits.committed_days for m in matter.members)
    app.due_at = working_days_after(now, committed)
    app.fee_total_fen = _fees(matter, schema, record, today)
    record_history(uow, app, "submitted", {"instant": instant, "materials": [m["source"] for m in resolved]})
    uow.audit("applications.submitted", "application", app.number, {"service": app.service_code, "instant": instant})
    if not instant:
        opened = _open_tasks(uow, app, matter)
        if opened:
            app.status = "in_review"
            return app
    _approved(_Case(uow, app, matter, applicant, schema, record, today))
    return app


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


def _store_upload(uow: UnitOfWork, app: Application, upload: Upload) -> None:
    if not upload.content or len(upload.content) > MAX_FILE_BYTES:
        raise ValidationFailed(
            [FieldError(f"material-{upload.material}", N_("The file must be between 1 byte and 5 MB."))]
        )
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


def _open_tasks(uow: UnitOfWork, app: Application, matter: Matter) -> list[Task]:
    """Every member's review stages as tasks: the first stage of each open, the rest waiting
    (members of a bundle are reviewed at the same time, each in its own order)."""
    now = uow.clock.now()
    departments = dict(uow.session.execute(select(Department.code, Department.id)).all())
    opened: list[Task] = []
    for service in matter.members:
        for stage, reviews in enumerate(_review_stages(service)):
            for review in reviews:
                days = review.time_limit_days or max(service.time_limits.committed_days, 1)
                task = Task(
                    application_id=app.id,
                    service_code=service.code,
                    step_id=review.id,
                    stage=stage,
                    department_id=departments[review.department],
                    status="open" if stage == 0 else "waiting",
                    opened_at=now if stage == 0 else None,
                    due_at=working_days_after(now, days) if stage == 0 else None,
                    reason="",
                    escalated=False,
                )
                uow.session.add(task)
                if stage == 0:
                    opened.append(task)
    uow.session.flush()
    return opened


@dataclass
class _Case:
    """What deciding an application needs: its unit of work, matter, applicant and record."""

    uow: UnitOfWork
    app: Application
    matter: Matter
    applicant: Applicant
    schema: Schema
    record: Mapping[str, object]
    today: dt.date


def _approved(case: _Case) -> None:
    """Every department has agreed (or the rules did): the one bill, or the certificates."""
    uow, app = case.uow, case.app
    app.decided_at = uow.clock.now()
    if app.fee_total_fen > 0:
        bill = _bill(case)
        app.bill_number = bill.number
        app.status = "awaiting_payment"
        record_history(uow, app, "approved", {"bill": bill.number, "amount_fen": app.fee_total_fen})
        uow.audit("applications.approved", "application", app.number, {"bill": bill.number})
        return
    record_history(uow, app, "approved", {})
    uow.audit("applications.approved", "application", app.number, {})
    _complete(case)


def _bill(case: _Case) -> Any:
    uow, app, matter, schema, record, today = case.uow, case.app, case.matter, case.schema, case.record, case.today
    fees: list[tuple[str, int, str]] = []  # (item name, fen, payee department code)
    kind = "service_fee"
    for _service, fee in matter.fees:
        if fee.when and not matters.rule(fee.when, schema, today).matches(record):
            continue
        amount = (
            fee.amount_fen
            if fee.amount_fen is not None
            else int(matters.rule(fee.formula or "0", schema, today, value=True).evaluate(record) or 0)
        )
        if amount > 0:
            fees.append((fee.name.zh, amount, fee.payee))
            kind = fee.bill_kind if len(fees) == 1 else kind
    # One bill, one payment; each fee paid to its own department (a bundle's several).
    codes = sorted({code for _, _, code in fees})
    ids: dict[str, int] = dict(
        uow.session.execute(select(Department.code, Department.id).where(Department.code.in_(codes))).all()
    )
    assert set(ids) == set(codes)  # noqa: S101 - payees are checked when the definition loads
    items = [payments.BillItem(name, amount, ids[code]) for name, amount, code in fees]
    return payments.create_bill(
        uow,
        kind=kind,
        department_id=ids[fees[0][2]],  # the bill's payee: the first fee's department
        title=matter.name("zh")[:100],
        items=items,
        source="applications",
        reference=app.number,
        payer_person_id=app.person_id if app.enterprise_id is None else None,
        payer_enterprise_id=app.enterprise_id,
    )


def _claim(value: object, kind: FieldType) -> object:
    if isinstance(value, dt.date):
        return value.isoformat()
    if kind is FieldType.DECIMAL and isinstance(value, float):
        return f"{value:.2f}"
    return value


def _complete(case: _Case) -> None:
    """Issues the certificates into the wallet and closes the application."""
    uow, app, applicant, schema, record, today = (
        case.uow,
        case.app,
        case.applicant,
        case.schema,
        case.record,
        case.today,
    )
    matter = case.matter
    # Everything so far goes in now: issuing locks the certificate log until the commit,
    # and other applications wait on that lock, so as little as possible comes after it.
    uow.session.flush()
    issued: list[str] = []
    for service in matter.members:
        for step in service.steps:
            if not isinstance(step, IssueStep):
                continue
            for issuance in step.certificates:
                ctype = next((t for t in credentials.TYPES if t.code == issuance.type), None)
                if ctype is None or ctype.holder_kind != applicant.holder.kind:
                    record_history(uow, app, "certificate_deferred", {"type": issuance.type})
                    continue
                fields = {}
                for name, expression in issuance.claims.items():
                    parsed = matters.rule(expression, schema, today, value=True)
                    value = parsed.evaluate(record)
                    if value is not None and value != "":
                        fields[name] = _claim(value, parsed.type)
                cert = credentials.issue(
                    uow,
                    issuance.type,
                    applicant.holder,
                    fields,
                    source="applications",
                    reference=f"{app.number}:{issuance.type}",
                    facts=applicant.holder_facts,
                )
                issued.append(cert.number)
    app.certificates = issued
    app.status = "completed"
    app.updated_at = uow.clock.now()
    record_history(uow, app, "completed", {"certificates": issued})
    uow.audit("applications.completed", "application", app.number, {"certificates": len(issued)})


def resume(uow: UnitOfWork, platform: Platform, app: Application, *, paid: bool) -> None:
    """Continues an application after its last review or its payment."""
    session = uow.session
    matter = matter_for(session, app)
    principal = Principal(kind=uow.actor.kind, person_id=app.person_id, acting_for_enterprise_id=app.enterprise_id)
    applicant = matters.applicant_for(session, platform, principal, matter.applicant_kind)
    schema = matters.schema_for(session, matter)
    record = matters.coerce_record(schema, app.outcome.get("record", {}))
    today = matters.today_in_zhejiang(uow.clock.now())
    case = _Case(uow, app, matter, applicant, schema, record, today)
    if paid:
        record_history(uow, app, "paid", {"bill": app.bill_number})
        _complete(case)
    else:
        _approved(case)


def withdraw(platform: Platform, principal: Principal, number: str, *, ip: str | None = None) -> None:
    with platform.uow(principal, ip=ip) as uow:
        app = find_own(uow.session, principal, number)
        if app.status not in OPEN or app.status == "awaiting_payment":
            raise Conflict(ApplicationError.NOT_OPEN, _NOT_OPEN)
        for task in uow.session.scalars(
            select(Task).where(
                Task.application_id == app.id, Task.status.in_(("open", "waiting", "supplement_requested"))
            )
        ):
            task.status = "cancelled"
        app.status = "withdrawn"
        app.updated_at = uow.clock.now()
        record_history(uow, app, "withdrawn", {})
        uow.audit("applications.withdrawn", "application", app.number, {})
