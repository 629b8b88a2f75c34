"""Anchoring the access log on the ledger's ``data-access`` log, in batches.

Lookups write access rows in their own transaction and return; a job (``onevisit datahub
anchor``, or :func:`anchor_pending` from any scheduler) appends the rows not yet anchored
to the ledger with one ``append_many`` per batch — one lock, one insert — and records each
row's ledger index. A ledger entry carries only the row's id and the SHA-256 of its
canonical content, never whose data it was: the ledger is public, the access log is not.
Anyone holding an access row can recompute :func:`digest` and check its inclusion proof.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import Table, bindparam, select, update

from onevisit import ledger
from onevisit.datahub.models import AccessLog
from onevisit.kernel.uow import UnitOfWork

LOG = "data-access"
BATCH = 10_000


_FIELDS = (
    "id",
    "request_id",
    "at",
    "actor",
    "subject_key",
    "item_code",
    "use_code",
    "purpose_kind",
    "reference",
    "legal_basis",
    "granted",
    "reason",
    "records",
)
_ENCODE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode


def digest_of(values: Sequence[Any]) -> str:
    """SHA-256 of an access row's canonical content, from its :data:`_FIELDS` in order."""
    row_id, request, at, actor, key, item, use, kind, reference, basis, granted, reason, records = values
    content = {
        "id": row_id,
        "request": request,
        "at": at.isoformat(),
        "actor": actor,
        "subject": bytes(key or b"").hex(),
        "item": item,
        "use": use,
        "kind": kind,
        "reference": reference,
        "basis": basis,
        "granted": bool(granted),
        "reason": reason or "",
        "records": records,
    }
    return hashlib.sha256(_ENCODE(content).encode()).hexdigest()


def digest(row: AccessLog) -> str:
    """What the ledger entry of ``row`` commits to."""
    return digest_of([getattr(row, name) for name in _FIELDS])


def anchor_pending(uow: UnitOfWork, *, limit: int = BATCH) -> int:
    """Anchors up to ``limit`` unanchored access rows (oldest first); returns how many."""
    session = uow.session
    table = cast(Table, AccessLog.__table__)
    rows = (
        session.connection()
        .execute(
            select(*(table.c[name] for name in _FIELDS))
            .where(table.c.ledger_index.is_(None))
            .order_by(table.c.id)
            .limit(limit)
        )
        .all()
    )
    if not rows:
        return 0
    refs = ledger.append_many(
        uow, LOG, [{"type": "onevisit.datahub.access.v1", "access": row[0], "sha256": digest_of(row)} for row in rows]
    )
    session.connection().execute(
        update(table).where(table.c.id == bindparam("row_id")).values(ledger_index=bindparam("entry")),
        [{"row_id": row[0], "entry": ref.index} for row, ref in zip(rows, refs, strict=True)],
    )
    return len(rows)
