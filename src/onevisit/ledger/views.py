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
from onevisit.ledger.models import LedgerAlert
from onevisit.ledger.services import heads, logs, witnesses

router = APIRouter(include_in_schema=False)

#: Held by department administrators and administrators (identity.permissions).
LEDGER_READ = "ledger.read"


def _formats(msgid: str, params: dict[str, Any]) -> bool:
    """Whether the witness's msgid and parameters fit together (a bad pair must not break the page)."""
    if not params:
        return True
    try:
        msgid % {str(k): v for k, v in params.items()}
    except (KeyError, ValueError, TypeError):
        return False
    return True


def present_alert(alert: LedgerAlert, log_name: str | None, witness_name: str | None) -> dict[str, Any]:
    """An alert for the page: its kind as a msgid label, its message as a msgid and parameters.

    Witnesses send the English message and, inside the signed detail, its msgid and
    parameters; older or foreign witnesses may send only the message, shown as it came.
    """
    detail = alert.detail if isinstance(alert.detail, dict) else {}
    message_id = detail.get("message_id")
    params = detail.get("message_params")
    translatable = isinstance(message_id, str) and isinstance(params, dict) and _formats(message_id, params)
    return {
        "raised_at": alert.raised_at,
        "log": log_name,
        "witness": witness_name,
        "kind": alert.kind,
        "label": witnesses.ALERT_LABELS.get(alert.kind),
        "message_id": message_id if translatable else None,
        "message_params": {str(k): v for k, v in params.items()} if translatable and isinstance(params, dict) else {},
        "message": alert.message,
    }


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
            "alerts": [present_alert(*row) for row in witnesses.recent_alerts(session)],
        }
        return render(request, "ledger/staff.html", context)
