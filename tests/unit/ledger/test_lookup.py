"""Finding an entry by its leaf hash, and proving it, without knowing its index."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect, text

from onevisit.kernel.platform import Platform
from onevisit.ledger import append_many, find_entries, prove_inclusion_by_hash
from onevisit.ledger.errors import LedgerError, LedgerInputError
from onevisit.ledger.merkle import MemoryTree, leaf_hash, verify_inclusion
from onevisit.ledger.services.logs import leaf_key
from onevisit.ledger.services.proofs import _BY_HASH_SQLITE


def test_an_entry_is_found_and_proven_from_its_leaf_hash(platform: Platform) -> None:
    payloads = [f"receipt-{i}".encode() for i in range(50)]
    payloads[40] = payloads[7]  # the same bytes twice: both are found, the first is proven
    with platform.uow() as uow:
        append_many(uow, "receipts", payloads)
        append_many(uow, "evidence", payloads[:10])
    tree = MemoryTree.from_entries(payloads)
    with platform.db.session() as session:
        assert find_entries(session, "receipts", leaf_hash(b"receipt-12")) == [12]
        assert find_entries(session, "receipts", leaf_hash(b"receipt-7")) == [7, 40]
        assert find_entries(session, "receipts", leaf_hash(b"nowhere")) == []
        for index, size in ((12, 50), (7, 50), (0, 1), (49, 50), (12, 13)):
            proof = prove_inclusion_by_hash(session, "receipts", leaf_hash(payloads[index]), size)
            assert (proof.index, proof.tree_size) == (index, size)
            verify_inclusion(index, size, leaf_hash(payloads[index]), proof.path, tree.root(size))
        assert prove_inclusion_by_hash(session, "receipts", leaf_hash(b"receipt-30")).tree_size == 50
        # another log's entry is not this log's
        assert find_entries(session, "evidence", leaf_hash(b"receipt-30")) == []


@pytest.mark.parametrize(
    ("log", "leaf", "size", "code"),
    [
        ("receipts", leaf_hash(b"receipt-12"), 12, LedgerError.ENTRY_UNKNOWN),  # not within the first 12
        ("receipts", leaf_hash(b"never logged"), None, LedgerError.ENTRY_UNKNOWN),
        ("receipts", b"short", None, LedgerError.PROOF_MALFORMED),
        ("receipts", leaf_hash(b"receipt-1"), 99, LedgerError.TREE_SIZE_INVALID),
        ("nope", leaf_hash(b"receipt-1"), None, LedgerError.LOG_UNKNOWN),
    ],
)
def test_bad_lookups_are_refused_precisely(
    platform: Platform, log: str, leaf: bytes, size: int | None, code: LedgerError
) -> None:
    with platform.uow() as uow:
        append_many(uow, "receipts", [f"receipt-{i}".encode() for i in range(20)])
    with platform.db.session() as session, pytest.raises(LedgerInputError) as caught:
        prove_inclusion_by_hash(session, log, leaf, size)
    assert caught.value.code is code


def test_the_lookup_is_an_index_probe(platform: Platform) -> None:
    indexes = inspect(platform.db.engine).get_indexes("ledger_entries")
    assert {"name": "ix_ledger_entries_leaf_key", "columns": ["log_id", "leaf_key"]} in [
        {"name": i["name"], "columns": i["column_names"]} for i in indexes
    ]
    if platform.db.is_sqlite:
        with platform.db.engine.connect() as conn:
            plan = " ".join(
                str(row[-1])
                for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + _BY_HASH_SQLITE, (1, 7, b"\x00" * 32, 10, 1))
            )
        # one probe of the narrow index, in idx order already (no sort), never a scan
        assert "ix_ledger_entries_leaf_key" in plan and "SCAN" not in plan and "TEMP B-TREE" not in plan


def test_entries_whose_hashes_share_a_key_are_told_apart(platform: Platform) -> None:
    """Two leaf hashes with the same first 8 bytes (about one pair in 2**64, so forged here by
    giving other entries the key of receipt-5's hash): each lookup still finds only the
    entries whose whole hash matches, and proves the right one."""
    payloads = [f"receipt-{i}".encode() for i in range(40)]
    payloads[33] = payloads[5]
    with platform.uow() as uow:
        append_many(uow, "receipts", payloads)
    target = leaf_hash(b"receipt-5")
    with platform.db.engine.begin() as conn:
        conn.execute(
            text("UPDATE ledger_entries SET leaf_key = :key WHERE idx IN (2, 9, 20, 39)"), {"key": leaf_key(target)}
        )
    tree = MemoryTree.from_entries(payloads)
    with platform.db.session() as session:
        assert find_entries(session, "receipts", target) == [5, 33]
        proof = prove_inclusion_by_hash(session, "receipts", target)
        assert proof.index == 5
        verify_inclusion(5, 40, target, proof.path, tree.root())
        # an entry sharing the key but not the hash is not found by receipt-5's hash, and
        # receipt-2's own hash (whose key no longer leads to it) is not mistaken for receipt-5
        assert prove_inclusion_by_hash(session, "receipts", target, 5 + 1).index == 5
        assert find_entries(session, "receipts", leaf_hash(b"receipt-2")) == []
        with pytest.raises(LedgerInputError) as caught:
            prove_inclusion_by_hash(session, "receipts", target, 5)  # only colliding entries before index 5
        assert caught.value.code is LedgerError.ENTRY_UNKNOWN


def test_every_entry_is_stored_with_the_key_of_its_hash(platform: Platform) -> None:
    payloads = [f"prescription-{i}".encode() for i in range(300)]
    with platform.uow() as uow:
        append_many(uow, "prescriptions", payloads[:123])
        append_many(uow, "prescriptions", payloads[123:])
    with platform.db.engine.connect() as conn:
        rows = conn.execute(text("SELECT idx, leaf_hash, leaf_key FROM ledger_entries ORDER BY idx")).all()
    assert [(i, bytes(h)) for i, h, _ in rows] == [(i, leaf_hash(p)) for i, p in enumerate(payloads)]
    assert all(key == int.from_bytes(bytes(h)[:8], "big", signed=True) for _, h, key in rows)
    assert {key < 0 for _, _, key in rows} == {True, False}  # both halves of the 64-bit range
    with platform.db.session() as session:
        assert [find_entries(session, "prescriptions", leaf_hash(p)) for p in payloads] == [[i] for i in range(300)]
