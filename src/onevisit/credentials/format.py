"""The signed certificate format (``onevisit.credential.v1``): selective disclosure, SD-JWT style.

A certificate is a small signed **body** plus one **disclosure** per claim::

    body = {"typ": "onevisit.credential.v1", "num": "BL-330000-2026-7K3M9Q2XWD",
            "ctype": "business_licence", "iss": "ZJ-AMR", "kid": "<16 hex>",
            "iat": "2026-11-20T09:30:00Z", "nbf": "2026-11-20", "exp": "2031-11-19" | null,
            "hk": "person" | "enterprise", "sd_alg": "sha-256/128", "sd": [digest, ...]}
    disclosure = b64url(canonical_json([salt, claim_name, value]))
    digest = b64url(SHA-256(disclosure as ASCII)[:16])

The issuing department's Ed25519 key signs the body's canonical JSON (RFC 8785 for the
values used: keys sorted, no whitespace, strings, integers, booleans and null). The body
holds only the salted digests of the claims (sorted), never their values, so a holder can
show a verifier any subset of the disclosures — "no criminal record", "18 or over", a
masked ID number — and the verifier can check each one against the signed digests without
learning the others. 128 random bits of salt per claim stop anyone from guessing a value
from its digest.

The compact form, carried by QR codes and share links::

    OVC1.<b64url(body)>.<b64url(signature)>~<disclosure>~<disclosure>...

The certificate's ledger entry (``ledger_entry``) is derived from the body alone, so
anyone holding a presentation can recompute its leaf hash and check an inclusion proof.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import json
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from onevisit.kernel.i18n import N_
from onevisit.ledger.signing import canonical_json

PREFIX = "OVC1."
BODY_TYPE = "onevisit.credential.v1"
ENTRY_TYPE = "onevisit.credential.issued.v1"
STATUS_ENTRY_TYPE = "onevisit.credential.status.v1"
SD_ALG = "sha-256/128"
DIGEST_BYTES = 16
SALT_BYTES = 16
SIGNATURE_BYTES = 64
#: Anything longer is not one of ours (the largest real one is about 3 KB).
MAX_PAYLOAD_CHARS = 12_000
MAX_DISCLOSURES = 64

_B64URL = re.compile(r"^[A-Za-z0-9_-]*$")
_NUMBER = re.compile(r"^[A-Z]{2}-\d{6}-\d{4}-[0-9A-Z]{10}$")
_KID = re.compile(r"^[0-9a-f]{16}$")
_DEPT = re.compile(r"^[A-Z][A-Z0-9-]{1,31}$")
_CTYPE = re.compile(r"^[a-z][a-z0-9_]{1,47}$")
_CLAIM = re.compile(r"^[a-z][a-z0-9_]{0,47}$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_INSTANT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
BODY_KEYS = frozenset({"typ", "num", "ctype", "iss", "kid", "iat", "nbf", "exp", "hk", "sd_alg", "sd"})

ClaimValue = str | int | bool | None


class FormatProblem(ValueError):
    """The text is not a well-formed certificate payload; ``message`` is a msgid."""

    def __init__(self, message: str, **params: object) -> None:
        super().__init__(message % params if params else message)
        self.message = message
        self.params = params


def b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def unb64u(text: str, what: str) -> bytes:
    if not _B64URL.match(text) or len(text) % 4 == 1:
        raise FormatProblem(N_("The %(what)s is not base64url text."), what=what)
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise FormatProblem(N_("The %(what)s is not base64url text."), what=what) from None
    if b64u(raw) != text:  # unused trailing bits set: one value, one encoding
        raise FormatProblem(N_("The %(what)s is not base64url text."), what=what)
    return raw


def digest_of(disclosure: str) -> str:
    return b64u(hashlib.sha256(disclosure.encode("ascii")).digest()[:DIGEST_BYTES])


_CANONICAL = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), sort_keys=True, allow_nan=False).encode


def make_disclosure(name: str, value: ClaimValue, salt: bytes | None = None) -> str:
    """``[salt, name, value]`` as canonical JSON, base64url. Values are strings, integers,
    booleans or null (what :func:`parse_disclosure` accepts), whose JSON is canonical."""
    if value is not None and not isinstance(value, str | int | bool):
        raise FormatProblem(N_("Claim %(name)s has a value of an unsupported kind."), name=name)
    salt = salt if salt is not None else os.urandom(SALT_BYTES)
    return b64u(_CANONICAL([b64u(salt), name, value]).encode())


def instant(at: dt.datetime) -> str:
    return at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True, slots=True)
class Body:
    number: str
    ctype: str
    issuer: str
    kid: str
    issued_at: str
    valid_from: str
    valid_until: str | None
    holder_kind: str
    digests: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "typ": BODY_TYPE,
            "num": self.number,
            "ctype": self.ctype,
            "iss": self.issuer,
            "kid": self.kid,
            "iat": self.issued_at,
            "nbf": self.valid_from,
            "exp": self.valid_until,
            "hk": self.holder_kind,
            "sd_alg": SD_ALG,
            "sd": sorted(self.digests),
        }

    def to_bytes(self) -> bytes:
        """Canonical JSON (RFC 8785 for these values: strings, null and a list of strings)."""
        return _CANONICAL(self.as_dict()).encode()

    def valid_from_date(self) -> dt.date:
        return dt.date.fromisoformat(self.valid_from)

    def valid_until_date(self) -> dt.date | None:
        return dt.date.fromisoformat(self.valid_until) if self.valid_until else None


@dataclass(frozen=True, slots=True)
class Disclosure:
    encoded: str
    salt: str
    name: str
    value: ClaimValue

    @property
    def digest(self) -> str:
        return digest_of(self.encoded)


@dataclass(frozen=True, slots=True)
class Presentation:
    """A decoded payload: the body (its exact bytes too), the signature, the disclosures."""

    body: Body
    body_bytes: bytes
    signature: bytes
    disclosures: tuple[Disclosure, ...] = field(default_factory=tuple)

    def compact(self) -> str:
        return encode(self.body_bytes, self.signature, [d.encoded for d in self.disclosures])


def encode(body_bytes: bytes, signature: bytes, disclosures: Sequence[str]) -> str:
    return PREFIX + b64u(body_bytes) + "." + b64u(signature) + "".join("~" + d for d in disclosures)


def extract_payload(text: str) -> str:
    """The ``OVC1.…`` payload inside what a QR code or a verifier holds: the payload itself,
    or a verification URL carrying it after ``#`` or in ``?p=``."""
    text = text.strip()
    if text.startswith(PREFIX):
        return text
    for marker in ("#", "?p=", "&p="):
        position = text.find(marker + PREFIX)
        if position >= 0:
            return text[position + len(marker) :].split("&", 1)[0]
    return text


