"""Named logs and appending to them.

Other modules call :func:`append` or :func:`append_many` inside their own unit of work, so
an entry is on the log exactly when the business change it records is committed::

    ref = ledger.append(uow, "receipts", {"receipt": "R-2026-0001", "amount_fen": 1200})

Appends to one log are serialised: the log's row is locked (``SELECT … FOR UPDATE`` on
PostgreSQL; on SQLite a no-op ``UPDATE`` takes the database write lock first) before its
size is read, so concurrent writers queue instead of taking the same index. The perfect
subtrees each batch completes are written with its leaves, from the log's frontier
(O(log n) stored hashes), never by rereading the log.

A batch is hashed, keyed and inserted a column at a time (list comprehensions and ``zip``
rather than a Python loop per entry), two ``executemany`` (COPY on PostgreSQL) in all:
the per-entry Python work is a small part of what the database costs.
"""

from __future__ import annotations

import hashlib
import re
import struct
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import repeat
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from onevisit.kernel.i18n import N_
from onevisit.kernel.rows import Rows
from onevisit.kernel.uow import UnitOfWork
from onevisit.ledger.config import LedgerConfig, get_ledger_config, log_keys
from onevisit.ledger.errors import LedgerError, LedgerInputError, LedgerNotFoundError, LedgerStorageError
from onevisit.ledger.events import LogCreated
from onevisit.ledger.merkle import EMPTY_ROOT, HASH_SIZE, LEAF_PREFIX, Frontier, Piece, range_pieces
from onevisit.ledger.models import LedgerEntry, LedgerLog
from onevisit.ledger.signing import canonical_json

LOG_NAME = re.compile(r"^[a-z][a-z0-9_.-]{0,63}$")
MAX_BATCH = 100_000
_LEAF_KEY = struct.Struct(">q")
_LEAF_KEYS = struct.Struct(f">q{HASH_SIZE - _LEAF_KEY.size}x")

Payload = bytes | Mapping[str, Any] | Sequence[Any]
"""Raw bytes, or a JSON value stored as its canonical JSON (RFC 8785, integers only)."""


@dataclass(frozen=True, slots=True)
class EntryRef:
    """Where an entry landed: keep it to ask for its inclusion proof later."""

    log: str
    index: int
    leaf_hash: bytes


def leaf_key(leaf: bytes) -> int:
    """What the lookup index holds for a leaf hash: its first 8 bytes as a signed big-endian
    64-bit integer (a ``BIGINT`` on both databases). Distinct hashes can share a key, so a
    lookup also compares the whole hash."""
    return int(_LEAF_KEY.unpack_from(leaf)[0])


def leaf_keys(leaves: Sequence[bytes]) -> list[int]:
    """:func:`leaf_key` of each hash, in one C-level pass over their concatenation."""
    return [key for (key,) in _LEAF_KEYS.iter_unpack(b"".join(leaves))]


def check_log_name(name: str) -> str:
    if not isinstance(name, str) or not LOG_NAME.match(name):
        raise LedgerInputError(
            LedgerError.LOG_NAME_INVALID,
            N_("A log name is 1 to 64 lower-case letters, digits, '.', '_' or '-', starting with a letter."),
        )
    return name


def entry_bytes(payload: Payload, *, max_bytes: int) -> bytes:
    if type(payload) is bytes and len(payload) <= max_bytes:  # the common case, first and cheapest
        return payload
    if isinstance(payload, bytes | bytearray | memoryview):
        data = bytes(payload)
    elif isinstance(payload, Mapping | list | tuple):
        data = canonical_json(payload)
    else:
        raise LedgerInputError(LedgerError.ENTRY_INVALID, N_("An entry is bytes or a JSON object or array."))
    if len(data) > max_bytes:
        raise LedgerInputError(
            LedgerError.ENTRY_INVALID,
            N_("An entry may hold at most %(max)s bytes; this one has %(size)s."),
            params={"max": max_bytes, "size": len(data)},
        )
    return data


