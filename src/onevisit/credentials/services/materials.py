"""Certificates as application materials: once issued, never asked for again.

:func:`valid_certificates` is what applications call when a service lists a certificate
among its materials: the holder's certificates of that type that are in force today.

The datahub sees them too, without importing this module (layers forbid it): the
certificate library is registered as a datahub source of the Big Data Bureau, with one
catalogue item per holder kind (``cert.person``, ``cert.enterprise``), and
:func:`sync_datahub` loads every certificate in force into it through datahub's own
services — so a dossier lists a citizen's certificates beside the departments' records,
with datahub's purpose checks and access log. Run it from cron like ``datahub anchor``
(``onevisit credentials sync-datahub``); the demo seed runs it once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from onevisit.credentials.catalogue import BY_CODE
from onevisit.credentials.models import Credential, Status
from onevisit.credentials.services.issuance import CHINA, Holder, local_today
from onevisit.datahub.models import CatalogItem
from onevisit.datahub.services import catalogue as datahub_catalogue
from onevisit.datahub.services import records as datahub_records
from onevisit.identity.models import Department, Enterprise, Person
from onevisit.kernel.actors import Principal
from onevisit.kernel.platform import Platform

SOURCE_CODE = "credentials.library"
SOURCE_DEPARTMENT = "ZJ-BDB"
PERSON_ITEM = "cert.person"
ENTERPRISE_ITEM = "cert.enterprise"
_FIELDS = [
    ("number", "string", "证照编号", "Certificate number"),
    ("type", "string", "证照类型", "Certificate type"),
    ("type_name", "string", "证照名称", "Certificate name"),
    ("issuer", "string", "颁证单位", "Issued by"),
    ("valid_from", "date", "有效期起", "Valid from"),
    ("valid_until", "date", "有效期至", "Valid until"),
]


def in_force(today: dt.date) -> Any:
    return (
        (Credential.status == Status.VALID)
        & (Credential.valid_from <= today)
        & or_(Credential.valid_until.is_(None), Credential.valid_until >= today)
    )


def valid_certificates(
    session: Session, holder: Holder, type_code: str | None = None, *, today: dt.date | None = None
) -> list[Credential]:
    """The holder's certificates in force today (of ``type_code``, or of every type)."""
    today = today or dt.datetime.now(CHINA).date()
    column = Credential.holder_person_id if holder.kind == "person" else Credential.holder_enterprise_id
    query = select(Credential).where(column == holder.id, in_force(today))
    if type_code is not None:
        query = query.where(Credential.type_code == type_code)
    return list(session.scalars(query.order_by(Credential.issued_at.desc(), Credential.id.desc())))


def register_datahub_items(platform: Platform, actor: Principal) -> bool:
    """Registers the certificate library with the datahub (once); True if it registered now.
    Nothing to do (False) on a platform without the Big Data Bureau (no departments yet)."""
    with platform.db.session() as session:
        if session.scalar(select(CatalogItem.id).where(CatalogItem.code == PERSON_ITEM)) is not None:
            return False
        if session.scalar(select(Department.id).where(Department.code == SOURCE_DEPARTMENT)) is None:
            return False
    with platform.uow(actor) as uow:
        datahub_catalogue.register_source(
            uow,
            department_code=SOURCE_DEPARTMENT,
            code=SOURCE_CODE,
            name="E-certificate library",
            # Pushed, not pulled: the datahub has no connector kind for that, so the source
            # names who loads it (`datahub refresh` of it says there is no table to read).
            connector="own_table",
            config={"loaded_by": "onevisit credentials sync-datahub"},
        )
        fields = [
            {"name": n, "type": t, "label_zh": zh, "label_en": en, "required": n != "valid_until"}
            for n, t, zh, en in _FIELDS
        ]
        for code, subject, zh, en in (
            (PERSON_ITEM, "person", "电子证照（个人）", "E-certificates (people)"),
            (ENTERPRISE_ITEM, "enterprise", "电子证照（企业）", "E-certificates (enterprises)"),
        ):
            datahub_catalogue.register_item(
                uow,
                source_code=SOURCE_CODE,
                code=code,
                name_zh=zh,
                name_en=en,
                subject_kind=subject,
                sharing="unconditional",
                frequency="daily",
                fields=fields,
            )
    return True


@dataclass(frozen=True, slots=True)
class SyncReport:
    people: int
    enterprises: int


def _rows(session: Session, today: dt.date, *, enterprise: bool) -> Iterator[tuple[bytes, dict[str, Any]]]:
    key = Enterprise.credit_code if enterprise else Person.id_number_index
    holder = Enterprise if enterprise else Person
    column = Credential.holder_enterprise_id if enterprise else Credential.holder_person_id
    query = (
        select(
            key,
            Credential.number,
            Credential.type_code,
            Department.name_zh,
            Credential.valid_from,
            Credential.valid_until,
        )
        .join(holder, holder.id == column)
        .join(Department, Department.id == Credential.department_id)
        .where(in_force(today))
        .execution_options(yield_per=10_000)
    )
    for subject, number, type_code, issuer, start, end in session.execute(query):
        ctype = BY_CODE.get(type_code)
        data: dict[str, Any] = {
            "number": number,
            "type": type_code,
            "type_name": ctype.name_zh if ctype else type_code,
            "issuer": issuer,
            "valid_from": start.isoformat(),
        }
        if end is not None:
            data["valid_until"] = end.isoformat()
        yield (str(subject).encode("ascii") if enterprise else bytes(subject)), data  # type: ignore[arg-type]


def sync_datahub(platform: Platform, actor: Principal) -> SyncReport:
    """Replaces the datahub's copy of the certificate library with the certificates in force."""
    register_datahub_items(platform, actor)
    with platform.db.session() as session:
        if session.scalar(select(CatalogItem.id).where(CatalogItem.code == PERSON_ITEM)) is None:
            return SyncReport(0, 0)  # no departments on this platform yet
    with platform.uow(actor) as uow:
        today = local_today(uow.clock.now())
        session = uow.session
        counts = []
        for code, enterprise in ((PERSON_ITEM, False), (ENTERPRISE_ITEM, True)):
            item = datahub_catalogue.find_item(session, code)
            counts.append(datahub_records.load(uow, item, list(_rows(session, today, enterprise=enterprise))))
        uow.audit(
            "credentials.datahub_synced", "datahub_item", PERSON_ITEM, {"people": counts[0], "enterprises": counts[1]}
        )
    return SyncReport(counts[0], counts[1])