def _check_str(value: object, pattern: re.Pattern[str], what: str) -> str:
    if not isinstance(value, str) or not pattern.match(value):
        raise FormatProblem(N_("The certificate's %(what)s is missing or malformed."), what=what)
    return value


def _check_date(value: object, what: str) -> str:
    text = _check_str(value, _DATE, what)
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        raise FormatProblem(N_("The certificate's %(what)s is missing or malformed."), what=what) from None
    return text


def parse_body(raw: bytes) -> Body:
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise FormatProblem(N_("The certificate's body is not JSON.")) from None
    if not isinstance(data, dict):
        raise FormatProblem(N_("The certificate's body is not a JSON object."))
    if data.get("typ") != BODY_TYPE:
        raise FormatProblem(
            N_("The body is not a OneVisit certificate (type %(type)s)."), type=str(data.get("typ"))[:40]
        )
    unknown = sorted(set(data) - BODY_KEYS)
    if unknown:
        raise FormatProblem(N_("The certificate's body has an unknown field %(field)s."), field=unknown[0][:40])
    if data.get("sd_alg") != SD_ALG:
        raise FormatProblem(N_("The certificate uses an unknown digest algorithm."))
    digests = data.get("sd")
    if not isinstance(digests, list) or len(digests) > MAX_DISCLOSURES:
        raise FormatProblem(N_("The certificate's %(what)s is missing or malformed."), what=N_("claim digests"))
    for d in digests:
        if not isinstance(d, str) or len(d) != 22 or not _B64URL.match(d):
            raise FormatProblem(N_("The certificate's %(what)s is missing or malformed."), what=N_("claim digests"))
    if len(set(digests)) != len(digests):
        raise FormatProblem(N_("The certificate lists the same claim digest twice."))
    exp = data.get("exp")
    body = Body(
        number=_check_str(data.get("num"), _NUMBER, N_("number")),
        ctype=_check_str(data.get("ctype"), _CTYPE, N_("type")),
        issuer=_check_str(data.get("iss"), _DEPT, N_("issuer")),
        kid=_check_str(data.get("kid"), _KID, N_("key id")),
        issued_at=_check_str(data.get("iat"), _INSTANT, N_("time of issue")),
        valid_from=_check_date(data.get("nbf"), N_("start of validity")),
        valid_until=None if exp is None else _check_date(exp, N_("end of validity")),
        holder_kind=_check_str(data.get("hk"), re.compile(r"^(person|enterprise)$"), N_("holder kind")),
        digests=tuple(digests),
    )
    if body.to_bytes() != raw:
        raise FormatProblem(N_("The certificate's body is not in canonical form."))
    return body


