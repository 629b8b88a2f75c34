"""Shared pieces of an application's life: uploads, finding, matters, history, save."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from onevisit import catalog
from onevisit.applications.errors import ApplicationError
from onevisit.applications.models import Application, HistoryEntry
from onevisit.applications.services import matter as matters
from onevisit.applications.services.matter import Matter
from onevisit.catalog.models import Service, ServiceVersion
from onevisit.kernel.actors import Principal
from onevisit.kernel.errors import Conflict, NotFound
from onevisit.kernel.i18n import N_
from onevisit.kernel.platform import Platform
from onevisit.kernel.uow import UnitOfWork

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


def cached_matter(url: str, version_id: int) -> Matter | None:
    """The matter at a catalogue version, if this process has parsed it already (``url``:
    the engine's, as ``str(engine.url)`` gives it)."""
    return _MATTERS.get((url, version_id))


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
        app.form, app.commitments = matters.as_typed(matter, values, commitments)
        app.updated_at = uow.clock.now()
        uow.session.flush()
        uow.session.expunge(app)
    return app


def working_days_after(start: dt.datetime, days: int) -> dt.datetime:
    moment = start
    added = 0
    while added < days:
        moment += dt.timedelta(days=1)
        if moment.astimezone(matters.CHINA).weekday() < 5:
            added += 1
    return moment
