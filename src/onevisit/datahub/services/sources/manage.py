"""Sources: listing, creating and editing them, "refresh now" and scheduled refreshes."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from onevisit.datahub.errors import DatahubError
from onevisit.datahub.models import CONNECTORS, CatalogItem, DataSource
from onevisit.datahub.services import catalogue
from onevisit.datahub.services.imports import ImportReport, refresh
from onevisit.datahub.services.ownership import is_province_admin, may_manage
from onevisit.datahub.services.sources.config import check_config
from onevisit.identity.models import Department
from onevisit.kernel.actors import Principal
from onevisit.kernel.errors import AppError, FieldError, NotFound, ValidationFailed
from onevisit.kernel.i18n import N_
from onevisit.kernel.platform import Platform
from onevisit.kernel.uow import UnitOfWork

CODE = re.compile(r"^[a-z][a-z0-9_.-]{2,63}$")
#: a table OneVisit's own database holds the demo's records in: nothing to refresh from
RECORDS_TABLE = "datahub_records"
#: how often a refreshable source is re-read for each declared frequency
REFRESH_PERIODS: dict[str, dt.timedelta] = {
    "realtime": dt.timedelta(minutes=15),
    "daily": dt.timedelta(days=1),
    "weekly": dt.timedelta(days=7),
    "monthly": dt.timedelta(days=30),
    "quarterly": dt.timedelta(days=91),
    "yearly": dt.timedelta(days=365),
}


@dataclass(frozen=True, slots=True)
class SourceView:
    source: DataSource
    department: Department
    items: list[CatalogItem]


def sources_for(session: Session, actor: Principal, department_code: str | None = None) -> list[SourceView]:
    """The sources ``actor`` manages: their department's; a province administrator sees
    every department's (or one, by code)."""
    query = select(DataSource, Department).join(Department, Department.id == DataSource.department_id)
    if not is_province_admin(actor):
        query = query.where(DataSource.department_id == (actor.department_id or -1))
    elif department_code:
        query = query.where(Department.code == department_code)
    rows = session.execute(query.order_by(Department.code, DataSource.code)).all()
    items: dict[int, list[CatalogItem]] = {}
    for item in session.scalars(
        select(CatalogItem).where(CatalogItem.source_id.in_([s.id for s, _ in rows])).order_by(CatalogItem.code)
    ):
        items.setdefault(item.source_id, []).append(item)
    return [SourceView(source, department, items.get(source.id, [])) for source, department in rows]


def source_for(session: Session, actor: Principal, code: str) -> SourceView:
    """One source ``actor`` may manage; 404 otherwise (its existence is not confirmed)."""
    found = session.execute(
        select(DataSource, Department)
        .join(Department, Department.id == DataSource.department_id)
        .where(DataSource.code == code)
    ).first()
    if found is None or not may_manage(actor, found[0].department_id):
        raise NotFound(DatahubError.SOURCE_UNKNOWN, N_("There is no data source %(code)s."), params={"code": code[:64]})
    source, department = found
    items = list(
        session.scalars(select(CatalogItem).where(CatalogItem.source_id == source.id).order_by(CatalogItem.code))
    )
    return SourceView(source, department, items)


def item_for(session: Session, actor: Principal, code: str) -> CatalogItem:
    item = session.scalar(select(CatalogItem).where(CatalogItem.code == code))
    if item is None or not may_manage(actor, item.department_id):
        raise NotFound(
            DatahubError.ITEM_UNKNOWN, N_("There is no catalogue item %(code)s."), params={"code": code[:64]}
        )
    return item


def _department_for(session: Session, actor: Principal, department_code: str) -> Department:
    """The department a new source belongs to: the actor's own; an administrator picks."""
    if is_province_admin(actor) and department_code:
        department = session.scalar(select(Department).where(Department.code == department_code))
        if department is None:
            raise ValidationFailed([FieldError("department", N_("Choose one of the options."))])
        return department
    department = session.get(Department, actor.department_id) if actor.department_id else None
    if department is None:
        raise ValidationFailed([FieldError("department", N_("Choose the department that holds this source."))])
    return department


def _source_problems(name: str, connector: str) -> list[FieldError]:
    problems = []
    if not name.strip():
        problems.append(FieldError("name", N_("Enter the source's name.")))
    elif len(name.strip()) > 128:
        problems.append(FieldError("name", N_("Must be %(max_length)s characters or fewer."), {"max_length": 128}))
    if connector not in CONNECTORS:
        problems.append(FieldError("connector", N_("Choose one of the options.")))
    return problems


