"""Bulk loading inside the seed's own transaction: executemany on SQLite, COPY on PostgreSQL.

The ORM costs tens of microseconds a row; a million people and two million family ties
need the driver's bulk paths. The writer borrows the DBAPI connection underneath the unit
of work's session, so bulk rows and the ORM-made demo accounts commit (or roll back)
together. Values arrive already in the form the column stores (ISO date strings, sealed
bytes), and constants go through SQLAlchemy's own bind processors so a bulk row is
indistinguishable from an ORM row.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import ColumnElement, text
from sqlalchemy.orm import Session

#: SQLite page cache during the load (KiB, as a negative cache_size): holds the blind-index
#: B-trees of a million rows, so random-key inserts do not thrash.
_SQLITE_CACHE_KIB = 512 * 1024


class BulkWriter:
    def __init__(self, session: Session) -> None:
        self._session = session
        self._conn = session.connection()
        self.dialect = self._conn.dialect
        self._raw: Any = self._conn.connection.driver_connection

    @property
    def is_sqlite(self) -> bool:
        return self.dialect.name == "sqlite"

    def bound(self, column: ColumnElement[Any], value: object) -> object:
        """``value`` as the driver would receive it for ``column`` (through type processors)."""
        processor = column.type.bind_processor(self.dialect)
        return processor(value) if processor else value

    def insert(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
        if not rows:
            return
        names = ", ".join(columns)
        if self.is_sqlite:
            marks = ", ".join("?" * len(columns))
            cursor = self._raw.cursor()
            try:
                cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)  # noqa: S608 - fixed names
            finally:
                cursor.close()
            return
        with self._raw.cursor() as cursor, cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)

    def sync_sequence(self, table: str, column: str = "id") -> None:
        """After explicit ids on PostgreSQL, move the sequence past them (SQLite needs nothing)."""
        if self.is_sqlite:
            return
        self._conn.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'), "  # noqa: S608 - fixed names
                f"(SELECT COALESCE(MAX({column}), 0) + 1 FROM {table}), false)"
            )
        )

    @contextmanager
    def tuned(self) -> Iterator[None]:
        """Bulk-load settings for the duration of the load, restored afterwards."""
        if not self.is_sqlite:
            yield
            return
        cursor = self._raw.cursor()
        try:
            previous = cursor.execute("PRAGMA cache_size").fetchone()[0]
            cursor.execute(f"PRAGMA cache_size=-{_SQLITE_CACHE_KIB}")
            try:
                yield
            finally:
                cursor.execute(f"PRAGMA cache_size={int(previous)}")
        finally:
            cursor.close()
