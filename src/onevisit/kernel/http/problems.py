"""One error envelope per surface.

Under ``/api/`` every failure is an RFC 9457 problem document (``application/problem+json``)
with a stable ``code`` and, for invalid input, one entry per field. Everywhere else people
get a proper page in their language. No stack trace ever reaches a user; unexpected
exceptions are logged and answered with a generic 500.
"""

from __future__ import annotations

import logging
import sqlite3
from typing import Any
from urllib.parse import quote

import sqlalchemy.exc
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse, RedirectResponse, Response

from onevisit.kernel.errors import AppError, ErrorCode, FieldError, KernelError
from onevisit.kernel.http.authz import LoginRequired
from onevisit.kernel.http.rendering import render, translator_for
from onevisit.kernel.i18n import N_

log = logging.getLogger("onevisit.errors")

PROBLEM_TYPE_BASE = "/problems/"

_DEFAULT_TITLE = N_("Error")
_TITLES: dict[int, str] = {
    400: N_("Bad request"),
    401: N_("Not logged in"),
    403: N_("Forbidden"),
    404: N_("Page not found"),
    405: N_("Method not allowed"),
    409: N_("Conflict"),
    413: N_("Too large"),
    422: N_("Invalid input"),
    429: N_("Too many requests"),
    500: N_("Something went wrong"),
    503: N_("Busy"),
}


def is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _problem(
    request: Request,
    *,
    status: int,
    code: ErrorCode,
    detail: str,
    params: dict[str, object] | None = None,
    fields: list[FieldError] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    tr = translator_for(request)
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE_BASE + code.value,
        "title": tr(_TITLES.get(status, _DEFAULT_TITLE)),
        "status": status,
        "detail": tr(detail, **(params or {})),
        "code": code.value,
        "instance": request.url.path,
    }
    if fields:
        body["errors"] = [{"field": f.field, "message": tr(f.message, **dict(f.params))} for f in fields]
    return JSONResponse(body, status_code=status, media_type="application/problem+json", headers=headers)


def _page(
    request: Request,
    *,
    status: int,
    detail: str,
    params: dict[str, object] | None = None,
    fields: list[FieldError] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    tr = translator_for(request)
    template = "errors/404.html" if status == 404 else "errors/error.html"
    return render(
        request,
        template,
        {
            "status": status,
            "title": tr(_TITLES.get(status, _DEFAULT_TITLE)),
            "detail": tr(detail, **(params or {})),
            "field_errors": [(f.field, tr(f.message, **dict(f.params))) for f in (fields or [])],
        },
        status=status,
        headers=headers,
    )


def respond(
    request: Request,
    *,
    status: int,
    code: ErrorCode,
    detail: str,
    params: dict[str, object] | None = None,
    fields: list[FieldError] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    if is_api(request):
        return _problem(request, status=status, code=code, detail=detail, params=params, fields=fields, headers=headers)
    return _page(request, status=status, detail=detail, params=params, fields=fields, headers=headers)


async def _app_error(request: Request, exc: Exception) -> Response:
    if not isinstance(exc, AppError):  # registered for this type only
        raise exc
    if isinstance(exc, LoginRequired) and not is_api(request):
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)
    return respond(
        request,
        status=exc.status,
        code=exc.code,
        detail=exc.message,
        params=dict(exc.params),
        fields=exc.fields,
        headers=dict(exc.headers),
    )


def _location(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header", "cookie", "form")]
    return ".".join(parts) or "request"


async def _validation_error(request: Request, exc: Exception) -> Response:
    if not isinstance(exc, RequestValidationError):  # registered for this type only
        raise exc
    fields: list[FieldError] = []
    for err in exc.errors():
        where = _location(tuple(err.get("loc", ())))
        inner = (err.get("ctx") or {}).get("error")
        if err.get("type") == "json_invalid":
            # loc is ("body", <character offset>): name the body, not a number
            fields.append(FieldError("body", N_("The request body is not valid JSON.")))
        elif isinstance(inner, AppError):
            fields.append(FieldError(where, inner.message, dict(inner.params)))
        else:
            fields.append(FieldError(where, str(err.get("msg", "invalid value"))))
    return respond(
        request,
        status=422,
        code=KernelError.VALIDATION,
        detail=N_("Some of the information given is not valid."),
        fields=fields,
    )


async def _http_error(request: Request, exc: Exception) -> Response:
    if not isinstance(exc, StarletteHTTPException):  # registered for this type only
        raise exc
    if isinstance(exc.__cause__, AppError):
        # FastAPI turns any error while reading a JSON body into "400 error parsing the body";
        # answer with the real one (e.g. the edge's 413 for a body over the size limit).
        return await _app_error(request, exc.__cause__)
    codes = {404: KernelError.NOT_FOUND, 405: KernelError.METHOD_NOT_ALLOWED}
    details = {
        404: N_("There is no page at this address. Check the address, or start again from the home page."),
        405: N_("This address does not accept that kind of request."),
    }
    return respond(
        request,
        status=exc.status_code,
        code=codes.get(exc.status_code, KernelError.VALIDATION),
        detail=details.get(exc.status_code, str(exc.detail)),
        headers=dict(exc.headers or {}),
    )


def _database_busy(exc: BaseException) -> bool:
    """SQLite's "database is locked" (the write turn or the busy timeout ran out), raw or wrapped."""
    cause = exc.orig if isinstance(exc, sqlalchemy.exc.OperationalError) else exc
    return isinstance(cause, sqlite3.OperationalError) and str(cause).startswith("database is locked")


async def _unexpected(request: Request, exc: Exception) -> Response:
    if _database_busy(exc):
        # Overload, not a fault: the transaction rolled back, so nothing was half-written.
        log.warning("database busy on %s %s: %s", request.method, request.url.path, exc)
        return respond(
            request,
            status=503,
            code=KernelError.BUSY,
            detail=N_("The service is very busy right now. Nothing was saved; please try again in a moment."),
            headers={"Retry-After": "5"},
        )
    log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return respond(
        request,
        status=500,
        code=KernelError.INTERNAL,
        detail=N_("Sorry, something went wrong on our side. Your information is safe; please try again later."),
    )


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(AppError, _app_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
