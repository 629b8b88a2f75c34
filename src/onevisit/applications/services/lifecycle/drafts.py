"""Starting, applying (start and submit at once) and withdrawing applications."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlalchemy import select

from onevisit import catalog
from onevisit.applications.errors import ApplicationError
from onevisit.applications.models import OPEN, Application, Task
from onevisit.applications.services import matter as matters
from onevisit.applications.services.lifecycle.core import _NOT_OPEN, _current_matter, find_own, record_history, save
from onevisit.applications.services.lifecycle.submitting import _submit, submit
from onevisit.applications.services.matter import Applicant
from onevisit.kernel.actors import Principal
from onevisit.kernel.errors import Conflict, InvalidInput, ValidationFailed
from onevisit.kernel.platform import Platform

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