def find_log(session: Session, name: str) -> LedgerLog:
    log = session.scalar(select(LedgerLog).where(LedgerLog.name == name))
    if log is None:
        raise LedgerNotFoundError(
            LedgerError.LOG_UNKNOWN, N_("There is no ledger log named %(log)s."), params={"log": name[:64]}
        )
    return log


def list_logs(session: Session) -> list[LedgerLog]:
    return list(session.scalars(select(LedgerLog).order_by(LedgerLog.name)))


def _is_sqlite(session: Session) -> bool:
    return session.get_bind().dialect.name == "sqlite"


def _take_sqlite_write_lock(session: Session, name: str) -> None:
    # SQLite has no row locks. A write (even one that changes nothing) makes the driver
    # BEGIN and takes the database write lock, so what is read next is the latest and
    # stays ours until commit; other writers wait (busy_timeout) instead of colliding.
    session.execute(
        update(LedgerLog)
        .where(LedgerLog.name == name)
        .values(tree_size=LedgerLog.tree_size)
        .execution_options(synchronize_session=False)
    )


def ensure_log(uow: UnitOfWork, name: str) -> LedgerLog:
    """The log called ``name``, created (with its own signing key) if it does not exist."""
    check_log_name(name)
    session = uow.session
    sqlite = _is_sqlite(session)
    if sqlite:
        _take_sqlite_write_lock(session, name)
    log = session.scalar(select(LedgerLog).where(LedgerLog.name == name))
    if log is not None:
        return log
    key = log_keys(uow.platform.settings).for_log(name)
    log = LedgerLog(
        name=name,
        log_id=key.key_id,
        public_key=key.public,
        tree_size=0,
        root_hash=EMPTY_ROOT,
        created_at=uow.clock.now(),
    )
    if sqlite:  # the write lock is held: nobody else can be creating it
        session.add(log)
        session.flush()
    else:
        try:
            with session.begin_nested():
                session.add(log)
        except IntegrityError:  # another process created it a moment ago
            return find_log(session, name)
    uow.audit("ledger.log_created", "ledger_log", name, {"log_id": key.key_id})
    uow.emit(LogCreated(log=name, log_id=key.key_id))
    return log


def lock_log(session: Session, name: str) -> LedgerLog:
    """The log's row, locked until the transaction ends, with its current size and root."""
    head = _locked_head(session, name)
    log = None if head is None else session.get(LedgerLog, head[0], populate_existing=True)
    if log is None:
        raise LedgerNotFoundError(
            LedgerError.LOG_UNKNOWN, N_("There is no ledger log named %(log)s."), params={"log": name[:64]}
        )
    return log


def _placeholder(session: Session) -> str:
    return "?" if _is_sqlite(session) else "%s"


