"""What the access-log pages show: rows turned into plain sentences (zh/en)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from onevisit.datahub.models import AccessLog, CatalogItem, DataUse
from onevisit.identity.models import Department
from onevisit.kernel.i18n import N_

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
