"""Personal data at rest: AES-256-GCM encryption plus a keyed blind index for lookups.

An ID number is stored twice: as ciphertext (readable only with the data key) and as an
HMAC-SHA256 "blind index" (equality lookups without decrypting). Neither reveals the value
to someone holding only the database. Keys come from settings; changing them makes stored
data unreadable, so production deployments set ``ONEVISIT_DATA_KEY`` and
``ONEVISIT_INDEX_KEY`` explicitly and keep them with the database backups' keys.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from dataclasses import dataclass

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from onevisit.kernel.settings import Settings

_NONCE = 12
_VERSION = b"\x01"


def _derive(secret: str, purpose: bytes) -> bytes:
    return HKDF(algorithm=SHA256(), length=32, salt=b"onevisit", info=purpose).derive(secret.encode())


class DecryptionError(ValueError):
    """Ciphertext was altered or was sealed with another key."""


@dataclass(frozen=True, slots=True)
class Sealed:
    ciphertext: bytes
    index: bytes


class PersonalDataVault:
    """Encrypts, decrypts and indexes personal identifiers (ID numbers, phone numbers)."""

    def __init__(self, data_key: bytes, index_key: bytes) -> None:
        if len(data_key) != 32 or len(index_key) < 16:
            raise ValueError("data key must be 32 bytes and index key at least 16 bytes")
        self._aead = AESGCM(data_key)
        self._index_key = index_key

    @classmethod
    def from_settings(cls, settings: Settings) -> PersonalDataVault:
        data_key = (
            bytes.fromhex(settings.data_key)
            if settings.data_key
            else _derive(settings.secret_key, b"personal-data-encryption")
        )
        index_key = (
            bytes.fromhex(settings.index_key)
            if settings.index_key
            else _derive(settings.secret_key, b"personal-data-blind-index")
        )
        return cls(data_key, index_key)

    def encrypt(self, value: str, *, context: bytes = b"") -> bytes:
        nonce = os.urandom(_NONCE)
        return _VERSION + nonce + self._aead.encrypt(nonce, value.encode(), context)

    def decrypt(self, blob: bytes, *, context: bytes = b"") -> str:
        if len(blob) < 1 + _NONCE + 16 or blob[:1] != _VERSION:
            raise DecryptionError("not a sealed value")
        try:
            return self._aead.decrypt(blob[1 : 1 + _NONCE], blob[1 + _NONCE :], context).decode()
        except Exception as exc:  # cryptography raises InvalidTag
            raise DecryptionError("sealed value cannot be opened with this key") from exc

    def index(self, value: str, *, kind: bytes) -> bytes:
        """Deterministic 16-byte lookup key for ``value`` of ``kind`` (e.g. b"id", b"phone")."""
        return hmac.new(self._index_key, kind + b":" + value.encode(), hashlib.sha256).digest()[:16]

    def seal(self, value: str, *, kind: bytes) -> Sealed:
        return Sealed(self.encrypt(value, context=kind), self.index(value, kind=kind))

    def open(self, blob: bytes, *, kind: bytes) -> str:
        return self.decrypt(blob, context=kind)
