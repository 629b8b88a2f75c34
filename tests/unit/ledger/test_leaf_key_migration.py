"""Migration 0006: a log written before it (32-byte hash index) is found by hash after it."""

from __future__ import annotations

import datetime as dt
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Engine, create_engine, inspect, text

from onevisit.kernel.db import Database
from onevisit.kernel.migrate import alembic_config, upgrade
from onevisit.kernel.platform import Platform
from onevisit.kernel.settings import Settings
from onevisit.ledger import find_entries, prove_inclusion_by_hash
from onevisit.ledger.merkle import Frontier, leaf_hash, verify_inclusion
from onevisit.ledger.services.logs import leaf_key

PG_URL = os.environ.get("ONEVISIT_TEST_DATABASE_URL", "")
SECRET = "test-secret-key-that-is-long-enough-0123456789"


@pytest.fixture
def empty_url(tmp_path: Path) -> Iterator[str]:
    """A database with no tables at all (the shared fixtures' are migrated to the head)."""
    if not PG_URL:
        yield f"sqlite:///{tmp_path / 'old.db'}"
        return
    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield f"{PG_URL.rsplit('/', 1)[0]}/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _engine(url: str) -> Engine:
    return create_engine(url.replace("postgresql://", "postgresql+psycopg://"))


def _write_log_as_0005_did(engine: Engine, payloads: list[bytes]) -> bytes:
    """The rows ``append_many`` wrote before 0006 (no ``leaf_key``); returns the log's root."""
    hashes = [leaf_hash(p) for p in payloads]
    frontier = Frontier()
    nodes = frontier.extend(hashes)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO ledger_logs (id, name, log_id, public_key, tree_size, root_hash, created_at)"
                " VALUES (1, 'receipts', :log_id, :key, :size, :root, :at)"
            ),
            {
                "log_id": "ab" * 32,
                "key": b"\x01" * 32,
                "size": len(payloads),
                "root": frontier.root(),
                "at": dt.datetime(2026, 11, 20, tzinfo=dt.UTC),
            },
        )
        conn.execute(
            text("INSERT INTO ledger_entries (log_id, idx, leaf_hash, data) VALUES (1, :idx, :h, :data)"),
            [{"idx": i, "h": h, "data": p} for i, (h, p) in enumerate(zip(hashes, payloads, strict=True))],
        )
        conn.execute(
            text("INSERT INTO ledger_nodes (log_id, level, idx, hash) VALUES (1, :level, :idx, :h)"),
            [{"level": level, "idx": index, "h": h} for level, index, h in nodes],
        )
    return frontier.root()


def test_entries_written_before_the_migration_are_found_by_hash_after_it(empty_url: str) -> None:
    payloads = [f"receipt-{i}".encode() for i in range(200)]
    payloads[150] = payloads[3]
    engine = _engine(empty_url)
    upgrade(engine, "0005")
    root = _write_log_as_0005_did(engine, payloads)
    upgrade(engine, "0006")

    indexes = {i["name"]: i["column_names"] for i in inspect(engine).get_indexes("ledger_entries")}
    assert indexes == {"ix_ledger_entries_leaf_key": ["log_id", "leaf_key"]}
    with engine.connect() as conn:
        keys = conn.execute(text("SELECT leaf_hash, leaf_key FROM ledger_entries ORDER BY idx")).all()
    assert [key for _, key in keys] == [leaf_key(bytes(h)) for h, _ in keys]  # the SQL and Python keys agree
    assert {key < 0 for _, key in keys} == {True, False}
    upgrade(engine)  # and on to the head, as a deployment would
    engine.dispose()

    platform = Platform(Settings(database_url=empty_url, secret_key=SECRET), database=Database(empty_url))
    try:
        with platform.db.session() as session:
            assert find_entries(session, "receipts", leaf_hash(b"receipt-3")) == [3, 150]
            assert find_entries(session, "receipts", leaf_hash(b"receipt-199")) == [199]
            proof = prove_inclusion_by_hash(session, "receipts", leaf_hash(b"receipt-77"))
            assert proof.index == 77
            verify_inclusion(77, 200, leaf_hash(b"receipt-77"), proof.path, root)
    finally:
        platform.close()


def test_the_migration_can_be_undone_and_redone(empty_url: str) -> None:
    engine = _engine(empty_url)
    upgrade(engine, "0005")
    _write_log_as_0005_did(engine, [f"r{i}".encode() for i in range(20)])
    upgrade(engine, "0006")
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0005")
    assert {i["name"] for i in inspect(engine).get_indexes("ledger_entries")} == {"ix_ledger_entries_leaf_hash"}
    assert "leaf_key" not in {c["name"] for c in inspect(engine).get_columns("ledger_entries")}
    upgrade(engine, "0006")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM ledger_entries WHERE leaf_key IS NOT NULL")).scalar() == 20
    engine.dispose()
