"""Shell pages: home with service search, language switch, health, the periodic jobs
(administrators), development messages."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from onevisit.catalog import search_services, service_count
from onevisit.catalog.presenters import Listed, listed, names_for
from onevisit.kernel.actors import Principal
from onevisit.kernel.errors import KernelError, NotFound
from onevisit.kernel.http.authz import public, require
from onevisit.kernel.http.deps import client_ip, platform_of, safe_next
from onevisit.kernel.http.middleware import LANG_COOKIE
from onevisit.kernel.http.rendering import language_of, render
from onevisit.kernel.i18n import BY_CODE, N_
from onevisit.kernel.jobs import PeriodicJob
from onevisit.kernel.notify import recent_dev_messages
from onevisit.kernel.worker import job_rows, request_run

router = APIRouter(include_in_schema=False)

NOTICES = {
    "logged_out": N_("You have logged out."),
    "agent_added": N_("The agent can now act for the enterprise."),
    "agent_revoked": N_("The agent can no longer act for the enterprise."),
    "job_run_requested": N_("The job is due now: a running worker starts it within a few seconds."),
}


@router.get("/")
async def home(
    request: Request,
    q: str = Query("", max_length=100),
    page: int = Query(1, ge=1, le=10_000),
    principal: Principal = Depends(public),
) -> Response:
    platform = platform_of(request)
    query = q.strip()
    results = None
    items: list[Listed] = []
    if query:
        with platform.db.session() as session:
            results = search_services(session, query, page=page)
            names = names_for(session, language_of(request), departments_only=True)
        items = listed(results.items, names)
    count = service_count(platform.db)
    context = {"query": query, "results": results, "items": items, "service_count": count}
    return render(request, "web/home.html", context)


@router.get("/language/{code}")
def switch_language(
    code: str, request: Request, next: str | None = None, principal: Principal = Depends(public)
) -> Response:
    if code not in BY_CODE:
        raise NotFound(KernelError.NOT_FOUND, N_("We do not offer that language."))
    response = RedirectResponse(safe_next(next, "/"), status_code=303)
    response.set_cookie(
        LANG_COOKIE,
        code,
        max_age=365 * 86400,
        samesite="lax",
        httponly=True,
        secure=platform_of(request).settings.cookies_secure,
        path="/",
    )
    return response


@router.get("/healthz")
async def health(principal: Principal = Depends(public)) -> Response:
    """Liveness: answers without touching the database (also the benchmarks' baseline)."""
    return JSONResponse({"status": "ok"})


@router.get("/staff/jobs")
def jobs_page(request: Request, principal: Principal = Depends(require("admin.portal"))) -> Response:
    """The periodic jobs ``onevisit worker`` runs, with each one's last run and error."""
    platform = platform_of(request)
    jobs: list[PeriodicJob] = request.app.state.periodic_jobs
    rows = job_rows(platform)
    now = platform.clock.now()
    listed = []
    for job in jobs:
        row = rows.get(job.name)
        running = bool(row and row.lease_until and row.lease_until > now)
        overdue = bool(row and row.next_due_at and not running and (now - row.next_due_at).total_seconds() > 120)
        listed.append({"job": job, "row": row, "running": running, "overdue": overdue})
    never = all(row is None or row.last_started_at is None for row in (rows.get(job.name) for job in jobs))
    stalled = never or all(entry["overdue"] for entry in listed)
    return render(request, "web/jobs.html", {"jobs": listed, "stalled": stalled, "now": now})


@router.post("/staff/jobs/{name}/run")
def run_job_now(name: str, request: Request, principal: Principal = Depends(require("admin.portal"))) -> Response:
    jobs: list[PeriodicJob] = request.app.state.periodic_jobs
    if name not in {job.name for job in jobs}:
        raise NotFound(KernelError.NOT_FOUND, N_("There is no periodic job %(name)s."), params={"name": name[:64]})
    with platform_of(request).uow(principal, ip=client_ip(request)) as uow:
        request_run(uow, name)
    return RedirectResponse("/staff/jobs?notice=job_run_requested", status_code=303)


dev_router = APIRouter(include_in_schema=False)


@dev_router.get("/dev/messages")
def dev_messages(request: Request, principal: Principal = Depends(public)) -> Response:
    """Development only (not mounted otherwise): the SMS and e-mail the simulators 'sent'."""
    with platform_of(request).db.session() as session:
        messages = recent_dev_messages(session)
    return render(request, "dev/messages.html", {"messages": messages})
