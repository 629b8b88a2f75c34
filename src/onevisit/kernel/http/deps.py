"""Small request helpers views and API routes share."""

from __future__ import annotations

from fastapi import Request

from onevisit.kernel.platform import Platform


def platform_of(request: Request) -> Platform:
    platform: Platform = request.app.state.platform
    return platform


def client_ip(request: Request) -> str | None:
    return request.client.host if request.client else None


def safe_next(target: str | None, default: str = "/me") -> str:
    """Only same-site relative paths; anything else (``//evil``, ``https://…``) → default."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target
