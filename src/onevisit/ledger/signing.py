"""Ed25519 keys, canonical JSON and the signed shapes: tree heads, co-signatures, alerts.

A tree head is signed over the canonical JSON (RFC 8785 for the values used here: keys
sorted, no insignificant whitespace, integers and ASCII strings only) of::

    {"log": NAME, "log_id": HEX, "root_hash": HEX, "timestamp": MS, "tree_size": N,
     "type": "onevisit.ledger.tree_head.v1"}

``log_id`` is the SHA-256 of the log's raw public key (as in Certificate Transparency) and
``timestamp`` is milliseconds since the Unix epoch. A witness co-signs
``{"head": <that object>, "timestamp": MS, "type": "onevisit.ledger.cosignature.v1",
"witness": NAME}``. The ``type`` fields keep one kind of signature from passing for another.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from onevisit.kernel.i18n import N_
from onevisit.ledger.errors import LedgerError, LedgerInputError, VerificationError
from onevisit.ledger.merkle import HASH_SIZE

HEAD_TYPE = "onevisit.ledger.tree_head.v1"
COSIGNATURE_TYPE = "onevisit.ledger.cosignature.v1"
ALERT_TYPE = "onevisit.ledger.alert.v1"
SIGNATURE_SIZE = 64
PUBLIC_KEY_SIZE = 32


def _check_json(value: object, depth: int = 0) -> None:
    if depth > 32:
        raise LedgerInputError(LedgerError.ENTRY_INVALID, N_("The JSON value is nested too deeply."))
    if value is None or isinstance(value, bool | int | str):
        return
    if isinstance(value, float):
        raise LedgerInputError(
            LedgerError.ENTRY_INVALID,
            N_("Numbers in ledger entries must be integers (use strings for decimals), so the JSON is canonical."),
        )
    if isinstance(value, list | tuple):
        for item in value:
            _check_json(item, depth + 1)
        return
    if isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str):
                raise LedgerInputError(LedgerError.ENTRY_INVALID, N_("JSON object keys must be strings."))
            _check_json(item, depth + 1)
        return
    raise LedgerInputError(LedgerError.ENTRY_INVALID, N_("Ledger entries hold JSON values or bytes only."))


def canonical_json(value: object) -> bytes:
    """RFC 8785 canonical JSON for null, booleans, integers, strings, arrays and objects."""
    _check_json(value)
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()


def to_millis(at: dt.datetime) -> int:
    return int(at.timestamp() * 1000)


def from_millis(ms: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(ms / 1000, tz=dt.UTC)


def key_id(public_key: bytes) -> str:
    return hashlib.sha256(public_key).hexdigest()


def public_key_from_bytes(raw: bytes) -> Ed25519PublicKey:
    if len(raw) != PUBLIC_KEY_SIZE:
        raise LedgerInputError(LedgerError.KEY_INVALID, N_("An Ed25519 public key is 32 bytes."))
    return Ed25519PublicKey.from_public_bytes(raw)


def parse_public_key(text: str) -> bytes:
    """A public key given as 64 hex characters (what the API and the CLI print)."""
    try:
        raw = bytes.fromhex(text.strip())
    except ValueError as exc:
        raise LedgerInputError(LedgerError.KEY_INVALID, N_("A public key is 64 hexadecimal characters.")) from exc
    public_key_from_bytes(raw)
    return raw


@dataclass(frozen=True, slots=True)
class SigningKey:
    private: Ed25519PrivateKey
    public: bytes = field(init=False)

    def __post_init__(self) -> None:
        raw = self.private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        object.__setattr__(self, "public", raw)

    @classmethod
    def from_seed(cls, seed: bytes) -> SigningKey:
        return cls(Ed25519PrivateKey.from_private_bytes(seed))

    @classmethod
    def generate(cls) -> SigningKey:
        return cls(Ed25519PrivateKey.generate())

    @property
    def key_id(self) -> str:
        return key_id(self.public)

    def sign(self, message: bytes) -> bytes:
        return self.private.sign(message)

    def seed(self) -> bytes:
        return self.private.private_bytes(
            serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
        )


def read_seed_file(path: Path) -> bytes:
    """A 32-byte seed from a key file: 64 hex characters, or a PKCS#8 PEM Ed25519 key."""
    try:
        text = path.read_bytes()
    except OSError as exc:
        raise LedgerInputError(
            LedgerError.KEY_INVALID, N_("Cannot read the key file %(path)s."), params={"path": str(path)}
        ) from exc
    if text.lstrip().startswith(b"-----BEGIN"):
        try:
            key = serialization.load_pem_private_key(text, password=None)
        except ValueError as exc:
            raise LedgerInputError(
                LedgerError.KEY_INVALID, N_("The key file is not a readable PEM private key.")
            ) from exc
        if not isinstance(key, Ed25519PrivateKey):
            raise LedgerInputError(LedgerError.KEY_INVALID, N_("The key file holds a key that is not Ed25519."))
        return SigningKey(key).seed()
    try:
        seed = bytes.fromhex(text.decode("ascii").strip())
    except (UnicodeDecodeError, ValueError) as exc:
        raise LedgerInputError(
            LedgerError.KEY_INVALID, N_("The key file must hold 64 hex characters or a PEM key.")
        ) from exc
    if len(seed) != 32:
        raise LedgerInputError(LedgerError.KEY_INVALID, N_("The key file must hold a 32-byte seed."))
    return seed


