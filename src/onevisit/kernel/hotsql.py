"""Read-only SQL for the hottest paths, run straight on the DB-API cursor.

SQLAlchemy's result machinery costs about 100 µs per statement here, several times the
query itself; on paths served thousands of times a second (resolving the session on every
request, "My OneVisit") that dominated. A :class:`HotQuery` is written once with ``:name``
parameters, translated to the driver's style (``?``-free named style for sqlite3,
``%(name)s`` for psycopg), and returns plain tuples. Values come back as the driver gives
them, so callers convert with :func:`as_datetime` / :func:`as_date` where SQLite returns
text. Everything that writes goes through the ORM and the unit of work, never through here.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from onevisit.kernel.db import Database

_PARAM = re.compile(r"(?<![:\w]):(\w+)")


class HotQuery:
    def __init__(self, sql: str) -> None:
        self.sql = sql
        self._pyformat = _PARAM.sub(r"%(\1)s", sql.replace("%", "%%"))

    def text_for(self, dialect: str) -> str:
        return self.sql if dialect == "sqlite" else self._pyformat


class HotReader:
    """One pooled DB-API connection for a handful of hot queries."""

    def __init__(self, cursor: Any, dialect: str) -> None:
        self._cursor = cursor
        self._dialect = dialect

    def all(self, query: HotQuery, params: Mapping[str, object]) -> list[tuple[Any, ...]]:
        self._cursor.execute(query.text_for(self._dialect), dict(params))
        return [tuple(row) for row in self._cursor.fetchall()]

    def first(self, query: HotQuery, params: Mapping[str, object]) -> tuple[Any, ...] | None:
        self._cursor.execute(query.text_for(self._dialect), dict(params))
        row = self._cursor.fetchone()
        return tuple(row) if row is not None else None


@contextmanager
def hot_reader(db: Database) -> Iterator[HotReader]:
    connection = db.engine.raw_connection()
    dialect = db.engine.dialect.name
    driver = connection.driver_connection
    autocommit = dialect != "sqlite" and driver is not None
    try:
        if autocommit:
            # Each statement is its own snapshot: no BEGIN/ROLLBACK round trips. The pooled
            # connection is idle here (the pool rolled it back on return), so this is allowed.
            driver.autocommit = True  # type: ignore[union-attr]
        cursor = connection.cursor()
        try:
            yield HotReader(cursor, dialect)
        finally:
            cursor.close()
    finally:
        if autocommit:
            driver.autocommit = False  # type: ignore[union-attr]
        connection.close()


def as_datetime(value: object) -> dt.datetime:
    """An aware UTC datetime from what the driver returned (SQLite gives text)."""
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)
    parsed = dt.datetime.fromisoformat(str(value))
    return parsed.replace(tzinfo=dt.UTC) if parsed.tzinfo is None else parsed.astimezone(dt.UTC)


def as_date(value: object) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))
