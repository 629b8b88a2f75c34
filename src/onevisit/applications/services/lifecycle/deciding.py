"""Deciding an application: review tasks, approval, the bill, certificates, resume.

A matter one of whose services ``establishes`` an enterprise registers it on completion,
in the same unit of work (``identity``: a fresh credit code, the applicant its legal
representative), and issues the enterprise's certificates (the business licence) to it.
Its name must be free: at submission a taken name is a form error; at a clerk's approval,
a name taken since is refused with a message the clerk acts on (refuse, or ask for
another name)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from onevisit import credentials, payments
from onevisit.applications.errors import ApplicationError
from onevisit.applications.models import Application, Task
from onevisit.applications.services import matter as matters
from onevisit.applications.services.lifecycle.core import matter_for, record_history, working_days_after
from onevisit.applications.services.matter import Applicant, Matter
from onevisit.catalog.definitions import IssueStep, ParallelStep, ReviewStep, ServiceDefinition
from onevisit.credentials.services.issuance import HolderFacts
from onevisit.identity.models import Department, Enterprise
from onevisit.identity.services import establishment
from onevisit.kernel.actors import Principal
from onevisit.kernel.errors import Conflict, FieldError, ValidationFailed
from onevisit.kernel.i18n import N_
from onevisit.kernel.platform import Platform
from onevisit.kernel.uow import UnitOfWork
from onevisit.rules import FieldType, Schema


def _review_stages(service: ServiceDefinition) -> list[list[ReviewStep]]:
    stages: list[list[ReviewStep]] = []
    for step in service.steps:
        if isinstance(step, ReviewStep):
            stages.append([step])
        elif isinstance(step, ParallelStep):
            stages.append(list(step.steps))
    return stages


def _open_tasks(uow: UnitOfWork, app: Application, matter: Matter) -> list[Task]:
    """Every member's review stages as tasks: the first stage of each open, the rest waiting
    (members of a bundle are reviewed at the same time, each in its own order)."""
    _check_name_at_submit(uow, app, matter)
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


def _check_name_at_submit(uow: UnitOfWork, app: Application, matter: Matter) -> None:
    """Before review starts: the enterprise to be established needs a name nobody has."""
    if not any(m.establishes is not None for m in matter.members):
        return
    schema = matters.schema_for(uow.session, matter)
    record = matters.coerce_record(schema, app.outcome.get("record", {}))
    today = matters.today_in_zhejiang(uow.clock.now())
    founding = _founding(matter, schema, record, today)
    if founding is not None:
        _name_free(uow, app, founding, at_submit=True)


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
    founding = _founding(case.matter, case.schema, case.record, case.today)
    if founding is not None:
        _name_free(uow, app, founding, at_submit=app.status == "draft")
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


def certificates_to_issue(
    matter: Matter,
    applicant: Applicant,
    schema: Schema,
    record: Mapping[str, object],
    today: dt.date,
    *,
    holder_kind: str | None = None,
) -> tuple[list[tuple[str, dict[str, object]]], list[str]]:
    """The certificates the matter issues to this applicant (or, with ``holder_kind``, to
    a holder of that kind: the enterprise it establishes), as ``(type, claims)`` with the
    claims evaluated over ``record``; and the types deferred (another kind of holder)."""
    issued: list[tuple[str, dict[str, object]]] = []
    deferred: list[str] = []
    kind = holder_kind or applicant.holder.kind
    for service in matter.members:
        for step in service.steps:
            if not isinstance(step, IssueStep):
                continue
            for issuance in step.certificates:
                ctype = next((t for t in credentials.TYPES if t.code == issuance.type), None)
                if ctype is None or ctype.holder_kind != kind:
                    deferred.append(issuance.type)
                    continue
                fields = {}
                for name, expression in issuance.claims.items():
                    parsed = matters.rule(expression, schema, today, value=True)
                    value = parsed.evaluate(record)
                    if value is not None and value != "":
                        fields[name] = _claim(value, parsed.type)
                issued.append((issuance.type, fields))
    return issued, deferred


def _complete(case: _Case) -> None:
    """Establishes the enterprise (if the matter does), issues the certificates into the
    wallets and closes the application."""
    uow, app, applicant = case.uow, case.app, case.applicant
    enterprise = _establish(case)
    # Everything so far goes in now: issuing locks the certificate log until the commit,
    # and other applications wait on that lock, so as little as possible comes after it.
    uow.session.flush()
    to_issue, deferred = certificates_to_issue(case.matter, applicant, case.schema, case.record, case.today)
    holders = [(applicant.holder, applicant.holder_facts, to_issue)]
    if enterprise is not None:
        theirs, _ = certificates_to_issue(
            case.matter, applicant, case.schema, case.record, case.today, holder_kind="enterprise"
        )
        handed = {type_code for type_code, _ in theirs}
        deferred = [type_code for type_code in deferred if type_code not in handed]
        facts = HolderFacts(enterprise.name, enterprise.credit_code)
        holders.append((credentials.Holder.enterprise(enterprise.id), facts, theirs))
    for type_code in deferred:
        record_history(uow, app, "certificate_deferred", {"type": type_code})
    issued: list[str] = []
    for holder, holder_facts, certificates in holders:
        for type_code, fields in certificates:
            cert = credentials.issue(
                uow,
                type_code,
                holder,
                fields,
                source="applications",
                reference=f"{app.number}:{type_code}",
                facts=holder_facts,
            )
            issued.append(cert.number)
    app.certificates = issued
    app.status = "completed"
    app.updated_at = uow.clock.now()
    record_history(uow, app, "completed", {"certificates": issued})
    uow.audit("applications.completed", "application", app.number, {"certificates": len(issued)})


# --- the enterprise an application establishes ------------------------------------------------

_NAME_TAKEN_SINCE = N_(
    "An enterprise named %(name)s has been registered since this application was submitted. "
    "Refuse the application, or ask the applicant for another name."
)


@dataclass(frozen=True, slots=True)
class _Founding:
    """The enterprise a matter establishes, its details evaluated over the application."""

    field: str  #: the form field its name comes from ("form" when it is computed)
    name: str
    kind: str
    region_code: str
    industry: str
    capital_fen: int
    address: str


def _founding(matter: Matter, schema: Schema, record: Mapping[str, object], today: dt.date) -> _Founding | None:
    service = next((m for m in matter.members if m.establishes is not None), None)
    if service is None or service.establishes is None:
        return None
    found = service.establishes

    def value(expression: str | None) -> object:
        if expression is None:
            return None
        return matters.rule(expression, schema, today, value=True).evaluate(record)

    capital = value(found.registered_capital_yuan)
    form = {f.name for f in matter.form}
    return _Founding(
        field=found.name.strip() if found.name.strip() in form else "form",
        name=str(value(found.name) or "").strip(),
        kind=str(value(found.kind) or ""),
        region_code=str(value(found.region) or ""),
        industry=str(value(found.industry) or ""),
        capital_fen=int((Decimal(str(capital)) * 100).to_integral_value()) if capital is not None else 0,
        address=str(value(found.address) or ""),
    )


def _name_free(uow: UnitOfWork, app: Application, founding: _Founding, *, at_submit: bool) -> None:
    """Refuses a name another enterprise has: a form error at submission, a conflict the
    clerk sees at approval."""
    other = establishment.registered_name(uow.session, founding.name)
    if other is None or other.credit_code == app.outcome.get("enterprise", {}).get("credit_code"):
        return
    if at_submit:
        raise ValidationFailed(
            [FieldError(founding.field, establishment.NAME_TAKEN, {"name": founding.name})],
            code=ApplicationError.ENTERPRISE_NAME_TAKEN,
        )
    raise Conflict(ApplicationError.ENTERPRISE_NAME_TAKEN, _NAME_TAKEN_SINCE, params={"name": founding.name})


def _establish(case: _Case) -> Enterprise | None:
    """Registers the enterprise the matter establishes, once: completed again (a retried
    notification), the application finds the enterprise it made."""
    founding = _founding(case.matter, case.schema, case.record, case.today)
    if founding is None:
        return None
    uow, app = case.uow, case.app
    enterprise, new = establishment.establish_enterprise(
        uow,
        serial=app.id,
        reference=app.number,
        name=founding.name,
        kind=founding.kind,
        legal_rep=case.applicant.person,
        region_code=founding.region_code,
        industry=founding.industry,
        registered_capital_fen=founding.capital_fen,
        address=founding.address,
        established_on=case.today,
    )
    if new:
        detail = {"credit_code": enterprise.credit_code, "name": enterprise.name}
        app.outcome = {**app.outcome, "enterprise": detail}
        record_history(uow, app, "enterprise_established", detail)
        uow.audit("applications.enterprise_established", "application", app.number, detail)
    return enterprise


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
