"""Identifiers.

Rows use integer primary keys; anything shown outside (URLs of public documents, tokens)
uses random, unguessable ids from here.
"""

from __future__ import annotations

import secrets

_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"  # Crockford base32, lower case


def public_id(nbytes: int = 16) -> str:
    """A random, URL-safe id (128 bits by default) in Crockford base32."""
    value = int.from_bytes(secrets.token_bytes(nbytes), "big")
    chars = []
    for _ in range((nbytes * 8 + 4) // 5):
        value, rem = divmod(value, 32)
        chars.append(_ALPHABET[rem])
    return "".join(reversed(chars))


def token(nbytes: int = 32) -> str:
    """A secret token for cookies and links."""
    return secrets.token_urlsafe(nbytes)
