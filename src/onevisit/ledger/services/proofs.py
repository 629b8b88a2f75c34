"""Inclusion and consistency proofs from stored hashes: O(log n) reads, no recomputation.

Each proof reads the log's row and, in one query, the stored hashes of the perfect
subtrees the proof's nodes are made of (at most about 2·log2 n of them).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from onevisit.ledger.errors import LedgerError, LedgerInputError, LedgerNotFoundError
from onevisit.ledger.merkle import Piece, consistency_ranges, hash_ranges, inclusion_ranges
from onevisit.ledger.services.logs import fetch_pieces


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


def _log_row(session: Session, log_name: str) -> tuple[int, int]:
    q = "?" if session.get_bind().dialect.name == "sqlite" else "%s"
    row = (
        session.connection()
        .exec_driver_sql(f"SELECT id, tree_size FROM ledger_logs WHERE name = {q}", (log_name,))  # noqa: S608 - a placeholder only
        .first()
    )
    if row is None:
        raise LedgerNotFoundError(
            LedgerError.LOG_UNKNOWN, "There is no ledger log named %(log)s.", params={"log": log_name[:64]}
        )
    return int(row[0]), int(row[1])


def _check_within(tree_size: int, current: int) -> None:
    if tree_size > current:
        raise LedgerInputError(
            LedgerError.TREE_SIZE_INVALID,
            "The log has %(current)s entries; there is no tree of %(size)s entries yet.",
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
        raise LedgerInputError(LedgerError.TREE_SIZE_INVALID, "A tree size cannot be negative.")
    return hash_ranges([(0, tree_size)], lambda pieces: fetch_pieces(session, log_id, pieces))[0]
