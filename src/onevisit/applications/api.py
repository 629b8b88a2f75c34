"""Applications JSON API: apply (start and submit in one call, idempotent by key), your
applications; the department's tasks and decisions."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse, Response

from onevisit.applications.schemas import ApplicationOut, ApplyIn, DecisionIn, TaskOut
from onevisit.applications.services import lifecycle, review
from onevisit.applications.services.lifecycle import instant
from onevisit.kernel.actors import Principal
from onevisit.kernel.http.authz import require
from onevisit.kernel.http.deps import client_ip, platform_of

router = APIRouter(tags=["applications"])

CITIZEN = "citizen.portal"
STAFF = "staff.portal"


@router.post("/api/v1/applications", status_code=201, response_model=ApplicationOut)
async def apply(body: ApplyIn, request: Request, principal: Principal = Depends(require(CITIZEN))) -> Response:
    """Starts and submits an application. Problems answer 422 with every field named; the
    draft is kept (see ``/api/v1/me/applications``). The same ``idempotency_key`` returns
    the application it created (200) instead of creating another."""
    platform = platform_of(request)
    ip = client_ip(request)
    asked = instant.ApplyRequest(principal, body.service, body.form, tuple(body.commitments), body.idempotency_key, ip)
    found = await instant.prepare_soon(platform, asked)
    if isinstance(found, instant.Prepared):
        try:
            app = await instant.group(platform).submit(found)
        except instant.KeyTaken:  # raced a request with the same key: the ordinary path answers
            found = None
        else:
            return JSONResponse(ApplicationOut.of(app).model_dump(mode="json"), status_code=201)
    elif found is not None:  # the key's application, as it is
        return JSONResponse(ApplicationOut.of(found).model_dump(mode="json"), status_code=200)

    def run() -> tuple[ApplicationOut, bool]:
        app, submitted = lifecycle.apply(
            platform,
            principal,
            body.service,
            body.form,
            commitments=body.commitments,
            idempotency_key=body.idempotency_key,
            ip=ip,
        )
        return ApplicationOut.of(app), submitted

    out, submitted = await run_in_threadpool(run)
    return JSONResponse(out.model_dump(mode="json"), status_code=201 if submitted else 200)


@router.get("/api/v1/me/applications", response_model=list[ApplicationOut])
def mine(request: Request, principal: Principal = Depends(require(CITIZEN))) -> list[ApplicationOut]:
    from sqlalchemy import select

    from onevisit.applications.models import Application

    with platform_of(request).db.session() as session:
        apps = session.scalars(
            select(Application)
            .where(Application.person_id == principal.person_id)
            .order_by(Application.id.desc())
            .limit(100)
        )
        return [ApplicationOut.of(app) for app in apps]


@router.get("/api/v1/me/applications/{number}", response_model=ApplicationOut)
def one(number: str, request: Request, principal: Principal = Depends(require(CITIZEN))) -> ApplicationOut:
    with platform_of(request).db.session() as session:
        return ApplicationOut.of(lifecycle.find_own(session, principal, number))


@router.get("/api/v1/staff/tasks", response_model=list[TaskOut])
def tasks(
    request: Request,
    show: str = Query("open", pattern="^(open|due_soon|overdue|decided)$"),
    principal: Principal = Depends(require(STAFF)),
) -> list[TaskOut]:
    platform = platform_of(request)
    with platform.db.session() as session:
        rows = review.inbox(session, principal, platform.clock.now(), show=show)
        return [TaskOut.of(r.task, r.application, r.state) for r in rows]


@router.post("/api/v1/staff/tasks/{task_id}/decision", response_model=ApplicationOut)
async def decision(
    task_id: int, body: DecisionIn, request: Request, principal: Principal = Depends(require(STAFF))
) -> ApplicationOut:
    platform = platform_of(request)
    app = await run_in_threadpool(
        lambda: review.decide(platform, principal, task_id, body.decision, body.reason, ip=client_ip(request))
    )
    return ApplicationOut.of(app)
