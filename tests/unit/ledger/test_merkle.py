"""RFC 9162 hashing and proofs, cross-checked against the RFC's recursive definitions,
the RFC 6962 test vectors and pymerkle (an independent implementation)."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pymerkle import InmemoryTree

from onevisit.ledger.errors import LedgerError, LedgerInputError, VerificationError
from onevisit.ledger.merkle import (
    EMPTY_ROOT,
    Frontier,
    MemoryTree,
    leaf_hash,
    node_hash,
    root_from_leaf_hashes,
    verify_consistency,
    verify_inclusion,
)

MAX = 3000
LEAVES = [leaf_hash(f"entry-{i}".encode()) for i in range(MAX)]
TREE = MemoryTree(b"".join(LEAVES))

# RFC 6962 test vectors (certificate-transparency merkle_tree_test): inputs and roots.
VECTOR_INPUTS = ["", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"]
VECTOR_ROOTS = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]


def _k(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def ref_mth(leaves: list[bytes]) -> bytes:
    """MTH exactly as RFC 9162 §2.1.1 writes it (recursive)."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaves[0]
    k = _k(len(leaves))
    return node_hash(ref_mth(leaves[:k]), ref_mth(leaves[k:]))


def ref_path(m: int, leaves: list[bytes]) -> list[bytes]:
    """PATH(m, D[n]) exactly as RFC 9162 §2.1.3.1 writes it."""
    n = len(leaves)
    if n == 1:
        return []
    k = _k(n)
    if m < k:
        return [*ref_path(m, leaves[:k]), ref_mth(leaves[k:])]
    return [*ref_path(m - k, leaves[k:]), ref_mth(leaves[:k])]


def ref_subproof(m: int, leaves: list[bytes], whole: bool) -> list[bytes]:
    """SUBPROOF(m, D[n], b) exactly as RFC 9162 §2.1.4.1 writes it."""
    n = len(leaves)
    if m == n:
        return [] if whole else [ref_mth(leaves)]
    k = _k(n)
    if m <= k:
        return [*ref_subproof(m, leaves[:k], whole), ref_mth(leaves[k:])]
    return [*ref_subproof(m - k, leaves[k:], False), ref_mth(leaves[:k])]


def test_rfc6962_vectors() -> None:
    tree = MemoryTree.from_entries(bytes.fromhex(x) for x in VECTOR_INPUTS)
    assert [tree.root(n).hex() for n in range(1, 9)] == VECTOR_ROOTS
    assert tree.root(0) == EMPTY_ROOT == hashlib.sha256(b"").digest()


def test_roots_match_pymerkle_exactly() -> None:
    oracle = InmemoryTree(algorithm="sha256")
    for n in range(1, 1100):
        oracle.append_entry(f"entry-{n - 1}".encode())
        if n <= 600 or n % 37 == 0 or n in (1023, 1024, 1025):
            assert oracle.get_root(n) == TREE.root(n), n


def test_every_proof_for_small_trees_matches_the_rfc_definitions() -> None:
    for n in range(1, 65):
        leaves = LEAVES[:n]
        root = ref_mth(leaves)
        assert TREE.root(n) == root == root_from_leaf_hashes(leaves)
        for m in range(n):
            path = TREE.inclusion_proof(m, n)
            assert path == ref_path(m, leaves)
            verify_inclusion(m, n, leaves[m], path, root)
        for m in range(1, n):
            proof = TREE.consistency_proof(m, n)
            assert proof == ref_subproof(m, leaves, True)
            verify_consistency(m, n, ref_mth(leaves[:m]), root, proof)


