"""Data quality: conflicts between sources, and stale sources.

Two items that declare the same ``concept`` for a field (household registration's address
and social insurance's contact address are both ``residential_address``) must agree for one
subject. The dossier flags disagreements as it assembles them; :func:`scan_conflicts`
walks every record of such items (in primary-key order, one subject at a time) and keeps a
``datahub_conflicts`` row per subject and concept for the departments to resolve. Nothing
is merged: both values stay, each with its source.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import groupby
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from onevisit.datahub.models import CatalogItem, DataConflict, DataRecord
from onevisit.datahub.services.access import open_record
from onevisit.datahub.services.catalogue import is_stale
from onevisit.identity.models import Department
from onevisit.kernel.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class StaleItem:
    item: CatalogItem
    department: Department
    age: dt.timedelta | None


def stale_items(session: Session, now: dt.datetime) -> list[StaleItem]:
    rows = session.execute(
        select(CatalogItem, Department).join(Department, Department.id == CatalogItem.department_id)
    ).all()
    return [
        StaleItem(item, department, None if item.data_updated_at is None else now - item.data_updated_at)
        for item, department in rows
        if is_stale(item.frequency, item.data_updated_at, now)
    ]


def _concept_fields(session: Session) -> dict[int, tuple[str, list[tuple[str, str]]]]:
    out: dict[int, tuple[str, list[tuple[str, str]]]] = {}
    for item in session.scalars(select(CatalogItem)):
        pairs = [(f["name"], f["concept"]) for f in item.fields if f.get("concept")]
        if pairs:
            out[item.id] = (item.code, pairs)
    return out


def _records(session: Session, item_ids: list[int]) -> Iterator[tuple[bytes, int, bytes]]:
    query = (
        select(DataRecord.subject_key, DataRecord.item_id, DataRecord.payload)
        .where(DataRecord.item_id.in_(item_ids))
        .order_by(DataRecord.subject_key)
        .execution_options(yield_per=5000)
    )
    for key, item_id, payload in session.execute(query):
        yield bytes(key), int(item_id), bytes(payload)


def scan_conflicts(uow: UnitOfWork) -> int:
    """Records every (subject, concept) whose sources disagree; returns how many are open."""
    session = uow.session
    fields = _concept_fields(session)
    if not fields:
        return 0
    vault = uow.platform.vault
    existing = {(bytes(c.subject_key), c.concept): c for c in session.scalars(select(DataConflict))}
    now = uow.clock.now()
    found: set[tuple[bytes, str]] = set()
    read = Session(bind=session.connection())
    try:
        for key, group in groupby(_records(read, list(fields)), key=lambda r: r[0]):
            values: dict[str, dict[str, Any]] = {}
            for _, item_id, payload in group:
                code, pairs = fields[item_id]
                data = open_record(vault, payload)
                for name, concept in pairs:
                    if data.get(name) is not None:
                        values.setdefault(concept, {})[code] = data[name]
            for concept, by_item in values.items():
                if len({str(v) for v in by_item.values()}) > 1:
                    found.add((key, concept))
                    row = existing.get((key, concept))
                    if row is None:
                        session.add(
                            DataConflict(subject_key=key, concept=concept, item_codes=sorted(by_item), detected_at=now)
                        )
                    elif row.resolved_at is not None:
                        row.resolved_at, row.detected_at = None, now
    finally:
        read.close()
    for pair, row in existing.items():
        if pair not in found and row.resolved_at is None:
            row.resolved_at = now  # the sources agree again
    uow.audit("datahub.conflicts_scanned", "datahub", "conflicts", {"open": len(found)})
    return len(found)
