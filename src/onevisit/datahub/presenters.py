"""What the datahub pages show: access-log rows as plain sentences (zh/en), usage by
department, conflicts with their subjects masked."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from onevisit.datahub.models import AccessLog, CatalogItem, DataConflict, DataUse
from onevisit.identity.models import Department, Enterprise, Person
from onevisit.identity.services.people import ID_KIND
from onevisit.kernel.crypto import PersonalDataVault
from onevisit.kernel.i18n import N_
from onevisit.kernel.masking import mask_id_number

#: Why a lookup was refused, in words (keys are DatahubError values).
REASONS = {
    "datahub.subject.unknown": N_("no such person or enterprise is on record"),
    "datahub.subject.invalid": N_("the number given was not valid"),
    "datahub.item.unknown": N_("the item asked for does not exist"),
    "datahub.item.not_shared": N_("that item is not shared"),
    "datahub.use.unknown": N_("the stated use is not registered"),
    "datahub.use.not_yours": N_("the stated use belongs to another department"),
    "datahub.purpose.invalid": N_("no valid purpose was given"),
    "datahub.legal_basis.missing": N_("no legal basis was given"),
    "datahub.consent.missing": N_("you had not consented, or had withdrawn your consent"),
    "datahub.approval.missing": N_("the owning department has not approved that use"),
}
PURPOSE_KINDS = {
    "application": N_("application"),
    "staff_task": N_("staff task"),
    "consented_use": N_("use you consented to"),
}


@dataclass(frozen=True, slots=True)
class AccessLine:
    at: dt.datetime
    who_zh: str
    who_en: str
    own: bool
    item_zh: str
    item_en: str
    use_zh: str
    use_en: str
    purpose_kind: str
    reference: str
    legal_basis: str
    granted: bool
    reason: str | None
    records: int
    anchored: int | None


def _names(session: Session) -> tuple[dict[str, CatalogItem], dict[str, DataUse], dict[int, Department]]:
    items = {i.code: i for i in session.scalars(select(CatalogItem))}
    uses = {u.code: u for u in session.scalars(select(DataUse))}
    departments = {d.id: d for d in session.scalars(select(Department))}
    return items, uses, departments


def access_lines(
    session: Session, subject_key: bytes, *, own_account_id: int | None, limit: int = 200
) -> list[AccessLine]:
    rows = list(
        session.scalars(
            select(AccessLog)
            .where(AccessLog.subject_key == subject_key)
            .order_by(AccessLog.at.desc(), AccessLog.id.desc())
            .limit(limit)
        )
    )
    items, uses, departments = _names(session)
    lines = []
    for row in rows:
        department = departments.get(row.actor_department_id) if row.actor_department_id else None
        own = own_account_id is not None and row.actor_account_id == own_account_id
        if department is not None:
            who_zh, who_en = department.name_zh, department.name_en
        elif own:
            who_zh, who_en = "您本人", "You"
        else:
            who_zh, who_en = "公共数据平台", "The public data platform"
        item = items.get(row.item_code)
        use = uses.get(row.use_code)
        lines.append(
            AccessLine(
                at=row.at,
                who_zh=who_zh,
                who_en=who_en,
                own=own,
                item_zh=item.name_zh if item else row.item_code,
                item_en=item.name_en if item else row.item_code,
                use_zh=use.name_zh if use else row.use_code,
                use_en=use.name_en if use else row.use_code,
                purpose_kind=row.purpose_kind,
                reference=row.reference,
                legal_basis=row.legal_basis,
                granted=row.granted,
                reason=REASONS.get(row.reason or "", row.reason),
                records=row.records,
                anchored=row.ledger_index,
            )
        )
    return lines


@dataclass(frozen=True, slots=True)
class UsageLine:
    item: CatalogItem | None
    item_code: str
    requester: Department | None
    use: DataUse | None
    use_code: str
    granted: bool
    count: int
    last_at: dt.datetime


def department_usage(session: Session, department_id: int, *, limit: int = 200) -> list[UsageLine]:
    query = (
        select(
            AccessLog.item_code,
            AccessLog.actor_department_id,
            AccessLog.use_code,
            AccessLog.granted,
            func.count(),
            func.max(AccessLog.at),
        )
        .where(AccessLog.department_id == department_id)
        .group_by(AccessLog.item_code, AccessLog.actor_department_id, AccessLog.use_code, AccessLog.granted)
        .order_by(func.count().desc())
        .limit(limit)
    )
    items, uses, departments = _names(session)
    out: list[UsageLine] = []
    for code, requester, use_code, granted, count, last_at in session.execute(query):
        last: Any = last_at
        if isinstance(last, str):
            last = dt.datetime.fromisoformat(last).replace(tzinfo=dt.UTC)
        out.append(
            UsageLine(
                items.get(code),
                code,
                departments.get(requester) if requester else None,
                uses.get(use_code),
                use_code,
                bool(granted),
                int(count),
                last,
            )
        )
    return out


@dataclass(frozen=True, slots=True)
class ConflictLine:
    subject: str  # masked ID number, or the credit code
    name: str
    concept: str
    items: list[CatalogItem]
    detected_at: dt.datetime


def department_conflicts(
    session: Session, vault: PersonalDataVault, department_id: int | None, *, limit: int = 200
) -> tuple[int, list[ConflictLine]]:
    """Open conflicts involving ``department_id``'s items (every department's: None): how
    many, and the first ``limit`` as lines with the subject masked."""
    items = {i.code: i for i in session.scalars(select(CatalogItem))}
    mine = {code for code, item in items.items() if department_id is None or item.department_id == department_id}
    rows = [
        c
        for c in session.scalars(
            select(DataConflict).where(DataConflict.resolved_at.is_(None)).order_by(DataConflict.detected_at.desc())
        )
        if mine.intersection(c.item_codes)
    ]
    shown = rows[:limit]
    keys = [bytes(c.subject_key) for c in shown]
    people = {
        bytes(p.id_number_index): p
        for p in session.scalars(select(Person).where(Person.id_number_index.in_([k for k in keys if len(k) == 16])))
    }
    firms = {
        f.credit_code: f
        for f in session.scalars(
            # an enterprise's key is its credit code (ASCII); a person's, a 16-byte blind
            # index, which may hold any byte (PostgreSQL refuses NUL in a text parameter)
            select(Enterprise).where(
                Enterprise.credit_code.in_([k.decode() for k in keys if len(k) != 16 and k.isascii()])
            )
        )
    }
    lines = []
    for conflict in shown:
        key = bytes(conflict.subject_key)
        person = people.get(key)
        if person is not None:
            subject, name = mask_id_number(vault.open(bytes(person.id_number_enc), kind=ID_KIND)), person.name
        else:
            firm = firms.get(key.decode("ascii", "replace"))
            subject, name = key.decode("ascii", "replace"), firm.name if firm else ""
        lines.append(
            ConflictLine(
                subject,
                name,
                conflict.concept,
                [items[c] for c in conflict.item_codes if c in items],
                conflict.detected_at,
            )
        )
    return len(rows), lines
