"""Rendering pages: one function every view uses, so every page gets the same context."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from starlette.responses import HTMLResponse, Response

from onevisit.kernel.actors import ANONYMOUS, Principal
from onevisit.kernel.http.csrf import csrf_token_for
from onevisit.kernel.i18n import LANGUAGES, Translator, translator


def language_of(request: Request) -> str:
    lang: str = getattr(request.state, "lang", "zh")
    return lang


def translator_for(request: Request) -> Translator:
    return translator(language_of(request))


def csrf_token(request: Request) -> str:
    seed: str = getattr(request.state, "csrf_seed", "")
    secret: str = request.app.state.platform.settings.secret_key
    return csrf_token_for(secret, seed)


def _notice(request: Request, tr: Translator) -> str | None:
    """A confirmation named by ``?notice=key`` (only registered keys: no text injection)."""
    key = request.query_params.get("notice")
    notices: Mapping[str, str] = getattr(request.app.state, "notices", {})
    return tr(notices[key]) if key and key in notices else None


def render(
    request: Request,
    template: str,
    context: Mapping[str, Any] | None = None,
    *,
    status: int = 200,
    headers: Mapping[str, str] | None = None,
) -> Response:
    templates: Jinja2Templates = request.app.state.templates
    # Rendered straight through Jinja (no context processors, no url_for): the templates
    # need nothing from Starlette, and this is on every page.
    tr = translator_for(request)
    principal: Principal = getattr(request.state, "principal", None) or ANONYMOUS
    ctx: dict[str, Any] = {
        "_": tr.gettext,
        "lang": tr.language,
        "languages": LANGUAGES,
        "principal": principal,
        "csrf_token": csrf_token(request),
        "settings": request.app.state.platform.settings,
        "current_path": request.url.path,
        "current_query": request.url.query,
        "notice": _notice(request, tr),
    }
    if context:
        ctx.update(context)
    body = templates.env.get_template(template).render(ctx)
    return HTMLResponse(body, status_code=status, headers=dict(headers or {}))