@settings(max_examples=150, deadline=None)
@given(st.integers(min_value=1, max_value=MAX))
def test_inclusion_for_every_index_of_a_size(n: int) -> None:
    root = TREE.root(n)
    for m in range(n) if n <= 400 else [*range(0, n, max(1, n // 200)), n - 1]:
        verify_inclusion(m, n, LEAVES[m], TREE.inclusion_proof(m, n), root)


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=1, max_value=MAX), st.data())
def test_consistency_between_any_two_sizes(n: int, data: st.DataObject) -> None:
    m = data.draw(st.integers(min_value=0, max_value=n))
    proof = TREE.consistency_proof(m, n)
    verify_consistency(m, n, TREE.root(m), TREE.root(n), proof)
    if 0 < m < n:
        assert proof == ref_subproof(m, LEAVES[:n], True) or n > 1500  # the recursion is slow on big trees


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=2, max_value=MAX), st.data())
def test_any_changed_proof_byte_is_caught(n: int, data: st.DataObject) -> None:
    m = data.draw(st.integers(min_value=0, max_value=n - 1))
    path = TREE.inclusion_proof(m, n)
    which = data.draw(st.integers(min_value=0, max_value=len(path) - 1))
    bit = data.draw(st.integers(min_value=0, max_value=255))
    broken = [bytearray(p) for p in path]
    broken[which][bit // 8] ^= 1 << (bit % 8)
    with pytest.raises(VerificationError):
        verify_inclusion(m, n, LEAVES[m], [bytes(b) for b in broken], TREE.root(n))
    first = data.draw(st.integers(min_value=1, max_value=n - 1))
    proof = [bytearray(p) for p in TREE.consistency_proof(first, n)]
    proof[data.draw(st.integers(min_value=0, max_value=len(proof) - 1))][bit // 8] ^= 1 << (bit % 8)
    with pytest.raises(VerificationError):
        verify_consistency(first, n, TREE.root(first), TREE.root(n), [bytes(p) for p in proof])


def test_wrong_index_size_or_leaf_fail() -> None:
    n, m = 1000, 421
    path, root = TREE.inclusion_proof(m, n), TREE.root(n)
    with pytest.raises(VerificationError):
        verify_inclusion(m + 1, n, LEAVES[m], path, root)
    with pytest.raises(VerificationError):
        verify_inclusion(m, 2 * n, LEAVES[m], path, root)
    with pytest.raises(VerificationError):
        verify_inclusion(m, n, LEAVES[m + 1], path, root)
    with pytest.raises(VerificationError):
        verify_inclusion(m, n, LEAVES[m], [*path, LEAVES[0]], root)
    with pytest.raises(VerificationError):
        verify_inclusion(m, n, LEAVES[m], path[:-1], root)


def test_a_fork_is_not_consistent() -> None:
    forked = list(LEAVES[:100])
    forked[17] = leaf_hash(b"rewritten")
    other = MemoryTree(b"".join(forked))
    with pytest.raises(VerificationError) as err:
        verify_consistency(64, 100, TREE.root(64), other.root(100), other.consistency_proof(64, 100))
    assert err.value.code is LedgerError.HEAD_INCONSISTENT
    with pytest.raises(VerificationError) as err:
        verify_consistency(100, 100, TREE.root(100), other.root(100), [])
    assert err.value.code is LedgerError.HEAD_INCONSISTENT


@pytest.mark.parametrize(
    ("call", "code"),
    [
        (lambda: verify_inclusion(5, 5, LEAVES[0], [], LEAVES[0]), LedgerError.INDEX_OUT_OF_RANGE),
        (lambda: verify_inclusion(-1, 5, LEAVES[0], [], LEAVES[0]), LedgerError.INDEX_OUT_OF_RANGE),
        (lambda: verify_inclusion(0, 0, LEAVES[0], [], LEAVES[0]), LedgerError.TREE_SIZE_INVALID),
        (lambda: verify_inclusion(0, 2, LEAVES[0], [b"short"], LEAVES[0]), LedgerError.PROOF_MALFORMED),
        (lambda: verify_inclusion(0, 2, b"x", [LEAVES[1]], LEAVES[0]), LedgerError.PROOF_MALFORMED),
        (lambda: verify_consistency(5, 3, LEAVES[0], LEAVES[0], []), LedgerError.TREE_SIZE_INVALID),
        (lambda: verify_consistency(-1, 3, LEAVES[0], LEAVES[0], []), LedgerError.TREE_SIZE_INVALID),
        (lambda: verify_consistency(1, 3, LEAVES[0], LEAVES[0], []), LedgerError.PROOF_INVALID),
        (lambda: verify_consistency(3, 3, LEAVES[0], LEAVES[0], [LEAVES[1]]), LedgerError.PROOF_INVALID),
        (lambda: verify_consistency(1, 3, LEAVES[0], LEAVES[0], [LEAVES[0]] * 200), LedgerError.PROOF_MALFORMED),
        (lambda: TREE.inclusion_proof(0, MAX + 1), LedgerError.TREE_SIZE_INVALID),
    ],
)
def test_bad_input_is_rejected_with_a_precise_code(call: object, code: LedgerError) -> None:
    with pytest.raises(LedgerInputError) as err:
        call()  # type: ignore[operator]
    assert err.value.code is code


def test_frontier_reports_every_completed_subtree() -> None:
    frontier = Frontier()
    stored: dict[tuple[int, int], bytes] = {}
    for i, h in enumerate(LEAVES[:777]):
        stored[(0, i)] = h
        for level, index, node in frontier.push(h):
            stored[(level, index)] = node
        assert frontier.root() == TREE.root(i + 1)
    for (level, index), h in stored.items():
        assert TREE.piece(level, index) == h
    assert len(stored) == 777 + sum(777 >> level for level in range(1, 11))


@given(st.integers(min_value=0, max_value=MAX), st.lists(st.integers(min_value=0, max_value=300), max_size=6))
def test_extending_by_batches_completes_the_same_subtrees_as_leaf_by_leaf(start: int, batches: list[int]) -> None:
    """What a batch append stores: every perfect subtree its leaves complete, from any
    starting size, however the leaves are split into batches."""
    one_by_one, batched = Frontier(), Frontier()
    for h in LEAVES[:start]:
        one_by_one.push(h)
    batched.extend(LEAVES[:start])
    position = start
    for count in batches:
        leaves = [leaf_hash(f"more-{position + i}".encode()) for i in range(count)]
        expected = [node for h in leaves for node in one_by_one.push(h)]
        got = batched.extend(leaves)
        assert sorted(got) == sorted(expected)
        assert [(level, index) for level, index, _ in got] == sorted((level, index) for level, index, _ in got)
        position += count
        assert batched.size == one_by_one.size == position
        assert batched.root() == one_by_one.root()