def driver_rows(session: Session, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    """Runs one read statement on the DB-API cursor of the session's own connection (so in
    its transaction), with ``?`` (SQLite) or ``%s`` (psycopg) placeholders.

    The proof path's statements go here rather than through SQLAlchemy's result layer,
    which costs ~100 µs per statement, several times the indexed lookup itself (the same
    trade as ``kernel.hotsql``, which cannot be used here because it checks out its own
    pooled connection instead of the caller's transaction).
    """
    cursor = session.connection().connection.cursor()
    try:
        cursor.execute(sql, tuple(params))
        return [tuple(row) for row in cursor.fetchall()]
    finally:
        cursor.close()


def fetch_pieces(session: Session, log_id: int, pieces: list[Piece]) -> dict[Piece, bytes]:
    """Stored hashes of perfect subtrees (leaf hashes for level 0), in one query.

    Written as driver-level SQL on the DB-API cursor: a proof must cost well under a
    millisecond, and statement compilation plus SQLAlchemy's result layer would be most of
    that. Every term names the whole primary key, so the query is one index probe per piece.
    """
    q = _placeholder(session)
    leaves = sorted({index for level, index in pieces if level == 0})
    inner = sorted({(level, index) for level, index in pieces if level > 0})
    parts: list[str] = []
    params: list[int] = []
    if leaves:
        parts.append(
            f"SELECT 0, idx, leaf_hash FROM ledger_entries WHERE log_id = {q} AND idx IN ({', '.join([q] * len(leaves))})"  # noqa: S608, E501 - only placeholders are interpolated
        )
        params += [log_id, *leaves]
    if inner:
        # The whole key in every term, so each is one primary-key lookup (SQLite's OR
        # optimisation and PostgreSQL's BitmapOr both need that).
        condition = " OR ".join([f"(log_id = {q} AND level = {q} AND idx = {q})"] * len(inner))
        parts.append(f"SELECT level, idx, hash FROM ledger_nodes WHERE {condition}")  # noqa: S608 - placeholders only
        for level, index in inner:
            params += [log_id, level, index]
    if not parts:
        return {}
    rows = driver_rows(session, " UNION ALL ".join(parts), params)
    found: dict[Piece, bytes] = {(int(level), int(idx)): bytes(h) for level, idx, h in rows}
    if len(found) != len(leaves) + len(inner):
        missing = sorted(set(pieces) - found.keys())[:5]
        raise LedgerStorageError(
            LedgerError.STORAGE_INCOMPLETE,
            N_("Stored subtree hashes are missing from the log (for example %(missing)s)."),
            params={"missing": missing},
        )
    return found


def bulk_insert(session: Session, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
    """Inserts many rows in the session's transaction: COPY on PostgreSQL, executemany on SQLite."""
    if not rows:
        return
    connection = session.connection()
    if _is_sqlite(session):
        marks = ", ".join(["?"] * len(columns))
        # table and columns are fixed names from this module; values travel as parameters
        connection.exec_driver_sql(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)  # noqa: S608
        return
    raw: Any = connection.connection.driver_connection
    with raw.cursor() as cursor, cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


@contextmanager
def sqlite_page_cache(session: Session, cache_bytes: int) -> Iterator[None]:
    """On SQLite, a page cache of at least ``cache_bytes`` on the session's connection for the
    duration of the block, then the connection's own setting back (pooled connections serve
    every module; SQLite frees the pages above the restored size as they are released).
    Elsewhere, or when the connection's cache is that large already, nothing."""
    if not cache_bytes or not _is_sqlite(session):
        yield
        return
    rows = driver_rows(session, "PRAGMA cache_size", ())
    previous = int(rows[0][0])  # SQLite: a page count if positive, KiB if negative
    page_size = int(driver_rows(session, "PRAGMA page_size", ())[0][0])
    if (-previous * 1024 if previous < 0 else previous * page_size) >= cache_bytes:
        yield
        return
    driver_rows(session, f"PRAGMA cache_size={-(cache_bytes // 1024)}", ())
    try:
        yield
    finally:
        driver_rows(session, f"PRAGMA cache_size={previous}", ())


def append(uow: UnitOfWork, log_name: str, payload: Payload, *, config: LedgerConfig | None = None) -> EntryRef:
    """Appends one entry to ``log_name`` (created on first use)."""
    return append_many(uow, log_name, [payload], config=config)[0]


def append_many(
    uow: UnitOfWork, log_name: str, payloads: Iterable[Payload], *, config: LedgerConfig | None = None
) -> list[EntryRef]:
    """Appends entries in order, as one batch: consecutive indices, one lock, one insert."""
    config = config or get_ledger_config()
    datas = [entry_bytes(p, max_bytes=config.max_entry_bytes) for p in payloads]
    if len(datas) > MAX_BATCH:
        raise LedgerInputError(
            LedgerError.ENTRY_INVALID, N_("At most %(max)s entries may be appended at once."), params={"max": MAX_BATCH}
        )
    if not datas:
        return []
    session = uow.session
    head = _locked_head(session, log_name)
    if head is None:  # the first append to this log creates it
        ensure_log(uow, log_name)
        head = _locked_head(session, log_name)
        assert head is not None  # noqa: S101 - created just above, in this transaction
    lid, size, recorded_root = head
    pieces = range_pieces(0, size)
    found = fetch_pieces(session, lid, pieces)
    frontier = Frontier(size, [found[p] for p in pieces])
    if frontier.root() != recorded_root:
        raise LedgerStorageError(
            LedgerError.STORAGE_INCOMPLETE, N_("The log's stored subtrees do not match its recorded root.")
        )
    count = len(datas)
    indices = range(size, size + count)
    sha = hashlib.sha256
    hashes = [sha(LEAF_PREFIX + data).digest() for data in datas]  # merkle.leaf_hash, inlined
    entry_rows = list(zip(repeat(lid, count), indices, hashes, leaf_keys(hashes), datas, strict=True))
    node_rows = [(lid, level, index, h) for level, index, h in frontier.extend(hashes)]
    rows = Rows(session)
    if rows.pg and count <= SMALL_BATCH:  # one pipelined round trip
        with rows.pipeline():
            rows.insert("ledger_entries", _ENTRY_COLUMNS, entry_rows)
            rows.insert("ledger_nodes", _NODE_COLUMNS, node_rows)
            _set_head(session, rows, lid, frontier)
    else:
        with sqlite_page_cache(session, config.sqlite_append_cache_bytes):
            bulk_insert(session, "ledger_entries", [name for name, _ in _ENTRY_COLUMNS], entry_rows)
            bulk_insert(session, "ledger_nodes", [name for name, _ in _NODE_COLUMNS], node_rows)
        _set_head(session, rows, lid, frontier)
    return [EntryRef(log_name, index, h) for index, h in zip(indices, hashes, strict=True)]


_ENTRY_COLUMNS = (("log_id", "int"), ("idx", "int"), ("leaf_hash", "bytes"), ("leaf_key", "int"), ("data", "bytes"))
_NODE_COLUMNS = (("log_id", "int"), ("level", "int"), ("idx", "int"), ("hash", "bytes"))


_HEAD = "SELECT id, tree_size, root_hash FROM ledger_logs WHERE name = %s"
_HEAD_FOR_UPDATE = _HEAD + " FOR UPDATE"


def _locked_head(session: Session, name: str) -> tuple[int, int, bytes] | None:
    """The log's id, size and root, its row locked until the transaction ends (SQLite: the
    database's write lock taken), or ``None`` if there is no such log. On the DB-API
    cursor: every append starts here."""
    check_log_name(name)
    rows = Rows(session)
    if not rows.pg:
        _take_sqlite_write_lock(session, name)
    found = rows.all(_HEAD_FOR_UPDATE if rows.pg else _HEAD, [name])
    return (int(found[0][0]), int(found[0][1]), bytes(found[0][2])) if found else None


def _set_head(session: Session, rows: Rows, lid: int, frontier: Frontier) -> None:
    """The log's new size and root; the session's copy of the row, if it holds one, is
    brought up to date without another statement."""
    root = frontier.root()
    rows.run("UPDATE ledger_logs SET tree_size = %s, root_hash = %s WHERE id = %s", (frontier.size, root, lid))
    held = session.identity_map.get(identity_key(LedgerLog, lid))
    if held is not None:
        set_committed_value(held, "tree_size", frontier.size)
        set_committed_value(held, "root_hash", root)


#: on PostgreSQL, appends of up to this many entries write with one pipelined round trip
#: (COPY, which larger batches use, costs several round trips of its own)
SMALL_BATCH = 2000


def read_entries(session: Session, log_name: str, start: int, end: int) -> list[tuple[int, bytes, bytes]]:
    """Entries ``[start, end)`` as ``(index, leaf_hash, data)``; the range must exist."""
    log = find_log(session, log_name)
    if start < 0 or end < start or end > log.tree_size:
        raise LedgerInputError(
            LedgerError.INDEX_OUT_OF_RANGE,
            N_("Entries %(start)s to %(end)s are not all in a log of %(size)s entries."),
            params={"start": start, "end": end, "size": log.tree_size},
        )
    entries = LedgerEntry.__table__
    rows = session.execute(
        select(entries.c.idx, entries.c.leaf_hash, entries.c.data)
        .where(entries.c.log_id == log.id, entries.c.idx >= start, entries.c.idx < end)
        .order_by(entries.c.idx)
    )
    return [(int(i), bytes(h), bytes(d)) for i, h, d in rows]
