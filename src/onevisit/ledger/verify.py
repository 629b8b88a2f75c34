"""The offline verifier: exports and proofs checked against public keys alone, no database.

Export format (``onevisit.ledger.export.v1``), UTF-8 JSON Lines; hashes and keys are
lower-case hex, entry bytes and signatures base64:

* line 1, the header:
  ``{"format": "onevisit.ledger.export.v1", "log": NAME, "log_id": HEX, "public_key": HEX, "tree_size": N}``
* then every signed head, smallest first:
  ``{"type": "head", "tree_size": N, "root_hash": HEX, "timestamp": MS, "signature": B64,
  "cosignatures": [{"witness": NAME, "public_key": HEX, "timestamp": MS, "signature": B64}, …]}``
* then every entry, in index order:
  ``{"type": "entry", "index": I, "leaf_hash": HEX, "data": B64}``

:func:`verify_export` recomputes every leaf hash from the entry bytes, rebuilds the tree,
checks every head's root and the log's signature on it, every co-signature from a trusted
witness key, a consistency proof between each pair of consecutive heads and an inclusion
proof for the entries asked about. One changed byte anywhere (entry, hash, root,
signature) fails it with a precise code. The public keys given are the trust anchor; keys
written inside the export are ignored for trust.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from onevisit.kernel.i18n import N_
from onevisit.ledger.errors import LedgerError, LedgerInputError, VerificationError
from onevisit.ledger.merkle import (
    HASH_SIZE,
    MemoryTree,
    leaf_hash,
    verify_consistency,
    verify_inclusion,
)
from onevisit.ledger.signing import Cosignature, TreeHead, key_id

EXPORT_FORMAT = "onevisit.ledger.export.v1"


@dataclass(frozen=True, slots=True)
class HeadCheck:
    tree_size: int
    root_hash: str
    timestamp: int
    cosigned_by: list[str]
    """Trusted witnesses whose co-signature verified."""
    untrusted_cosigners: list[str]
    """Co-signers whose key was not given to the verifier (not counted)."""


@dataclass(slots=True)
class Report:
    log: str
    log_id: str
    entries: int = 0
    heads: list[HeadCheck] = field(default_factory=list)
    inclusions: list[int] = field(default_factory=list)
    consistency_checks: int = 0
    unsigned_entries: int = 0

    def summary(self) -> str:
        latest = self.heads[-1] if self.heads else None
        lines = [
            f"log {self.log} ({self.log_id})",
            f"  {self.entries} entries: every leaf hash recomputed and the tree rebuilt",
            f"  {len(self.heads)} signed heads: log signature and root verified; "
            f"{self.consistency_checks} consistency proofs verified",
        ]
        if latest:
            lines.append(
                f"  latest head: size {latest.tree_size}, root {latest.root_hash}, "
                f"co-signed by {', '.join(latest.cosigned_by) or 'no trusted witness'}"
            )
        if self.inclusions:
            lines.append(f"  inclusion proven for entries {', '.join(map(str, self.inclusions))}")
        if self.unsigned_entries:
            lines.append(f"  {self.unsigned_entries} entries after the latest head are not yet covered by a signature")
        return "\n".join(lines)


def _malformed(line: int, message: str, **params: object) -> LedgerInputError:
    """``message`` is a msgid with a ``%(line)s`` slot (and any others in ``params``)."""
    return LedgerInputError(LedgerError.EXPORT_MALFORMED, message, params={"line": line, **params})


def _hex(value: object, line: int, what: str, size: int = HASH_SIZE) -> bytes:
    if not isinstance(value, str) or len(value) != 2 * size:
        raise _malformed(
            line, N_("Line %(line)s of the export: %(field)s is not %(size)s bytes of hex."), field=what, size=size
        )
    try:
        return bytes.fromhex(value)
    except ValueError as exc:
        raise _malformed(line, N_("Line %(line)s of the export: %(field)s is not hexadecimal."), field=what) from exc


def _b64(value: object, line: int, what: str) -> bytes:
    if not isinstance(value, str):
        raise _malformed(line, N_("Line %(line)s of the export: %(field)s is not a base64 string."), field=what)
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise _malformed(line, N_("Line %(line)s of the export: %(field)s is not valid base64."), field=what) from exc


def _int(value: object, line: int, what: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise _malformed(line, N_("Line %(line)s of the export: %(field)s is not a non-negative integer."), field=what)
    return value


def _lines(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            try:
                item = json.loads(raw)
            except ValueError as exc:
                raise _malformed(number, N_("Line %(line)s of the export is not JSON.")) from exc
            if not isinstance(item, dict):
                raise _malformed(number, N_("Line %(line)s of the export is not a JSON object."))
            yield number, item


def _check_cosignatures(
    head: TreeHead, items: object, line: int, witness_keys: Mapping[str, bytes]
) -> tuple[list[str], list[str]]:
    if not isinstance(items, list):
        raise _malformed(line, N_("Line %(line)s of the export: cosignatures is not a list."))
    trusted: list[str] = []
    untrusted: list[str] = []
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get("witness"), str):
            raise _malformed(line, N_("Line %(line)s of the export: a co-signature is malformed."))
        name = item["witness"]
        cosig = Cosignature(
            name, _int(item.get("timestamp"), line, "timestamp"), _b64(item.get("signature"), line, "signature")
        )
        key = witness_keys.get(name)
        if key is None:
            untrusted.append(name)
            continue
        cosig.verify(head, key)
        trusted.append(name)
    return sorted(set(trusted)), sorted(set(untrusted))


def _read_header(lines: Iterator[tuple[int, dict[str, Any]]], log_key: bytes) -> tuple[str, str, int]:
    try:
        number, header = next(lines)
    except StopIteration:
        raise _malformed(1, N_("The export is empty.")) from None
    if header.get("format") != EXPORT_FORMAT:
        raise _malformed(
            number,
            N_("Line %(line)s of the export: the header does not name the format %(format)s."),
            format=EXPORT_FORMAT,
        )
    log = header.get("log")
    if not isinstance(log, str):
        raise _malformed(number, N_("Line %(line)s of the export: the header names no log."))
    log_id = key_id(log_key)
    if header.get("log_id") != log_id:
        raise VerificationError(
            LedgerError.KEY_MISMATCH,
            N_("The export is of log %(log_id)s, not the log of the key given."),
            params={"log_id": str(header.get("log_id"))[:64]},
        )
    return log, log_id, _int(header.get("tree_size"), number, "tree_size")


def _read_head(item: dict[str, Any], number: int, log: str, log_id: str, tree_size: int) -> TreeHead:
    head = TreeHead(
        log=log,
        log_id=log_id,
        tree_size=_int(item.get("tree_size"), number, "tree_size"),
        root_hash=_hex(item.get("root_hash"), number, "root_hash"),
        timestamp=_int(item.get("timestamp"), number, "timestamp"),
        signature=_b64(item.get("signature", ""), number, "signature"),
    )
    if head.tree_size > tree_size:
        raise VerificationError(
            LedgerError.TREE_SIZE_INVALID,
            N_("A head of size %(size)s is larger than the exported log."),
            params={"size": head.tree_size},
        )
    return head


def _entry_leaf(item: dict[str, Any], number: int, expected: int) -> bytes:
    index = item.get("index")
    if index != expected:
        raise _malformed(
            number,
            N_("Line %(line)s of the export: entry %(index)s is out of order (expected %(expected)s)."),
            index=repr(index),
            expected=expected,
        )
    stated = _hex(item.get("leaf_hash"), number, "leaf_hash")
    computed = leaf_hash(_b64(item.get("data"), number, "data"))
    if computed != stated:
        raise VerificationError(
            LedgerError.ENTRY_MISMATCH,
            N_("Entry %(index)s does not hash to its recorded leaf hash: the entry or the hash was changed."),
            params={"index": expected},
        )
    return computed


def _check_roots(tree: MemoryTree, heads: list[TreeHead], report: Report) -> None:
    previous: TreeHead | None = None
    for head in heads:
        if tree.root(head.tree_size) != head.root_hash:
            raise VerificationError(
                LedgerError.ROOT_MISMATCH,
                N_("The signed root for %(size)s entries is not the root of the exported entries."),
                params={"size": head.tree_size},
            )
        if previous is not None:
            proof = tree.consistency_proof(previous.tree_size, head.tree_size)
            verify_consistency(previous.tree_size, head.tree_size, previous.root_hash, head.root_hash, proof)
            report.consistency_checks += 1
        previous = head


def verify_export(
    path: Path,
    *,
    log_key: bytes,
    witness_keys: Mapping[str, bytes] | None = None,
    quorum: int = 0,
    prove: Iterable[int] = (),
) -> Report:
    """Verifies a whole export; raises :class:`VerificationError` or ``LedgerInputError``."""
    witness_keys = dict(witness_keys or {})
    lines = _lines(path)
    log, log_id, tree_size = _read_header(lines, log_key)
    report = Report(log=log, log_id=log_id)
    heads: list[TreeHead] = []
    leaves = bytearray()
    expected = 0
    for number, item in lines:
        kind = item.get("type")
        if kind == "entry":
            leaves += _entry_leaf(item, number, expected)
            expected += 1
        elif kind == "head":
            if expected:
                raise _malformed(number, N_("Line %(line)s of the export: heads must come before the entries."))
            head = _read_head(item, number, log, log_id, tree_size)
            if heads and head.tree_size <= heads[-1].tree_size:
                raise _malformed(number, N_("Line %(line)s of the export: heads are not in increasing order of size."))
            head.verify(log_key)
            trusted, untrusted = _check_cosignatures(head, item.get("cosignatures", []), number, witness_keys)
            heads.append(head)
            report.heads.append(HeadCheck(head.tree_size, head.root_hash.hex(), head.timestamp, trusted, untrusted))
        else:
            raise _malformed(number, N_("Line %(line)s of the export: unknown line type %(kind)s."), kind=repr(kind))
    if expected != tree_size:
        raise VerificationError(
            LedgerError.TREE_SIZE_INVALID,
            N_("The export announces %(size)s entries but holds %(count)s."),
            params={"size": tree_size, "count": expected},
        )
    report.entries = expected
    tree = MemoryTree(bytes(leaves))
    _check_roots(tree, heads, report)
    if quorum and (not report.heads or len(report.heads[-1].cosigned_by) < quorum):
        raise VerificationError(
            LedgerError.QUORUM_NOT_MET,
            N_("The latest head is co-signed by fewer than %(quorum)s trusted witnesses."),
            params={"quorum": quorum},
        )
    for index in prove:
        covering = next((h for h in heads if h.tree_size > index), None)
        if covering is None:
            raise LedgerInputError(
                LedgerError.INDEX_OUT_OF_RANGE, N_("No signed head covers entry %(index)s."), params={"index": index}
            )
        path_ = tree.inclusion_proof(index, covering.tree_size)
        verify_inclusion(index, covering.tree_size, tree.piece(0, index), path_, covering.root_hash)
        report.inclusions.append(index)
    report.unsigned_entries = expected - (heads[-1].tree_size if heads else 0)
    return report


def _head_from(data: Mapping[str, Any], log_key: bytes, witness_keys: Mapping[str, bytes], quorum: int) -> TreeHead:
    if not isinstance(data, Mapping):
        raise LedgerInputError(LedgerError.SIGNATURE_MISSING, N_("The proof carries no signed head."))
    try:
        head = TreeHead(
            log=str(data["log"]),
            log_id=str(data["log_id"]),
            tree_size=_int(data["tree_size"], 0, "tree_size"),
            root_hash=_hex(data["root_hash"], 0, "root_hash"),
            timestamp=_int(data["timestamp"], 0, "timestamp"),
            signature=_b64(data["signature"], 0, "signature"),
        )
    except KeyError as exc:
        raise LedgerInputError(
            LedgerError.PROOF_MALFORMED, N_("The signed head lacks %(field)s."), params={"field": str(exc)}
        ) from exc
    head.verify(log_key)
    trusted, _ = _check_cosignatures(head, data.get("cosignatures", []), 0, witness_keys)
    if len(trusted) < quorum:
        raise VerificationError(
            LedgerError.QUORUM_NOT_MET,
            N_("The head is co-signed by fewer than %(quorum)s trusted witnesses."),
            params={"quorum": quorum},
        )
    return head


def verify_proof(
    bundle: Mapping[str, Any],
    *,
    log_key: bytes,
    witness_keys: Mapping[str, bytes] | None = None,
    quorum: int = 0,
    data: bytes | None = None,
) -> str:
    """Verifies a proof as the API returns it (inclusion or consistency, with signed heads).

    For an inclusion proof, ``data`` (the entry's bytes) may be given: then the proof shows
    that exactly these bytes are in the log. Returns a one-line description.
    """
    keys = dict(witness_keys or {})
    path = [_hex(h, 0, "proof element") for h in _list(bundle.get("path"))]
    if "index" in bundle:
        head = _head_from(bundle.get("head"), log_key, keys, quorum)  # type: ignore[arg-type]
        index = _int(bundle.get("index"), 0, "index")
        size = _int(bundle.get("tree_size"), 0, "tree_size")
        if size != head.tree_size:
            raise LedgerInputError(
                LedgerError.TREE_SIZE_INVALID, N_("The proof is for another tree size than its head.")
            )
        leaf = _hex(bundle.get("leaf_hash"), 0, "leaf_hash")
        if data is not None and leaf_hash(data) != leaf:
            raise VerificationError(
                LedgerError.ENTRY_MISMATCH, N_("The entry given is not the entry this proof is about.")
            )
        verify_inclusion(index, size, leaf, path, head.root_hash)
        return f"entry {index} is in {head.log} at size {size} (root {head.root_hash.hex()})"
    if "first" in bundle:
        first = _head_from(bundle.get("first_head"), log_key, keys, 0)  # type: ignore[arg-type]
        second = _head_from(bundle.get("second_head"), log_key, keys, quorum)  # type: ignore[arg-type]
        if (first.tree_size, second.tree_size) != (bundle.get("first"), bundle.get("second")):
            raise LedgerInputError(LedgerError.TREE_SIZE_INVALID, N_("The proof is for other sizes than its heads."))
        verify_consistency(first.tree_size, second.tree_size, first.root_hash, second.root_hash, path)
        return f"{second.log} at size {second.tree_size} extends size {first.tree_size}"
    raise LedgerInputError(LedgerError.PROOF_MALFORMED, N_("This is neither an inclusion nor a consistency proof."))


def _list(value: object) -> list[object]:
    if not isinstance(value, list):
        raise LedgerInputError(LedgerError.PROOF_MALFORMED, N_("The proof has no path."))
    return value
