"""Finding an entry by its leaf hash, and proving it, without knowing its index."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect

from onevisit.kernel.platform import Platform
from onevisit.ledger import append_many, find_entries, prove_inclusion_by_hash
from onevisit.ledger.errors import LedgerError, LedgerInputError
from onevisit.ledger.merkle import MemoryTree, leaf_hash, verify_inclusion


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
    assert {"name": "ix_ledger_entries_leaf_hash", "columns": ["log_id", "leaf_hash"]} in [
        {"name": i["name"], "columns": i["column_names"]} for i in indexes
    ]
    if platform.db.is_sqlite:
        with platform.db.engine.connect() as conn:
            plan = " ".join(
                str(row[-1])
                for row in conn.exec_driver_sql(
                    "EXPLAIN QUERY PLAN SELECT idx FROM ledger_entries WHERE log_id = 1 AND leaf_hash = x'00'"
                    " AND idx < 10 ORDER BY idx LIMIT 1"
                )
            )
        assert "ix_ledger_entries_leaf_hash" in plan and "SCAN" not in plan
