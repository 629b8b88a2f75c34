"""Shell pages: home with service search, language switch, health, development messages."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from onevisit.catalog.services import search_services, service_count
from onevisit.kernel.actors import Principal
from onevisit.kernel.errors import KernelError, NotFound
from onevisit.kernel.http.authz import public
from onevisit.kernel.http.deps import platform_of, safe_next
from onevisit.kernel.http.middleware import LANG_COOKIE
from onevisit.kernel.http.rendering import render
from onevisit.kernel.i18n import BY_CODE, N_
from onevisit.kernel.notify import recent_dev_messages

router = APIRouter(include_in_schema=False)

NOTICES = {
    "logged_out": N_("You have logged out."),
    "agent_added": N_("The agent can now act for the enterprise."),
    "agent_revoked": N_("The agent can no longer act for the enterprise."),
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
    if query:
        with platform.db.session() as session:
            results = search_services(session, query, page=page)
    count = service_count(platform.db)
    return render(request, "web/home.html", {"query": query, "results": results, "service_count": count})


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


dev_router = APIRouter(include_in_schema=False)


@dev_router.get("/dev/messages")
def dev_messages(request: Request, principal: Principal = Depends(public)) -> Response:
    """Development only (not mounted otherwise): the SMS and e-mail the simulators 'sent'."""
    with platform_of(request).db.session() as session:
        messages = recent_dev_messages(session)
    return render(request, "dev/messages.html", {"messages": messages})
