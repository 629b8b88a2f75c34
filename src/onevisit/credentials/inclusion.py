"""Checking that a certificate's ledger entry is in the certificate log, against a signed head.

Written here from RFC 9162 (§2.1.3.2) rather than borrowed from the ledger's internals, so
the certificate verifier — online and offline — checks the ledger's answers independently.
The exported proof file (``onevisit.credential.proof.v1``) holds everything an offline
verifier needs besides the trust anchors (the issuer's and the log's public keys)::

    {"format": "onevisit.credential.proof.v1", "number": "...", "log": "certificates",
     "entry": {...}, "index": I, "tree_size": N, "leaf_hash": HEX, "path": [HEX, ...],
     "head": {"log": ..., "log_id": HEX, "tree_size": N, "root_hash": HEX, "timestamp": MS,
              "signature": B64}, "log_public_key": HEX}
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from onevisit.credentials.format import FormatProblem
from onevisit.kernel.i18n import N_
from onevisit.ledger.errors import LedgerInputError, VerificationError
from onevisit.ledger.signing import TreeHead

PROOF_FORMAT = "onevisit.credential.proof.v1"
CERTIFICATE_LOG = "certificates"
MAX_PATH = 64


def _node(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def root_from_path(index: int, tree_size: int, leaf: bytes, path: Sequence[bytes]) -> bytes | None:
    """RFC 9162 §2.1.3.2: the root the path leads to, or None when the path cannot belong to
    entry ``index`` of a tree of ``tree_size`` entries."""
    if not 0 <= index < tree_size or len(path) > MAX_PATH:
        return None
    fn, sn, r = index, tree_size - 1, leaf
    for p in path:
        if sn == 0:
            return None
        if fn & 1 or fn == sn:
            r = _node(p, r)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = _node(r, p)
        fn >>= 1
        sn >>= 1
    return r if sn == 0 else None


@dataclass(frozen=True, slots=True)
class ProofBundle:
    number: str
    log: str
    entry: dict[str, Any]
    index: int
    tree_size: int
    leaf_hash: bytes
    path: tuple[bytes, ...]
    head: TreeHead
    log_public_key: bytes

    def as_dict(self) -> dict[str, Any]:
        return {
            "format": PROOF_FORMAT,
            "number": self.number,
            "log": self.log,
            "entry": self.entry,
            "index": self.index,
            "tree_size": self.tree_size,
            "leaf_hash": self.leaf_hash.hex(),
            "path": [p.hex() for p in self.path],
            "head": {
                "log": self.head.log,
                "log_id": self.head.log_id,
                "tree_size": self.head.tree_size,
                "root_hash": self.head.root_hash.hex(),
                "timestamp": self.head.timestamp,
                "signature": base64.b64encode(self.head.signature).decode("ascii"),
            },
            "log_public_key": self.log_public_key.hex(),
        }


def _hex(value: object, what: str, size: int | None = 32) -> bytes:
    if not isinstance(value, str):
        raise FormatProblem(N_("The proof's %(what)s is missing or malformed."), what=what)
    try:
        raw = bytes.fromhex(value)
    except ValueError:
        raise FormatProblem(N_("The proof's %(what)s is missing or malformed."), what=what) from None
    if size is not None and len(raw) != size:
        raise FormatProblem(N_("The proof's %(what)s is missing or malformed."), what=what)
    return raw


def _int(value: object, what: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0 or value > 2**62:
        raise FormatProblem(N_("The proof's %(what)s is missing or malformed."), what=what)
    return value


def parse_proof(data: object) -> ProofBundle:
    """An exported proof file's JSON (already parsed), checked for shape only."""
    if not isinstance(data, Mapping) or data.get("format") != PROOF_FORMAT:
        raise FormatProblem(N_("The proof file is not a %(format)s document."), format=PROOF_FORMAT)
    head = data.get("head")
    entry = data.get("entry")
    path = data.get("path")
    if not isinstance(head, Mapping) or not isinstance(entry, dict) or not isinstance(path, list):
        raise FormatProblem(N_("The proof's %(what)s is missing or malformed."), what="head/entry/path")
    if len(path) > MAX_PATH:
        raise FormatProblem(N_("The proof's %(what)s is missing or malformed."), what="path")
    signature = head.get("signature")
    try:
        sig = base64.b64decode(signature, validate=True) if isinstance(signature, str) else b""
    except (binascii.Error, ValueError):
        sig = b""
    if not isinstance(head.get("log"), str) or not isinstance(head.get("log_id"), str):
        raise FormatProblem(N_("The proof's %(what)s is missing or malformed."), what="head")
    return ProofBundle(
        number=str(data.get("number", ""))[:64],
        log=str(data.get("log", ""))[:64],
        entry=entry,
        index=_int(data.get("index"), "index"),
        tree_size=_int(data.get("tree_size"), "tree_size"),
        leaf_hash=_hex(data.get("leaf_hash"), "leaf_hash"),
        path=tuple(_hex(p, "path") for p in path),
        head=TreeHead(
            log=str(head["log"])[:64],
            log_id=str(head["log_id"])[:64],
            tree_size=_int(head.get("tree_size"), "head tree_size"),
            root_hash=_hex(head.get("root_hash"), "root_hash"),
            timestamp=_int(head.get("timestamp"), "timestamp"),
            signature=sig,
        ),
        log_public_key=_hex(data.get("log_public_key"), "log_public_key"),
    )


@dataclass(frozen=True, slots=True)
class InclusionResult:
    ok: bool
    message: str
    params: Mapping[str, object]


def check_inclusion(
    *, leaf: bytes, index: int, tree_size: int, path: Sequence[bytes], head: TreeHead, log_key: bytes
) -> InclusionResult:
    """Is ``leaf`` entry ``index`` of the tree the signed ``head`` describes?"""
    if head.tree_size != tree_size:
        return InclusionResult(
            False,
            N_("The proof is for a tree of %(size)s entries but the signed head is of %(head)s."),
            {"size": tree_size, "head": head.tree_size},
        )
    try:
        head.verify(log_key)
    except (VerificationError, LedgerInputError):
        return InclusionResult(False, N_("The ledger's signature on the tree head does not verify."), {})
    root = root_from_path(index, tree_size, leaf, path)
    if root is None or root != head.root_hash:
        return InclusionResult(
            False, N_("The inclusion proof does not lead to the root the ledger signed: it was altered."), {}
        )
    return InclusionResult(
        True,
        N_(
            "Registered on the ledger's certificate log as entry %(index)s; the proof leads "
            "to the root of the tree head of %(size)s entries the ledger signed."
        ),
        {"index": index, "size": tree_size},
    )
