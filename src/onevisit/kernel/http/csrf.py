"""CSRF tokens bound to a per-browser random seed cookie.

The security middleware gives every browser an ``ov_csrf`` cookie (HttpOnly, SameSite=Lax).
Forms carry ``csrf_token`` = HMAC(secret, seed); API calls made with a session cookie carry
it in ``X-CSRF-Token``. An attacker's page can neither read the cookie nor compute the HMAC.
"""

from __future__ import annotations

import hashlib
import hmac

CSRF_COOKIE = "ov_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"


def csrf_token_for(secret: str, seed: str) -> str:
    return hmac.new(secret.encode(), b"csrf:" + seed.encode(), hashlib.sha256).hexdigest()
