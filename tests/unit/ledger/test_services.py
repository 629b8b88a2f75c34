"""Appending, stored subtrees, proofs and heads against a real database."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from onevisit.kernel.platform import Platform
from onevisit.ledger import append, append_many, latest_head, prove_consistency, prove_inclusion, sign_head
from onevisit.ledger.errors import LedgerError, LedgerInputError
from onevisit.ledger.merkle import MemoryTree, leaf_hash, verify_consistency, verify_inclusion
from onevisit.ledger.models import LedgerEntry, LedgerNode
from onevisit.ledger.services import logs
from onevisit.ledger.signing import canonical_json


def _entries(platform: Platform, log: str) -> list[bytes]:
    with platform.db.session() as session:
        return [d for _, _, d in logs.read_entries(session, log, 0, logs.find_log(session, log).tree_size)]


def test_batches_of_any_size_keep_every_subtree_and_proof_right(platform: Platform) -> None:
    sizes = [1, 2, 3, 5, 8, 13, 1, 1, 64, 100, 7, 300]
    payloads = [f"r{i}".encode() for i in range(sum(sizes))]
    position = 0
    for size in sizes:
        with platform.uow() as uow:
            refs = append_many(uow, "receipts", payloads[position : position + size])
        assert [r.index for r in refs] == list(range(position, position + size))
        assert all(r.leaf_hash == leaf_hash(payloads[r.index]) for r in refs)
        position += size
    tree = MemoryTree.from_entries(payloads)
    with platform.db.session() as session:
        nodes = {(n.level, n.idx): n.hash for n in session.scalars(select(LedgerNode))}
        assert nodes == {
            (level, i): tree.piece(level, i) for level in range(1, len(tree.levels)) for i in range(position >> level)
        }
        assert session.scalar(select(LedgerEntry.data).where(LedgerEntry.idx == 7)) == payloads[7]
        for n in (1, 2, 3, 17, 64, 200, position):
            for m in {0, n // 3, n - 1}:
                proof = prove_inclusion(session, "receipts", m, n)
                assert proof.path == tree.inclusion_proof(m, n)
                verify_inclusion(m, n, proof.leaf_hash, proof.path, tree.root(n))
            for first in {0, 1, n // 2, n}:
                c = prove_consistency(session, "receipts", first, n)
                verify_consistency(first, n, tree.root(first), tree.root(n), c.path)


def test_an_append_gives_the_connection_its_own_page_cache_back(
    platform: Platform, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The batch append works in a larger SQLite page cache (ONEVISIT_LEDGER_SQLITE_APPEND_CACHE_BYTES)
    and restores the pooled connection's own setting, which every other module uses."""
    if not platform.db.is_sqlite:
        pytest.skip("a SQLite pragma")
    seen: list[int] = []
    original = logs.bulk_insert

    def watching(session: Session, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
        seen.append(session.connection().exec_driver_sql("PRAGMA cache_size").scalar_one())
        original(session, table, columns, rows)

    monkeypatch.setattr(logs, "bulk_insert", watching)
    with platform.uow() as uow:
        before = uow.session.connection().exec_driver_sql("PRAGMA cache_size").scalar_one()
        append_many(uow, "receipts", [b"a", b"b", b"c"])
        after = uow.session.connection().exec_driver_sql("PRAGMA cache_size").scalar_one()
    assert seen == [-(64 << 10), -(64 << 10)]  # KiB: 64 MiB for both inserts
    assert after == before == -2000  # SQLite's default, which the kernel leaves alone


def test_json_entries_are_stored_as_canonical_json(platform: Platform) -> None:
    with platform.uow() as uow:
        ref = append(uow, "prescriptions", {"z": 1, "a": ["药", None, True]})
    assert _entries(platform, "prescriptions") == [canonical_json({"a": ["药", None, True], "z": 1})]
    assert ref.leaf_hash == leaf_hash('{"a":["药",null,true],"z":1}'.encode())


@pytest.mark.parametrize(
    ("log", "payload", "code"),
    [
        ("Bad Name", b"x", LedgerError.LOG_NAME_INVALID),
        ("", b"x", LedgerError.LOG_NAME_INVALID),
        ("receipts", {"amount": 1.5}, LedgerError.ENTRY_INVALID),
        ("receipts", b"x" * 300_000, LedgerError.ENTRY_INVALID),
        ("receipts", 42, LedgerError.ENTRY_INVALID),
    ],
)
def test_bad_entries_are_rejected_and_nothing_is_written(
    platform: Platform, log: str, payload: object, code: LedgerError
) -> None:
    with pytest.raises(LedgerInputError) as err, platform.uow() as uow:
        append(uow, log, payload)  # type: ignore[arg-type]
    assert err.value.code is code
    with platform.db.session() as session:
        assert session.scalar(select(LedgerEntry).limit(1)) is None


def test_impossible_sizes_and_unknown_logs(platform: Platform) -> None:
    with platform.uow() as uow:
        append_many(uow, "evidence", [b"a", b"b", b"c"])
    with platform.db.session() as session:
        cases = [
            (lambda: prove_inclusion(session, "evidence", 3, 3), LedgerError.INDEX_OUT_OF_RANGE),
            (lambda: prove_inclusion(session, "evidence", 0, 4), LedgerError.TREE_SIZE_INVALID),
            (lambda: prove_inclusion(session, "evidence", 0, 0), LedgerError.TREE_SIZE_INVALID),
            (lambda: prove_consistency(session, "evidence", 3, 2), LedgerError.TREE_SIZE_INVALID),
            (lambda: prove_consistency(session, "evidence", 1, 9), LedgerError.TREE_SIZE_INVALID),
            (lambda: prove_inclusion(session, "nope", 0, 1), LedgerError.LOG_UNKNOWN),
            (lambda: latest_head(session, "evidence"), LedgerError.HEAD_NOT_FOUND),
        ]
        for call, code in cases:
            with pytest.raises(LedgerInputError) as err:
                call()
            assert err.value.code is code


def test_heads_are_signed_once_per_size_and_verify(platform: Platform) -> None:
    with platform.uow() as uow:
        append_many(uow, "certificates", [b"c1", b"c2"])
        first = sign_head(uow, "certificates")
        again = sign_head(uow, "certificates")
    assert first.id == again.id
    with platform.db.session() as session:
        signed = latest_head(session, "certificates")
    signed.head.verify(signed.public_key)
    assert signed.head.root_hash == MemoryTree.from_entries([b"c1", b"c2"]).root()
    assert not signed.final  # quorum 1 and no witness yet


def test_concurrent_appenders_never_share_an_index(platform: Platform) -> None:
    with platform.uow() as uow:
        append(uow, "data-access", b"start")
    errors: list[BaseException] = []

    def worker(n: int) -> None:
        try:
            for batch in range(5):
                with platform.uow() as uow:
                    append_many(uow, "data-access", [f"w{n}-{batch}-{i}".encode() for i in range(20)])
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    entries = _entries(platform, "data-access")
    assert len(entries) == 1 + 4 * 5 * 20 == len(set(entries))
    with platform.uow() as uow:
        head = sign_head(uow, "data-access")
    assert head.root_hash == MemoryTree.from_entries(entries).root()
