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
from typing import cast

from sqlalchemy import Table, bindparam, select, update

from onevisit import ledger
from onevisit.datahub.models import AccessLog
from onevisit.kernel.uow import UnitOfWork

LOG = "data-access"
BATCH = 10_000


def digest(row: AccessLog) -> str:
    """SHA-256 of the row's canonical content (what the ledger entry commits to)."""
    content = {
        "id": row.id,
        "request": row.request_id,
        "at": row.at.isoformat(),
        "actor": row.actor,
        "subject": (row.subject_key or b"").hex(),
        "item": row.item_code,
        "use": row.use_code,
        "kind": row.purpose_kind,
        "reference": row.reference,
        "basis": row.legal_basis,
        "granted": row.granted,
        "reason": row.reason or "",
        "records": row.records,
    }
    text = json.dumps(content, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def anchor_pending(uow: UnitOfWork, *, limit: int = BATCH) -> int:
    """Anchors up to ``limit`` unanchored access rows (oldest first); returns how many."""
    session = uow.session
    rows = list(
        session.scalars(select(AccessLog).where(AccessLog.ledger_index.is_(None)).order_by(AccessLog.id).limit(limit))
    )
    if not rows:
        return 0
    refs = ledger.append_many(
        uow, LOG, [{"type": "onevisit.datahub.access.v1", "access": row.id, "sha256": digest(row)} for row in rows]
    )
    table = cast(Table, AccessLog.__table__)
    session.connection().execute(
        update(table).where(table.c.id == bindparam("row_id")).values(ledger_index=bindparam("entry")),
        [{"row_id": row.id, "entry": ref.index} for row, ref in zip(rows, refs, strict=True)],
    )
    return len(rows)
