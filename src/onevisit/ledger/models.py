"""Ledger tables.

* ``ledger_logs``: one row per named log; its current size and root. Appends lock this row
  (``SELECT … FOR UPDATE`` on PostgreSQL, the database write lock on SQLite), so two
  processes can never hand out the same index.
* ``ledger_entries``: the leaves: entry bytes and their RFC 9162 leaf hash. ``leaf_key``, the
  hash's first 8 bytes as a signed 64-bit integer, is indexed with the log, so an entry can
  be found from its hash alone: the narrow key keeps the index small (a batch of appends
  inserts into it at random places), and a lookup confirms the whole hash on the row.
* ``ledger_nodes``: the hash of every perfect subtree of level ≥ 1, keyed by
  ``(log, level, index)``, written as leaves complete them. With the leaf hashes they make
  every inclusion or consistency proof an O(log n) read.
* ``ledger_heads``: signed tree heads; ``ledger_cosignatures``: witnesses' signatures on them.
* ``ledger_witnesses``: registered witnesses and their public keys; ``ledger_alerts``:
  what witnesses refused to co-sign, and why.

Entries, nodes, heads and co-signatures are never updated or deleted by the application.
The leaf and node tables are ``WITHOUT ROWID`` on SQLite (the key is the row's address).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, LargeBinary, SmallInteger, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from onevisit.kernel.db import Base, BigId, UTCDateTime


class LedgerLog(Base):
    __tablename__ = "ledger_logs"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    #: SHA-256 of the public key, hex: the log's identity in signed heads
    log_id: Mapped[str] = mapped_column(String(64), unique=True)
    public_key: Mapped[bytes] = mapped_column(LargeBinary(32))
    tree_size: Mapped[int] = mapped_column(BigInteger, default=0)
    root_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class LedgerEntry(Base):
    __tablename__ = "ledger_entries"

    log_id: Mapped[int] = mapped_column(BigId, ForeignKey("ledger_logs.id"), primary_key=True)
    idx: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    leaf_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    #: ``leaf_hash[:8]`` as a signed big-endian 64-bit integer (``services.logs.leaf_key``)
    leaf_key: Mapped[int] = mapped_column(BigInteger)

    #: ``(log, leaf_key)``: find an entry from its hash (what a receipt's holder can compute);
    #: 8 bytes a key rather than 32, and the whole hash is compared on the row it leads to
    __table_args__ = (Index("ix_ledger_entries_leaf_key", "log_id", "leaf_key"), {"sqlite_with_rowid": False})


class LedgerNode(Base):
    __tablename__ = "ledger_nodes"

    log_id: Mapped[int] = mapped_column(BigId, ForeignKey("ledger_logs.id"), primary_key=True)
    level: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    idx: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    hash: Mapped[bytes] = mapped_column(LargeBinary(32))

    __table_args__ = ({"sqlite_with_rowid": False},)


class LedgerHead(Base):
    __tablename__ = "ledger_heads"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    log_id: Mapped[int] = mapped_column(BigId, ForeignKey("ledger_logs.id"))
    tree_size: Mapped[int] = mapped_column(BigInteger)
    root_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    #: milliseconds since the epoch, exactly as signed
    timestamp: Mapped[int] = mapped_column(BigInteger)
    signature: Mapped[bytes] = mapped_column(LargeBinary(64))
    #: when a quorum of witnesses had co-signed (null until then)
    final_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (UniqueConstraint("log_id", "tree_size"),)


class LedgerWitness(Base):
    __tablename__ = "ledger_witnesses"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    public_key: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    description: Mapped[str] = mapped_column(String(200), default="")
    registered_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    active: Mapped[bool] = mapped_column(default=True)


class LedgerCosignature(Base):
    __tablename__ = "ledger_cosignatures"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    head_id: Mapped[int] = mapped_column(BigId, ForeignKey("ledger_heads.id"), index=True)
    witness_id: Mapped[int] = mapped_column(BigId, ForeignKey("ledger_witnesses.id"))
    #: the witness's own timestamp (ms), part of what it signed
    timestamp: Mapped[int] = mapped_column(BigInteger)
    signature: Mapped[bytes] = mapped_column(LargeBinary(64))
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)

    __table_args__ = (UniqueConstraint("head_id", "witness_id"),)


class LedgerAlert(Base):
    __tablename__ = "ledger_alerts"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    log_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("ledger_logs.id"), index=True)
    witness_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("ledger_witnesses.id"))
    #: an error code: ledger.head.inconsistent, ledger.head.rollback, ledger.signature.invalid, …
    kind: Mapped[str] = mapped_column(String(64))
    message: Mapped[str] = mapped_column(Text, default="")
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    raised_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)

    __table_args__ = (Index("ix_ledger_alerts_witness", "witness_id"),)