def create_source(uow: UnitOfWork, values: dict[str, str]) -> DataSource:
    """Registers a source from the form's ``values`` (code, name, connector, settings)."""
    session = uow.session
    code, name, connector = values.get("code", "").strip(), values.get("name", ""), values.get("connector", "")
    problems = []
    if not CODE.match(code):
        problems.append(
            FieldError("code", N_("Enter a code of 3 to 64 lower-case letters, digits, dots, dashes or underscores."))
        )
    elif session.scalar(select(DataSource.id).where(DataSource.code == code)) is not None:
        problems.append(FieldError("code", N_("Data source %(code)s already exists."), {"code": code}))
    problems += _source_problems(name, connector)
    config, config_problems = (
        check_config(connector, values, own_database_url=uow.platform.settings.database_url)
        if connector in CONNECTORS
        else ({}, [])
    )
    problems += config_problems
    if problems:
        raise ValidationFailed(problems, code=DatahubError.SOURCE_INVALID)
    department = _department_for(session, uow.actor, values.get("department", ""))
    return catalogue.register_source(
        uow, department_code=department.code, code=code, name=name.strip(), connector=connector, config=config
    )


def update_source(uow: UnitOfWork, code: str, values: dict[str, str]) -> DataSource:
    """Edits a source's name and settings (its code, department and connector kind stay)."""
    view = source_for(uow.session, uow.actor, code)
    source = view.source
    name = values.get("name", "")
    problems = _source_problems(name, source.connector)
    config, config_problems = check_config(
        source.connector, values, own_database_url=uow.platform.settings.database_url, stored=source.config
    )
    problems += config_problems
    if problems:
        raise ValidationFailed(problems, code=DatahubError.SOURCE_INVALID)
    changed = sorted(k for k in set(config) | set(source.config) if config.get(k) != source.config.get(k))
    if name.strip() != source.name:
        changed.insert(0, "name")
    source.name, source.config = name.strip(), config
    uow.audit("datahub.source_updated", "datahub_source", source.code, {"changed": changed})
    return source


def refreshable(source: DataSource) -> bool:
    """Whether "refresh now" can re-read ``source`` (it names somewhere to read from)."""
    if source.connector in ("sql", "http"):
        return bool(source.config.get("url"))
    if source.connector == "own_table":
        return bool(source.config.get("table")) and source.config.get("table") != RECORDS_TABLE
    return bool(source.config.get("path"))


@dataclass(frozen=True, slots=True)
class Refreshed:
    item: str
    report: ImportReport | None
    error: AppError | None


def refresh_source(platform: Platform, actor: Principal, code: str) -> list[Refreshed]:
    """Re-reads every item of the source, each in its own transaction: an item whose data
    turns out malformed is left as it was and reported, the others are loaded."""
    with platform.db.session() as session:
        view = source_for(session, actor, code)
        items = [item.code for item in view.items]
        if not refreshable(view.source):
            raise AppError(
                DatahubError.SOURCE_INVALID,
                N_("Source %(code)s has nothing to refresh from: upload a file into its items instead."),
                params={"code": view.source.code},
                status=422,
            )
    if not items:
        raise AppError(
            DatahubError.SOURCE_INVALID,
            N_("Source %(code)s has no items yet: declare one first."),
            params={"code": code[:64]},
            status=422,
        )
    outcomes = []
    for item in items:
        try:
            outcomes.append(Refreshed(item, refresh(platform, actor, item_code=item), None))
        except AppError as err:
            outcomes.append(Refreshed(item, None, err))
    with platform.uow(actor) as uow:
        uow.audit(
            "datahub.source_refreshed",
            "datahub_source",
            code,
            {
                "items": {
                    o.item: (o.report.rows_loaded if o.report else str(o.error.code if o.error else ""))
                    for o in outcomes
                }
            },
        )
    return outcomes


def due_items(session: Session, now: dt.datetime) -> list[str]:
    """Items of refreshable sources whose data is older than their frequency's period."""
    rows = session.execute(select(CatalogItem, DataSource).join(DataSource, DataSource.id == CatalogItem.source_id))
    return [
        item.code
        for item, source in rows
        if refreshable(source)
        and (item.data_updated_at is None or now - item.data_updated_at >= REFRESH_PERIODS[item.frequency])
    ]
