"""Bulk extraction: chosen fields of enterprise items, for every enterprise, as one table.

Lookups (``access.read``) serve one subject at a time; matching a policy needs a few fields
of a few items for *all* enterprises. ``enterprise_frame`` reads those items' records in one
statement per item (no per-subject round trips), opens each payload once, keeps a subject's
latest record per item, and returns a Polars frame with one row per enterprise that has any
of them, keyed by ``credit_code``. The extraction is an access like any other: it states a
purpose and is audited (one record per extraction, naming the items and the row count).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl
from sqlalchemy import select, text

from onevisit.datahub.errors import DatahubError
from onevisit.datahub.models import CatalogItem
from onevisit.datahub.services.access import open_record
from onevisit.kernel.errors import InvalidInput
from onevisit.kernel.i18n import N_
from onevisit.kernel.uow import UnitOfWork

#: rules types → Polars types
_POLARS: dict[str, Any] = {
    "integer": pl.Int64,
    "decimal": pl.Float64,
    "text": pl.String,
    "boolean": pl.Boolean,
    "date": pl.Date,
}


@dataclass(frozen=True, slots=True)
class Column:
    """``name`` in the frame ← ``field`` of item ``item`` (``field=None``: whether the
    enterprise has a record of the item at all, a boolean)."""

    name: str
    item: str
    field: str | None
    type: str  # integer, decimal, text, boolean, date

    @property
    def dtype(self) -> Any:
        return pl.Boolean if self.field is None else _POLARS[self.type]


def _value(kind: str, raw: Any) -> Any:
    if raw is None or raw == "":
        return None
    try:
        if kind == "integer":
            return int(raw)
        if kind == "decimal":
            return float(raw)
        if kind == "boolean":
            return raw if isinstance(raw, bool) else str(raw).lower() in {"true", "1", "yes"}
        if kind == "date":
            return raw if isinstance(raw, dt.date) else dt.date.fromisoformat(str(raw)[:10])
    except (TypeError, ValueError):
        return None  # a value that does not fit its declared type reads as unknown
    return str(raw)


def enterprise_frame(
    uow: UnitOfWork,
    columns: Sequence[Column],
    *,
    purpose: str,
    credit_codes: Sequence[str] | None = None,
) -> pl.DataFrame:
    """One row per enterprise holding a record of any named item: ``credit_code`` and the
    columns asked for (NULL where the enterprise has no record of that item).

    ``credit_codes`` restricts it to those enterprises (one primary-key range each)."""
    if not purpose.strip():
        raise InvalidInput(DatahubError.PURPOSE_INVALID, N_("State why the data is needed."))
    session = uow.session
    codes = sorted({c.item for c in columns})
    items = {
        item.code: item
        for item in session.scalars(select(CatalogItem).where(CatalogItem.code.in_(codes)))
        if item.subject_kind == "enterprise"
    }
    vault = uow.platform.vault
    latest: dict[tuple[bytes, str], tuple[int, bytes]] = {}
    keys = None if credit_codes is None else sorted({c.encode("ascii") for c in credit_codes})
    for code, item in items.items():
        rows: list[Any] = []
        if keys is None:
            rows = list(
                session.execute(
                    text("SELECT subject_key, seq, payload FROM datahub_records WHERE item_id = :item"),
                    {"item": item.id},
                )
            )
        else:
            for key in keys:  # the primary key leads with the subject: one short range each
                rows += session.execute(
                    text(
                        "SELECT subject_key, seq, payload FROM datahub_records "
                        "WHERE subject_key = :key AND item_id = :item"
                    ),
                    {"item": item.id, "key": key},
                ).all()
        for key, seq, payload in rows:
            subject = bytes(key)
            found = latest.get((subject, code))
            if found is None or seq > found[0]:
                latest[(subject, code)] = (int(seq), bytes(payload))
    opened: dict[tuple[bytes, str], dict[str, Any]] = {
        k: open_record(vault, payload) for k, (_, payload) in latest.items()
    }
    subjects = sorted({subject for subject, _ in opened})
    data: dict[str, list[Any]] = {"credit_code": [s.decode("ascii") for s in subjects]}
    for column in columns:
        values: list[Any] = []
        for subject in subjects:
            record = opened.get((subject, column.item))
            if column.field is None:
                values.append(record is not None)
            else:
                values.append(None if record is None else _value(column.type, record.get(column.field)))
        data[column.name] = values
    frame = pl.DataFrame(data, schema={"credit_code": pl.String, **{c.name: c.dtype for c in columns}}, strict=False)
    uow.audit(
        "datahub.extracted",
        "datahub_items",
        purpose[:64],
        {
            "purpose": purpose[:200],
            "items": codes,
            "missing_items": [c for c in codes if c not in items],
            "rows": frame.height,
        },
    )
    return frame
