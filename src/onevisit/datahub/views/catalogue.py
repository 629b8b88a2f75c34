"""Staff pages: the catalogue, how a department's items are used, its data quality."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from onevisit.datahub.presenters import department_conflicts, department_usage
from onevisit.datahub.services import catalogue, quality, requests
from onevisit.datahub.views.common import STAFF, department_scope
from onevisit.kernel.actors import Principal
from onevisit.kernel.http.authz import require
from onevisit.kernel.http.deps import platform_of
from onevisit.kernel.http.rendering import render
from onevisit.kernel.jobs import JobRun

router = APIRouter(include_in_schema=False)


@router.get("/staff/datahub")
def catalogue_page(request: Request, principal: Principal = Depends(require(STAFF))) -> Response:
    platform = platform_of(request)
    now = platform.clock.now()
    with platform.db.session() as session:
        rows = [
            {
                "item": item,
                "department": department,
                "stale": catalogue.is_stale(item.frequency, item.data_updated_at, now),
            }
            for item, department in catalogue.list_items(session)
        ]
        uses = catalogue.list_uses(session)
        pending = requests.pending_count(session, principal.department_id) if principal.department_id else 0
    return render(request, "datahub/catalogue.html", {"rows": rows, "uses": uses, "pending": pending})


@router.get("/staff/datahub/usage")
def usage_page(
    request: Request, department: str | None = None, principal: Principal = Depends(require(STAFF))
) -> Response:
    platform = platform_of(request)
    with platform.db.session() as session:
        chosen, departments = department_scope(session, principal, department)
        usage = department_usage(session, chosen.id) if chosen else []
    return render(
        request,
        "datahub/usage.html",
        {"department": chosen, "usage": usage, "departments": departments},
    )


@router.get("/staff/datahub/quality")
def quality_page(
    request: Request, department: str | None = None, principal: Principal = Depends(require(STAFF))
) -> Response:
    """The department's data quality: sources that disagree with another department's
    about a subject (conflicts, from the worker's last scan), and its stale items."""
    platform = platform_of(request)
    now = platform.clock.now()
    with platform.db.session() as session:
        chosen, departments = department_scope(session, principal, department)
        total, conflicts = department_conflicts(session, platform.vault, chosen.id) if chosen else (0, [])
        stale = [s for s in quality.stale_items(session, now) if chosen and s.department.id == chosen.id]
        scan = session.get(JobRun, "datahub.quality")
    return render(
        request,
        "datahub/quality.html",
        {
            "department": chosen,
            "departments": departments,
            "conflicts": conflicts,
            "conflict_total": total,
            "stale": stale,
            "scan": scan,
        },
    )