def parse_disclosure(encoded: str) -> Disclosure:
    raw = unb64u(encoded, N_("claim"))
    try:
        item = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise FormatProblem(N_("A disclosed claim is not JSON.")) from None
    if not isinstance(item, list) or len(item) != 3:
        raise FormatProblem(N_("A disclosed claim is not a [salt, name, value] triple."))
    salt, name, value = item
    if not isinstance(salt, str) or len(salt) < 16 or not _B64URL.match(salt):
        raise FormatProblem(N_("A disclosed claim has no proper salt."))
    if not isinstance(name, str) or not _CLAIM.match(name):
        raise FormatProblem(N_("A disclosed claim has a malformed name."))
    if value is not None and not isinstance(value, str | int | bool):
        raise FormatProblem(N_("Claim %(name)s has a value of an unsupported kind."), name=name)
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > 2**53:
        raise FormatProblem(N_("Claim %(name)s has a value of an unsupported kind."), name=name)
    if isinstance(value, str) and len(value) > 1000:
        raise FormatProblem(N_("Claim %(name)s has a value of an unsupported kind."), name=name)
    return Disclosure(encoded, salt, name, value)


def decode(text: str) -> Presentation:
    """Parses a compact payload; raises :class:`FormatProblem` saying what is wrong with it."""
    if not isinstance(text, str):
        raise FormatProblem(N_("The payload is not text."))
    text = extract_payload(text)
    if not text:
        raise FormatProblem(N_("The payload is empty."))
    if len(text) > MAX_PAYLOAD_CHARS:
        raise FormatProblem(N_("The payload is too long to be a certificate (%(size)s characters)."), size=len(text))
    if not text.startswith(PREFIX):
        raise FormatProblem(N_("The payload does not start with OVC1: it is not a OneVisit certificate."))
    head, *encoded = text[len(PREFIX) :].split("~")
    parts = head.split(".")
    if len(parts) != 2:
        raise FormatProblem(N_("The payload does not have a body and a signature."))
    body_bytes = unb64u(parts[0], N_("body"))
    signature = unb64u(parts[1], N_("signature"))
    if len(signature) != SIGNATURE_BYTES:
        raise FormatProblem(N_("The signature is not 64 bytes long."))
    encoded = [e for e in encoded if e]
    if len(encoded) > MAX_DISCLOSURES:
        raise FormatProblem(N_("The payload carries too many claims."))
    body = parse_body(body_bytes)
    disclosures = tuple(parse_disclosure(e) for e in encoded)
    names = [d.name for d in disclosures]
    if len(set(names)) != len(names):
        raise FormatProblem(N_("The payload discloses the same claim twice."))
    return Presentation(body, body_bytes, signature, disclosures)


def ledger_entry(body: Body, body_bytes: bytes) -> dict[str, Any]:
    """What the ledger's certificate log holds for an issuance: no personal data, only the
    number, type, issuer, key and the SHA-256 of the signed body."""
    return {
        "type": ENTRY_TYPE,
        "number": body.number,
        "ctype": body.ctype,
        "issuer": body.issuer,
        "kid": body.kid,
        "body_sha256": hashlib.sha256(body_bytes).hexdigest(),
    }


def leaf_hash(entry: Mapping[str, Any]) -> bytes:
    """RFC 9162 leaf hash of a JSON ledger entry: ``SHA-256(0x00 ‖ canonical JSON)``."""
    return hashlib.sha256(b"\x00" + canonical_json(entry)).digest()