def write_seed_file(path: Path, seed: bytes) -> None:
    """Writes a new key file readable only by its owner; never overwrites one."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(seed.hex() + "\n")


class LogKeys:
    """Per-log Ed25519 signing keys derived from one master seed (HKDF-SHA256, info = log name)."""

    def __init__(self, master_seed: bytes) -> None:
        if len(master_seed) < 32:
            raise LedgerInputError(LedgerError.KEY_INVALID, N_("The ledger master seed must be at least 32 bytes."))
        self._master = master_seed
        self._cache: dict[str, SigningKey] = {}

    @classmethod
    def from_secret(cls, secret: str) -> LogKeys:
        seed = HKDF(algorithm=SHA256(), length=32, salt=b"onevisit", info=b"ledger-master-seed").derive(secret.encode())
        return cls(seed)

    def for_log(self, name: str) -> SigningKey:
        key = self._cache.get(name)
        if key is None:
            seed = HKDF(algorithm=SHA256(), length=32, salt=b"onevisit-ledger-log", info=name.encode()).derive(
                self._master
            )
            key = self._cache[name] = SigningKey.from_seed(seed)
        return key


@dataclass(frozen=True, slots=True)
class TreeHead:
    """A tree head; ``signature`` is the log's Ed25519 signature over :meth:`message`."""

    log: str
    log_id: str
    tree_size: int
    root_hash: bytes
    timestamp: int
    signature: bytes = b""

    def body(self) -> dict[str, Any]:
        return {
            "type": HEAD_TYPE,
            "log": self.log,
            "log_id": self.log_id,
            "tree_size": self.tree_size,
            "root_hash": self.root_hash.hex(),
            "timestamp": self.timestamp,
        }

    def message(self) -> bytes:
        return canonical_json(self.body())

    def signed_with(self, key: SigningKey) -> TreeHead:
        return TreeHead(self.log, self.log_id, self.tree_size, self.root_hash, self.timestamp, key.sign(self.message()))

    def verify(self, public_key: bytes) -> None:
        """Raises unless the head is well formed and signed by ``public_key``'s owner."""
        if self.log_id != key_id(public_key):
            raise VerificationError(
                LedgerError.KEY_MISMATCH,
                N_("The head names log %(log_id)s, which is not this public key's log."),
                params={"log_id": self.log_id},
            )
        if len(self.root_hash) != HASH_SIZE or self.tree_size < 0:
            raise LedgerInputError(LedgerError.PROOF_MALFORMED, N_("The tree head is malformed."))
        verify_signature(public_key, self.signature, self.message(), "tree head")


@dataclass(frozen=True, slots=True)
class Cosignature:
    witness: str
    timestamp: int
    signature: bytes

    @staticmethod
    def message_for(head: TreeHead, witness: str, timestamp: int) -> bytes:
        return canonical_json(
            {"type": COSIGNATURE_TYPE, "witness": witness, "timestamp": timestamp, "head": head.body()}
        )

    @classmethod
    def create(cls, head: TreeHead, witness: str, timestamp: int, key: SigningKey) -> Cosignature:
        return cls(witness, timestamp, key.sign(cls.message_for(head, witness, timestamp)))

    def verify(self, head: TreeHead, public_key: bytes) -> None:
        verify_signature(
            public_key, self.signature, self.message_for(head, self.witness, self.timestamp), "co-signature"
        )


def alert_message(*, witness: str, log: str, kind: str, detail: Mapping[str, Any], timestamp: int) -> bytes:
    return canonical_json(
        {
            "type": ALERT_TYPE,
            "witness": witness,
            "log": log,
            "kind": kind,
            "detail": dict(detail),
            "timestamp": timestamp,
        }
    )


def verify_signature(public_key: bytes, signature: bytes, message: bytes, what: str) -> None:
    if not signature:
        raise VerificationError(
            LedgerError.SIGNATURE_MISSING, N_("The %(what)s carries no signature."), params={"what": what}
        )
    if len(signature) != SIGNATURE_SIZE:
        raise VerificationError(
            LedgerError.SIGNATURE_INVALID, N_("The %(what)s signature is not 64 bytes."), params={"what": what}
        )
    try:
        public_key_from_bytes(public_key).verify(signature, message)
    except InvalidSignature as exc:
        raise VerificationError(
            LedgerError.SIGNATURE_INVALID, N_("The %(what)s signature does not verify."), params={"what": what}
        ) from exc
