"""Explicit authorisation on every route, with CSRF checked on every unsafe request.

Every route declares exactly one requirement as a dependency::

    @router.get("/me", dependencies=[])
    def me(principal: Principal = Depends(login_required)) -> ...

``public``, ``login_required`` and ``require("perm")`` are all :class:`Requirement`
instances. ``tests/unit/test_route_permissions.py`` fails if any route of the app
lacks one, so "forgot to protect it" cannot ship. Unsafe methods (POST, PUT, PATCH,
DELETE) also pass the CSRF check here, so no form can forget it either.

Object-level checks ("is this *your* application?") belong to services and views, which
raise :class:`~onevisit.kernel.errors.Forbidden` or ``NotFound``.
"""

from __future__ import annotations

import hmac
from typing import Protocol

from fastapi import Request

from onevisit.kernel.actors import ANONYMOUS, Principal
from onevisit.kernel.errors import AppError, Forbidden, KernelError
from onevisit.kernel.http.csrf import CSRF_FIELD, CSRF_HEADER, csrf_token_for
from onevisit.kernel.i18n import N_

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
SESSION_COOKIE = "ov_session"


class PrincipalResolver(Protocol):
    """Turns a session cookie into a principal; provided by ``identity``, wired in app.py."""

    def __call__(self, raw_token: str) -> Principal | None: ...


class LoginRequired(AppError):
    status = 401


def _resolver(request: Request) -> PrincipalResolver:
    resolver: PrincipalResolver = request.app.state.principal_resolver
    return resolver


async def current_principal(request: Request) -> Principal:
    """The request's principal, resolved once and cached on ``request.state``."""
    cached: Principal | None = getattr(request.state, "principal", None)
    if cached is not None:
        return cached
    principal = ANONYMOUS
    raw = request.cookies.get(SESSION_COOKIE)
    if raw and len(raw) <= 128:
        found = _resolver(request)(raw)
        if found is not None:
            principal = found
    request.state.principal = principal
    return principal


async def _check_csrf(request: Request) -> None:
    if request.method in SAFE_METHODS:
        return
    is_api = request.url.path.startswith("/api/")
    if is_api and SESSION_COOKIE not in request.cookies:
        return  # no ambient credential to abuse: nothing to forge
    seed: str | None = getattr(request.state, "csrf_seed", None)
    expected = csrf_token_for(request.app.state.platform.settings.secret_key, seed or "")
    given = request.headers.get(CSRF_HEADER)
    if given is None and not is_api:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()
            value = form.get(CSRF_FIELD)
            given = value if isinstance(value, str) else None
    if not seed or not given or not hmac.compare_digest(given, expected):
        raise Forbidden(
            KernelError.CSRF,
            N_("This form has expired or did not come from this site. Please go back, reload the page and try again."),
        )


class Requirement:
    """A route's access rule. Instances are FastAPI dependencies returning the principal."""

    def __init__(self, permission: str | None = None, *, login: bool = True, name: str = "") -> None:
        self.permission = permission
        self.login = login or permission is not None
        self.name = name or (permission or ("login" if login else "public"))

    def __repr__(self) -> str:
        return f"Requirement({self.name!r})"

    async def __call__(self, request: Request) -> Principal:
        principal = await current_principal(request)
        await _check_csrf(request)
        if self.login and not principal.is_authenticated:
            raise LoginRequired(KernelError.NOT_AUTHENTICATED, N_("Please log in to continue."))
        if self.permission is not None and not (principal.has(self.permission) or principal.has("*")):
            raise Forbidden(KernelError.FORBIDDEN, N_("You do not have permission to do this."))
        return principal


public = Requirement(login=False, name="public")
login_required = Requirement(name="login")


def require(permission: str) -> Requirement:
    return Requirement(permission)
