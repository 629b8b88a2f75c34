"""Ledger staff page: the logs, their latest heads, witness status and witness alerts."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from onevisit.kernel.actors import Principal
from onevisit.kernel.http.authz import require
from onevisit.kernel.http.deps import platform_of
from onevisit.kernel.http.rendering import render
from onevisit.ledger.config import get_ledger_config
from onevisit.ledger.services import heads, logs, witnesses

router = APIRouter(include_in_schema=False)

#: Held by department administrators and administrators (identity.permissions).
LEDGER_READ = "ledger.read"


@router.get("/staff/ledger")
def ledger_page(request: Request, principal: Principal = Depends(require(LEDGER_READ))) -> Response:
    config = get_ledger_config()
    with platform_of(request).db.session() as session:
        rows: list[dict[str, Any]] = []
        for log in logs.list_logs(session):
            latest = heads.latest_head_row(session, log)
            rows.append(
                {
                    "log": log,
                    "head": latest,
                    "cosignatures": heads.cosignature_count(session, latest.id) if latest else 0,
                }
            )
        context = {
            "logs": rows,
            "quorum": config.witness_quorum,
            "witnesses": witnesses.witness_statuses(session),
            "alerts": witnesses.recent_alerts(session),
        }
        return render(request, "ledger/staff.html", context)
