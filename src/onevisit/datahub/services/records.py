"""Loading records: validated rows in, sealed payloads out, in bulk, in one transaction.

``load`` replaces (or appends to) one item's records inside the caller's unit of work:
executemany on SQLite, COPY on PostgreSQL, 20,000 rows a chunk. Payloads are sealed with
the vault (kind ``b"datahub"``); ``seq`` numbers several records of one subject.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from onevisit.datahub.models import CatalogItem, DataRecord, DataSource
from onevisit.datahub.services.access import seal_record
from onevisit.kernel.uow import UnitOfWork

CHUNK = 50_000
#: SQLite page cache while loading (KiB, negative cache_size): keeps the records B-tree's
#: interior pages in memory, so inserts at random keys do not re-read them.
_SQLITE_CACHE_KIB = 256 * 1024
RECORD_COLUMNS = ("subject_key", "item_id", "seq", "payload")


def insert_rows(session: Session, table: str, columns: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
    """Bulk insert in the session's transaction (executemany on SQLite, COPY on PostgreSQL)."""
    if not rows:
        return
    connection = session.connection()
    raw: Any = connection.connection.driver_connection
    names = ", ".join(columns)
    if connection.dialect.name == "sqlite":
        cursor = raw.cursor()
        try:
            cursor.executemany(
                f"INSERT INTO {table} ({names}) VALUES ({', '.join('?' * len(columns))})",  # noqa: S608 - fixed names
                rows,
            )
        finally:
            cursor.close()
        return
    with raw.cursor() as cursor, cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


@contextmanager
def _big_cache(session: Session) -> Iterator[None]:
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        yield
        return
    raw: Any = connection.connection.driver_connection
    previous = raw.execute("PRAGMA cache_size").fetchone()[0]
    raw.execute(f"PRAGMA cache_size=-{_SQLITE_CACHE_KIB}")
    try:
        yield
    finally:
        raw.execute(f"PRAGMA cache_size={int(previous)}")


def load(
    uow: UnitOfWork,
    item: CatalogItem,
    rows: Iterable[tuple[bytes, dict[str, Any]]],
    *,
    replace: bool = True,
    advance: Callable[[int], None] | None = None,
) -> int:
    """Stores ``(subject_key, data)`` rows as ``item``'s records; returns how many."""
    session = uow.session
    vault = uow.platform.vault
    if replace and item.record_count:
        session.execute(delete(DataRecord).where(DataRecord.item_id == item.id))
    seqs: dict[bytes, int] = {}
    if not replace:
        for key, top in session.execute(
            select(DataRecord.subject_key, func.max(DataRecord.seq))
            .where(DataRecord.item_id == item.id)
            .group_by(DataRecord.subject_key)
        ):
            seqs[bytes(key)] = int(top) + 1
    loaded = 0
    batch: list[tuple[Any, ...]] = []
    with _big_cache(session):
        for key, data in rows:
            seq = seqs.get(key, 0)
            seqs[key] = seq + 1
            batch.append((key, item.id, seq, seal_record(vault, data)))
            if len(batch) >= CHUNK:
                batch.sort()  # key order: neighbouring inserts share B-tree pages
                insert_rows(session, "datahub_records", RECORD_COLUMNS, batch)
                loaded += len(batch)
                if advance:
                    advance(len(batch))
                batch = []
        batch.sort()
        insert_rows(session, "datahub_records", RECORD_COLUMNS, batch)
    loaded += len(batch)
    if advance and batch:
        advance(len(batch))
    now = uow.clock.now()
    item.record_count = loaded if replace else item.record_count + loaded
    item.data_updated_at = now
    source = session.get(DataSource, item.source_id)
    if source is not None:
        source.last_loaded_at = now
    session.flush()
    return loaded
