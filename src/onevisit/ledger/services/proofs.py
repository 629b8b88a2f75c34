"""Inclusion and consistency proofs from stored hashes: O(log n) reads, no recomputation.

Each proof reads the log's row and, in one query, the stored hashes of the perfect
subtrees the proof's nodes are made of (at most about 2·log2 n of them). A lookup by leaf
hash is one probe of the ``(log, leaf_key)`` index, the whole hash compared on each row it
leads to (two hashes share a key about once in 2**64 pairs; the comparison makes that harmless).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from onevisit.kernel.i18n import N_
from onevisit.ledger.config import get_ledger_config
from onevisit.ledger.errors import LedgerError, LedgerInputError, LedgerNotFoundError
from onevisit.ledger.merkle import HASH_SIZE, Piece, consistency_ranges, hash_ranges, inclusion_ranges
from onevisit.ledger.services.logs import driver_rows, fetch_pieces, leaf_key


@dataclass(frozen=True, slots=True)
class InclusionProof:
    log: str
    index: int
    tree_size: int
    leaf_hash: bytes
    path: list[bytes]


@dataclass(frozen=True, slots=True)
class ConsistencyProof:
    log: str
    first: int
    second: int
    path: list[bytes]


def _prepare(session: Session) -> str:
    """The placeholder for this database; on SQLite, memory-maps the file once per connection."""
    if session.get_bind().dialect.name != "sqlite":
        return "%s"
    connection = session.connection().connection
    if not connection.info.get("ledger_mmap"):
        mmap_bytes = get_ledger_config().sqlite_mmap_bytes
        if mmap_bytes:
            driver_rows(session, f"PRAGMA mmap_size={int(mmap_bytes)}", ())
        connection.info["ledger_mmap"] = True
    return "?"


def _log_row(session: Session, log_name: str) -> tuple[int, int]:
    q = _prepare(session)
    rows = driver_rows(session, f"SELECT id, tree_size FROM ledger_logs WHERE name = {q}", (log_name,))  # noqa: S608 - a placeholder only
    row = rows[0] if rows else None
    if row is None:
        raise LedgerNotFoundError(
            LedgerError.LOG_UNKNOWN, N_("There is no ledger log named %(log)s."), params={"log": log_name[:64]}
        )
    return int(row[0]), int(row[1])


def _check_within(tree_size: int, current: int) -> None:
    if tree_size > current:
        raise LedgerInputError(
            LedgerError.TREE_SIZE_INVALID,
            N_("The log has %(current)s entries; there is no tree of %(size)s entries yet."),
            params={"current": current, "size": tree_size},
        )


def prove_inclusion(session: Session, log_name: str, index: int, tree_size: int | None = None) -> InclusionProof:
    """``PATH(index, D[tree_size])`` for entry ``index`` (default size: the whole log)."""
    log_id, current = _log_row(session, log_name)
    size = current if tree_size is None else tree_size
    _check_within(size, current)
    ranges = inclusion_ranges(index, size)
    found: dict[Piece, bytes] = {}

    def fetch(pieces: list[Piece]) -> dict[Piece, bytes]:
        found.update(fetch_pieces(session, log_id, [*pieces, (0, index)]))
        return found

    path = hash_ranges(ranges, fetch) if ranges else []
    if not ranges:
        fetch([])
    return InclusionProof(log_name, index, size, found[(0, index)], path)


def prove_consistency(session: Session, log_name: str, first: int, second: int | None = None) -> ConsistencyProof:
    """``PROOF(first, D[second])``: tree ``first`` is a prefix of tree ``second``."""
    log_id, current = _log_row(session, log_name)
    size = current if second is None else second
    _check_within(size, current)
    ranges = consistency_ranges(first, size)
    path = hash_ranges(ranges, lambda pieces: fetch_pieces(session, log_id, pieces))
    return ConsistencyProof(log_name, first, size, path)


def root_at(session: Session, log_name: str, tree_size: int) -> bytes:
    """The root of the log's first ``tree_size`` entries, from stored subtrees."""
    log_id, current = _log_row(session, log_name)
    _check_within(tree_size, current)
    if tree_size < 0:
        raise LedgerInputError(LedgerError.TREE_SIZE_INVALID, N_("A tree size cannot be negative."))
    return hash_ranges([(0, tree_size)], lambda pieces: fetch_pieces(session, log_id, pieces))[0]


#: Entries of one log with one leaf hash: the ``(log, leaf_key)`` index narrows to the
#: entries whose hash starts with the same 8 bytes (in index order, i.e. by ``idx``), and the
#: whole hash is compared on each. Placeholders: log, key, hash, bound on idx, limit.
_BY_HASH = (
    "SELECT idx FROM ledger_entries{hint} WHERE log_id = {q} AND leaf_key = {q} AND leaf_hash = {q}"
    " AND idx < {q} ORDER BY idx LIMIT {q}"
)
#: Without statistics SQLite's planner prefers walking the primary key (log, idx) backwards
#: from the bound, which satisfies ORDER BY but reads the whole log; name the index instead
#: (an error, not a silent scan, if it were ever missing).
_BY_HASH_SQLITE = _BY_HASH.format(hint=" INDEXED BY ix_ledger_entries_leaf_key", q="?")
_BY_HASH_POSTGRESQL = _BY_HASH.format(hint="", q="%s")


def _entries_with_hash(session: Session, log_id: int, leaf: bytes, below: int, limit: int) -> list[int]:
    sql = _BY_HASH_SQLITE if session.get_bind().dialect.name == "sqlite" else _BY_HASH_POSTGRESQL
    rows = driver_rows(session, sql, (log_id, leaf_key(leaf), leaf, below, limit))
    return [int(r[0]) for r in rows]


def find_entries(session: Session, log_name: str, leaf: bytes, *, limit: int = 100) -> list[int]:
    """Indices of the entries whose leaf hash is ``leaf``, smallest first (one index probe).

    A holder of a receipt or prescription can compute its leaf hash,
    ``SHA-256(0x00 ‖ entry bytes)``, without knowing where it landed in the log.
    """
    leaf = _leaf_arg(leaf)
    log_id, size = _log_row(session, log_name)
    return _entries_with_hash(session, log_id, leaf, size, max(1, min(limit, 1000)))


def prove_inclusion_by_hash(
    session: Session, log_name: str, leaf: bytes, tree_size: int | None = None
) -> InclusionProof:
    """The inclusion proof of the first entry with leaf hash ``leaf`` in the tree of ``tree_size``
    entries (default: the whole log), like RFC 6962's ``get-proof-by-hash``."""
    leaf = _leaf_arg(leaf)
    log_id, current = _log_row(session, log_name)
    size = current if tree_size is None else tree_size
    _check_within(size, current)
    found = _entries_with_hash(session, log_id, leaf, size, 1)
    if not found:
        raise LedgerNotFoundError(
            LedgerError.ENTRY_UNKNOWN,
            N_("No entry with leaf hash %(leaf_hash)s is in the first %(size)s entries of log %(log)s."),
            params={"leaf_hash": leaf.hex(), "size": size, "log": log_name},
        )
    return prove_inclusion(session, log_name, found[0], size)


def _leaf_arg(leaf: bytes) -> bytes:
    if not isinstance(leaf, bytes | bytearray) or len(leaf) != HASH_SIZE:
        raise LedgerInputError(LedgerError.PROOF_MALFORMED, N_("A leaf hash is 32 bytes (64 hexadecimal characters)."))
    return bytes(leaf)
