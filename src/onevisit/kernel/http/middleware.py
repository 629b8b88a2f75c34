"""The edge of every request: security headers, CSP, CSRF seed, language, body size limit.

A plain ASGI middleware (no BaseHTTPMiddleware), so it adds no per-request task overhead.
"""

from __future__ import annotations

from http.cookies import SimpleCookie

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from onevisit.kernel.errors import AppError, KernelError
from onevisit.kernel.http.csrf import CSRF_COOKIE
from onevisit.kernel.i18n import N_, negotiate
from onevisit.kernel.ids import token

LANG_COOKIE = "ov_lang"

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)

SECURITY_HEADERS: list[tuple[bytes, bytes]] = [
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), payment=()"),
    (b"cross-origin-opener-policy", b"same-origin"),
]


class PayloadTooLarge(AppError):
    status = 413


def _cookies(scope: Scope) -> dict[str, str]:
    for name, value in scope.get("headers", []):
        if name == b"cookie":
            jar: SimpleCookie = SimpleCookie()
            try:
                jar.load(value.decode("latin-1"))
            except Exception:  # a malformed cookie header is treated as no cookies
                return {}
            return {key: morsel.value for key, morsel in jar.items()}
    return {}


def _header(scope: Scope, wanted: bytes) -> str | None:
    for name, value in scope.get("headers", []):
        if name == wanted:
            return str(value.decode("latin-1"))
    return None


class EdgeMiddleware:
    def __init__(self, app: ASGIApp, *, max_body_bytes: int, secure_cookies: bool) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.secure = "; Secure" if secure_cookies else ""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cookies = _cookies(scope)
        state = scope.setdefault("state", {})
        seed = cookies.get(CSRF_COOKIE)
        new_seed = None
        if not seed or len(seed) > 64:
            seed = new_seed = token(24)
        state["csrf_seed"] = seed
        state["lang"] = negotiate(cookies.get(LANG_COOKIE), _header(scope, b"accept-language"))

        limit = self.max_body_bytes
        declared = _header(scope, b"content-length")
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            if declared is not None and declared.isdigit() and int(declared) > limit:
                raise PayloadTooLarge(
                    KernelError.PAYLOAD_TOO_LARGE,
                    N_("What you sent is too large (the limit is %(limit)s bytes)."),
                    params={"limit": limit},
                )
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise PayloadTooLarge(
                        KernelError.PAYLOAD_TOO_LARGE,
                        N_("What you sent is too large (the limit is %(limit)s bytes)."),
                        params={"limit": limit},
                    )
            return message

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers.extend(SECURITY_HEADERS)
                if new_seed is not None:
                    cookie = f"{CSRF_COOKIE}={new_seed}; Path=/; HttpOnly; SameSite=Lax{self.secure}"
                    headers.append((b"set-cookie", cookie.encode()))
                message["headers"] = headers
            await send(message)

        await self.app(scope, limited_receive, send_with_headers)
