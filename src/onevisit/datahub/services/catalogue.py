"""The catalogue: departments register sources, items and uses.

A conditional item is readable for a use only while its owning department's approval of
that use stands (the request workflow is in :mod:`.requests`). Staleness is judged from an item's
declared update frequency and when its data was last loaded.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from onevisit.datahub.errors import DatahubError
from onevisit.datahub.models import (
    CONNECTORS,
    FREQUENCIES,
    SHARING_CLASSES,
    SUBJECT_KINDS,
    Approval,
    CatalogItem,
    DataSource,
    DataUse,
)
from onevisit.datahub.schemas import ItemSchema
from onevisit.identity.models import Department
from onevisit.kernel.errors import Conflict, FieldError, InvalidInput, NotFound, ValidationFailed
from onevisit.kernel.i18n import N_
from onevisit.kernel.uow import UnitOfWork

#: How long each declared frequency lets data age before it counts as stale (with grace).
FREQUENCY_LIMITS: dict[str, dt.timedelta] = {
    "realtime": dt.timedelta(hours=1),
    "daily": dt.timedelta(days=2),
    "weekly": dt.timedelta(days=8),
    "monthly": dt.timedelta(days=32),
    "quarterly": dt.timedelta(days=93),
    "yearly": dt.timedelta(days=367),
}


def is_stale(frequency: str, updated_at: dt.datetime | None, now: dt.datetime) -> bool:
    """Never loaded, or older than its declared frequency allows."""
    return updated_at is None or now - updated_at > FREQUENCY_LIMITS[frequency]


def department_by_code(session: Session, code: str) -> Department:
    department = session.scalar(select(Department).where(Department.code == code))
    if department is None:
        raise NotFound(DatahubError.DEPARTMENT_UNKNOWN, N_("There is no department %(code)s."), params={"code": code})
    return department


def find_source(session: Session, code: str) -> DataSource:
    source = session.scalar(select(DataSource).where(DataSource.code == code))
    if source is None:
        raise NotFound(DatahubError.SOURCE_UNKNOWN, N_("There is no data source %(code)s."), params={"code": code})
    return source


def find_item(session: Session, code: str) -> CatalogItem:
    item = session.scalar(select(CatalogItem).where(CatalogItem.code == code))
    if item is None:
        raise NotFound(DatahubError.ITEM_UNKNOWN, N_("There is no catalogue item %(code)s."), params={"code": code})
    return item


def find_use(session: Session, code: str) -> DataUse:
    use = session.scalar(select(DataUse).where(DataUse.code == code))
    if use is None:
        raise NotFound(DatahubError.USE_UNKNOWN, N_("There is no registered use %(code)s."), params={"code": code})
    return use


def schema_of(item: CatalogItem) -> ItemSchema:
    return ItemSchema.model_validate({"fields": item.fields})


def _check_choice(field: str, value: str, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise ValidationFailed(
            [FieldError(field, N_("Choose one of: %(choices)s."), {"choices": ", ".join(choices)})],
            code=DatahubError.SCHEMA_INVALID,
        )


def register_source(
    uow: UnitOfWork, *, department_code: str, code: str, name: str, connector: str, config: dict[str, Any] | None = None
) -> DataSource:
    _check_choice("connector", connector, CONNECTORS)
    session = uow.session
    department = department_by_code(session, department_code)
    if session.scalar(select(DataSource.id).where(DataSource.code == code)) is not None:
        raise Conflict(DatahubError.SOURCE_EXISTS, N_("Data source %(code)s already exists."), params={"code": code})
    source = DataSource(
        code=code,
        department_id=department.id,
        name=name,
        connector=connector,
        config=config or {},
        created_at=uow.clock.now(),
    )
    session.add(source)
    session.flush()
    uow.audit("datahub.source_registered", "datahub_source", code, {"connector": connector})
    return source


def register_item(
    uow: UnitOfWork,
    *,
    source_code: str,
    code: str,
    name_zh: str,
    name_en: str,
    subject_kind: str,
    sharing: str,
    frequency: str,
    fields: list[dict[str, Any]],
) -> CatalogItem:
    _check_choice("subject_kind", subject_kind, SUBJECT_KINDS)
    _check_choice("sharing", sharing, SHARING_CLASSES)
    _check_choice("frequency", frequency, FREQUENCIES)
    try:
        schema = ItemSchema.model_validate({"fields": fields})
    except ValidationError as exc:
        raise InvalidInput(
            DatahubError.SCHEMA_INVALID,
            N_("The item's schema is not valid: %(problem)s"),
            params={"problem": exc.errors()[0]["msg"]},
        ) from None
    session = uow.session
    source = find_source(session, source_code)
    if session.scalar(select(CatalogItem.id).where(CatalogItem.code == code)) is not None:
        raise Conflict(DatahubError.ITEM_EXISTS, N_("Catalogue item %(code)s already exists."), params={"code": code})
    item = CatalogItem(
        code=code,
        department_id=source.department_id,
        source_id=source.id,
        name_zh=name_zh,
        name_en=name_en,
        subject_kind=subject_kind,
        sharing=sharing,
        frequency=frequency,
        fields=[f.model_dump(exclude_defaults=False) for f in schema.fields],
        created_at=uow.clock.now(),
        record_count=0,
    )
    session.add(item)
    session.flush()
    uow.audit("datahub.item_registered", "datahub_item", code, {"sharing": sharing, "subject_kind": subject_kind})
    return item


def register_use(
    uow: UnitOfWork, *, code: str, name_zh: str, name_en: str, department_code: str | None, requires_consent: bool
) -> DataUse:
    session = uow.session
    department = department_by_code(session, department_code) if department_code else None
    if session.scalar(select(DataUse.id).where(DataUse.code == code)) is not None:
        raise Conflict(DatahubError.USE_EXISTS, N_("Use %(code)s is already registered."), params={"code": code})
    use = DataUse(
        code=code,
        name_zh=name_zh,
        name_en=name_en,
        department_id=department.id if department else None,
        requires_consent=requires_consent,
        created_at=uow.clock.now(),
    )
    session.add(use)
    session.flush()
    uow.audit("datahub.use_registered", "datahub_use", code, {"requires_consent": requires_consent})
    return use


def approve(uow: UnitOfWork, *, item_code: str, use_code: str, legal_basis: str) -> Approval:
    """The owning department approves ``use`` of its conditional item on its own initiative
    (see :func:`.requests.approve_use`; departments that need an item file a request)."""
    from onevisit.datahub.services.requests import approve_use

    return approve_use(uow, item_code=item_code, use_code=use_code, legal_basis=legal_basis)


def revoke_approval(uow: UnitOfWork, *, item_code: str, use_code: str) -> None:
    """The owner withdraws ``use``'s standing approval (see :func:`.requests.revoke_use`)."""
    from onevisit.datahub.services.requests import revoke_use

    revoke_use(uow, item_code=item_code, use_code=use_code)


def list_items(session: Session) -> list[tuple[CatalogItem, Department]]:
    rows = session.execute(
        select(CatalogItem, Department)
        .join(Department, Department.id == CatalogItem.department_id)
        .order_by(Department.code, CatalogItem.code)
    ).all()
    return [(item, department) for item, department in rows]


def list_uses(session: Session) -> list[DataUse]:
    return list(session.scalars(select(DataUse).order_by(DataUse.code)))
