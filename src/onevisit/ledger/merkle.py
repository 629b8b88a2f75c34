"""Merkle tree hashing, proofs and their verification, exactly as RFC 9162 §2.1 defines them.

Pure functions over bytes: no database, no clock. Everything else in the ledger (storage,
the witness, the offline verifier) builds on this module.

* ``leaf_hash(d) = SHA-256(0x00 || d)`` and ``node_hash(l, r) = SHA-256(0x01 || l || r)``;
  the empty tree hashes to ``SHA-256("")``.
* The tree over ``n`` leaves is the RFC's left-balanced tree: the left subtree holds the
  largest power of two strictly below ``n``. Every subtree that a proof needs is either
  *perfect* (``2**level`` leaves starting at ``index * 2**level``) or a right edge of the
  tree, which is a right fold of at most ``log2 n`` perfect subtrees (:func:`range_pieces`).
  Storage therefore keeps the hash of every perfect subtree, keyed by ``(level, index)``,
  and any proof needs O(log n) stored hashes.
* Proofs are lists of 32-byte hashes in the RFC's order (leaf to root); the verification
  functions follow the RFC's algorithms step by step and raise on any failure.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence

from onevisit.kernel.i18n import N_
from onevisit.ledger.errors import LedgerError, LedgerInputError, VerificationError

HASH_SIZE = 32
LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"
EMPTY_ROOT = hashlib.sha256(b"").digest()
#: Largest tree a proof request may name: 2**62 leaves, far beyond any real log.
MAX_TREE_SIZE = 1 << 62

Piece = tuple[int, int]
"""A perfect subtree: ``(level, index)`` covers leaves ``[index * 2**level, (index + 1) * 2**level)``."""
Range = tuple[int, int]
"""A half-open range of leaf indices ``[start, end)`` that is a subtree in RFC 9162's tree."""


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(LEAF_PREFIX + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(NODE_PREFIX + left + right).digest()


def _split(size: int) -> int:
    """The largest power of two strictly smaller than ``size`` (``size`` >= 2)."""
    return 1 << ((size - 1).bit_length() - 1)


def range_pieces(start: int, end: int) -> list[Piece]:
    """The perfect subtrees, largest first, whose right fold is ``MTH(D[start:end])``."""
    pieces: list[Piece] = []
    while start < end:
        level = (end - start).bit_length() - 1
        if start % (1 << level):
            raise ValueError(f"[{start}, {end}) is not a subtree of a Merkle tree")
        pieces.append((level, start >> level))
        start += 1 << level
    return pieces


def fold(hashes: Sequence[bytes]) -> bytes:
    """Right fold of perfect-subtree hashes (largest first) into the hash of their range."""
    if not hashes:
        return EMPTY_ROOT
    acc = hashes[-1]
    for h in reversed(hashes[:-1]):
        acc = node_hash(h, acc)
    return acc


def root_from_leaf_hashes(hashes: Sequence[bytes]) -> bytes:
    """``MTH`` over leaf hashes, iteratively (used for small trees and as a cross-check)."""
    if not hashes:
        return EMPTY_ROOT
    frontier = Frontier()
    for h in hashes:
        frontier.push(h)
    return frontier.root()


def check_sizes(first: int, second: int) -> None:
    if first < 0 or second < 0 or first > second or second > MAX_TREE_SIZE:
        raise LedgerInputError(
            LedgerError.TREE_SIZE_INVALID,
            N_("Tree sizes must satisfy 0 ≤ first ≤ second; got %(first)s and %(second)s."),
            params={"first": first, "second": second},
        )


def check_index(index: int, tree_size: int) -> None:
    if tree_size < 1 or tree_size > MAX_TREE_SIZE:
        raise LedgerInputError(
            LedgerError.TREE_SIZE_INVALID,
            N_("A tree with %(size)s entries has no inclusion proofs."),
            params={"size": tree_size},
        )
    if not 0 <= index < tree_size:
        raise LedgerInputError(
            LedgerError.INDEX_OUT_OF_RANGE,
            N_("Entry %(index)s is not in a tree of %(size)s entries."),
            params={"index": index, "size": tree_size},
        )


def inclusion_ranges(index: int, tree_size: int) -> list[Range]:
    """The subtrees whose hashes form ``PATH(index, D[tree_size])`` (RFC 9162 §2.1.3.1)."""
    check_index(index, tree_size)
    stack: list[Range] = []
    start, end = 0, tree_size
    while end - start > 1:
        k = _split(end - start)
        if index - start < k:
            stack.append((start + k, end))
            end = start + k
        else:
            stack.append((start, start + k))
            start += k
    stack.reverse()
    return stack


def consistency_ranges(first: int, second: int) -> list[Range]:
    """The subtrees whose hashes form ``PROOF(first, D[second])`` (RFC 9162 §2.1.4.1).

    Empty when ``first`` is 0 or equals ``second``: there is nothing to prove.
    """
    check_sizes(first, second)
    if first in (0, second):
        return []
    stack: list[Range] = []
    start, end, m, whole = 0, second, first, True
    while True:
        size = end - start
        if m == size:
            if not whole:
                stack.append((start, end))
            break
        k = _split(size)
        if m <= k:
            stack.append((start + k, end))
            end = start + k
        else:
            stack.append((start, start + k))
            start += k
            m -= k
            whole = False
    stack.reverse()
    return stack


PieceFetcher = Callable[[list[Piece]], dict[Piece, bytes]]
"""Looks up stored perfect-subtree hashes; must return every piece asked for."""


def hash_ranges(ranges: Sequence[Range], fetch: PieceFetcher) -> list[bytes]:
    """The hash of each range, reading each perfect subtree once through ``fetch``."""
    pieces = [range_pieces(start, end) for start, end in ranges]
    wanted = sorted({p for ps in pieces for p in ps})
    found = fetch(wanted) if wanted else {}
    return [fold([found[p] for p in ps]) for ps in pieces]


def _hash_arg(value: bytes, message: str) -> bytes:
    """``message``: a msgid with a ``%(size)s`` slot, said when ``value`` is not a hash."""
    if not isinstance(value, bytes | bytearray) or len(value) != HASH_SIZE:
        raise LedgerInputError(LedgerError.PROOF_MALFORMED, message, params={"size": HASH_SIZE})
    return bytes(value)


def _proof_arg(proof: Iterable[bytes]) -> list[bytes]:
    items = list(proof)
    if len(items) > 128:
        raise LedgerInputError(LedgerError.PROOF_MALFORMED, N_("The proof is longer than any real proof can be."))
    return [_hash_arg(p, N_("Every proof element must be a %(size)s-byte hash.")) for p in items]


def _fail(code: LedgerError, message: str, **params: object) -> VerificationError:
    return VerificationError(code, message, params=params)


def verify_inclusion(index: int, tree_size: int, leaf: bytes, proof: Iterable[bytes], root: bytes) -> None:
    """RFC 9162 §2.1.3.2. Returns quietly when ``leaf`` is entry ``index`` of the tree ``root``."""
    check_index(index, tree_size)
    leaf = _hash_arg(leaf, N_("The leaf hash must be %(size)s bytes."))
    root = _hash_arg(root, N_("The root hash must be %(size)s bytes."))
    path = _proof_arg(proof)
    fn, sn, r = index, tree_size - 1, leaf
    for p in path:
        if sn == 0:
            raise _fail(LedgerError.PROOF_INVALID, N_("The inclusion proof is too long for this tree size."))
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise _fail(LedgerError.PROOF_INVALID, N_("The inclusion proof is too short for this tree size."))
    if r != root:
        raise _fail(LedgerError.PROOF_INVALID, N_("The inclusion proof does not lead to the signed root."))


def verify_consistency(  # noqa: PLR0912 - RFC 9162 §2.1.4.2 step by step reads best as one function
    first: int, second: int, first_root: bytes, second_root: bytes, proof: Iterable[bytes]
) -> None:
    """RFC 9162 §2.1.4.2. Returns quietly when tree ``first`` is a prefix of tree ``second``."""
    check_sizes(first, second)
    first_root = _hash_arg(first_root, N_("The first root hash must be %(size)s bytes."))
    second_root = _hash_arg(second_root, N_("The second root hash must be %(size)s bytes."))
    path = _proof_arg(proof)
    if first in (0, second):
        if path:
            raise _fail(LedgerError.PROOF_INVALID, N_("A consistency proof between these sizes must be empty."))
        if first == second and first_root != second_root:
            raise _fail(
                LedgerError.HEAD_INCONSISTENT,
                N_("Two different roots were signed for the same tree size %(size)s."),
                size=first,
            )
        if first == 0 and first_root != EMPTY_ROOT:
            raise _fail(LedgerError.ROOT_MISMATCH, N_("The empty tree has a fixed root; this one differs."))
        return
    if not path:
        raise _fail(LedgerError.PROOF_INVALID, N_("The consistency proof is empty."))
    if first & (first - 1) == 0:
        path = [first_root, *path]
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise _fail(LedgerError.PROOF_INVALID, N_("The consistency proof is too long for these sizes."))
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise _fail(LedgerError.PROOF_INVALID, N_("The consistency proof is too short for these sizes."))
    if fr != first_root or sr != second_root:
        raise _fail(
            LedgerError.HEAD_INCONSISTENT,
            N_("The tree of %(second)s entries does not extend the tree of %(first)s entries."),
            first=first,
            second=second,
        )


class Frontier:
    """The perfect subtrees covering a tree of ``size`` leaves (a "compact range").

    Appending a leaf completes zero or more perfect subtrees; :meth:`push` returns them so
    storage can write them. O(log n) memory; :meth:`root` is the current ``MTH``.
    """

    def __init__(self, size: int = 0, hashes: Sequence[bytes] = ()) -> None:
        pieces = range_pieces(0, size)
        if len(pieces) != len(hashes):
            raise ValueError("a frontier needs one hash per perfect subtree of its size")
        self.size = size
        self._stack: list[tuple[int, bytes]] = [(level, h) for (level, _), h in zip(pieces, hashes, strict=True)]

    def push(self, leaf: bytes) -> list[tuple[int, int, bytes]]:
        """Adds a leaf hash; returns the completed subtrees ``(level, index, hash)``, level ≥ 1."""
        stack = self._stack
        stack.append((0, leaf))
        completed: list[tuple[int, int, bytes]] = []
        position = self.size
        self.size += 1
        while len(stack) > 1 and stack[-1][0] == stack[-2][0]:
            level, right = stack.pop()
            _, left = stack.pop()
            h = hashlib.sha256(NODE_PREFIX + left + right).digest()
            level += 1
            completed.append((level, position >> level, h))
            stack.append((level, h))
        return completed

    def extend(self, leaves: Sequence[bytes]) -> list[tuple[int, int, bytes]]:
        """Adds many leaf hashes at once; returns the completed subtrees ``(level, index, hash)``.

        The same subtrees as :meth:`push` leaf by leaf, computed a level at a time (one pass
        of pairwise hashes per level, lowest level first, indices ascending within a level),
        which costs a batch append a fraction of the per-leaf loop.
        """
        sha = hashlib.sha256
        stack = self._stack
        completed: list[tuple[int, int, bytes]] = []
        leftovers: list[tuple[int, bytes]] = []
        level, first, current = 0, self.size, list(leaves)
        self.size += len(current)
        while current:
            if first & 1:  # the frontier holds this level's left sibling, on top of its stack
                _, left = stack.pop()
                current.insert(0, left)
                first -= 1
            parents = [sha(NODE_PREFIX + a + b).digest() for a, b in zip(current[0::2], current[1::2], strict=False)]
            if len(current) & 1:
                leftovers.append((level, current[-1]))
            level += 1
            first >>= 1
            completed.extend(zip([level] * len(parents), range(first, first + len(parents)), parents, strict=True))
            current = parents
        stack.extend(reversed(leftovers))
        return completed

    def root(self) -> bytes:
        return fold([h for _, h in self._stack])


class MemoryTree:
    """Every perfect subtree of a tree held in memory, one ``bytes`` buffer per level.

    Used by the offline verifier and the benchmark's bulk builder; 64 bytes per leaf.
    """

    def __init__(self, leaf_hashes: bytes) -> None:
        if len(leaf_hashes) % HASH_SIZE:
            raise ValueError("leaf hash buffer is not a whole number of hashes")
        self.levels: list[bytes] = [bytes(leaf_hashes)]
        current = self.levels[0]
        sha = hashlib.sha256
        while len(current) >= 2 * HASH_SIZE:
            pairs = len(current) // (2 * HASH_SIZE)
            current = b"".join(sha(NODE_PREFIX + current[64 * j : 64 * j + 64]).digest() for j in range(pairs))
            self.levels.append(current)

    @classmethod
    def from_entries(cls, entries: Iterable[bytes]) -> MemoryTree:
        return cls(b"".join(leaf_hash(d) for d in entries))

    @property
    def size(self) -> int:
        return len(self.levels[0]) // HASH_SIZE

    def piece(self, level: int, index: int) -> bytes:
        return self.levels[level][index * HASH_SIZE : (index + 1) * HASH_SIZE]

    def fetch(self, pieces: list[Piece]) -> dict[Piece, bytes]:
        return {(level, index): self.piece(level, index) for level, index in pieces}

    def _check_size(self, tree_size: int) -> None:
        if tree_size > self.size:
            raise LedgerInputError(
                LedgerError.TREE_SIZE_INVALID,
                N_("The tree has %(have)s entries, not %(size)s."),
                params={"have": self.size, "size": tree_size},
            )

    def root(self, tree_size: int | None = None) -> bytes:
        n = self.size if tree_size is None else tree_size
        self._check_size(n)
        return hash_ranges([(0, n)], self.fetch)[0] if n else EMPTY_ROOT

    def inclusion_proof(self, index: int, tree_size: int) -> list[bytes]:
        self._check_size(tree_size)
        return hash_ranges(inclusion_ranges(index, tree_size), self.fetch)

    def consistency_proof(self, first: int, second: int) -> list[bytes]:
        self._check_size(second)
        return hash_ranges(consistency_ranges(first, second), self.fetch)
