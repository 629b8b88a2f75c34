"""Driver-level SQL for hot write paths (payments, policies, instant approvals), on the
unit of work's own connection.

Creating orders and settling payments runs a dozen statements per transaction, hundreds
of transactions a second. Through SQLAlchemy each statement costs ~250 µs of CPU in the
web process (statement caching, ORM execution, result rows), most of the platform's
budget; on the DB-API cursor it costs ~30 µs. Like ``kernel.hotsql`` (reads) and the
ledger's proof path, these statements are plain SQL — but they write, inside the caller's
unit of work (its transaction, committed once, with its audit records and events).

PostgreSQL gets set-based statements over arrays (``unnest``): one statement for a whole
batch, with a constant text so psycopg prepares it once. SQLite (in-process, no round
trips) runs the same row-at-a-time. Values are converted the way SQLAlchemy's column
types store them, so ORM reads see the same data: aware datetimes as UTC (SQLite: text
``YYYY-MM-DD HH:MM:SS.ffffff``), JSON as text.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy.orm import Session

#: PostgreSQL types for unnest arrays, by the kind of value a column holds
PG_ARRAY_TYPES = {
    "int": "bigint[]",
    "text": "text[]",
    "bool": "boolean[]",
    "time": "timestamptz[]",
    "date": "date[]",
    "bytes": "bytea[]",
    "json": "text[]",  # cast to json in the select list
}


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def pg_array(values: Iterable[Any], kind: str) -> str:
    """A PostgreSQL array literal (``{1,2}``, ``{"a","b"}``): psycopg's list adapter
    inspects every element (tens of µs per column); this is a string join."""
    if kind == "int":
        items = ("NULL" if v is None else str(int(v)) for v in values)
    elif kind == "bool":
        items = ("NULL" if v is None else ("t" if v else "f") for v in values)
    elif kind in ("time", "date"):
        items = ("NULL" if v is None else v.isoformat() for v in values)
    elif kind == "bytes":  # bytea's hex form, its backslash escaped for the array literal
        items = ("NULL" if v is None else '"\\\\x' + bytes(v).hex() + '"' for v in values)
    else:  # text, and json already turned into text
        items = ("NULL" if v is None else _quoted(str(v)) for v in values)
    return "{" + ",".join(items) + "}"


class Rows:
    """A DB-API cursor on the session's connection (in its transaction)."""

    def __init__(self, session: Session) -> None:
        connection = session.connection()
        self.pg = connection.dialect.name == "postgresql"
        self.driver = connection.connection.driver_connection
        self.cursor = connection.connection.cursor()

    @contextmanager
    def pipeline(self) -> Iterator[None]:
        """Statements whose results nobody reads, sent together (PostgreSQL's pipeline
        mode: one round trip; errors are raised on leaving the block)."""
        if self.pg and self.driver is not None:
            with self.driver.pipeline():
                yield
        else:
            yield

    # --- values -------------------------------------------------------------------
    def time(self, value: dt.datetime | None) -> Any:
        if value is None or self.pg:
            return value
        return value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f")

    def json_in(self, value: object) -> str:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))

    def json_out(self, value: Any) -> Any:
        return json.loads(value) if isinstance(value, str | bytes) else value

    def time_out(self, value: Any) -> dt.datetime | None:
        if value is None:
            return None
        if isinstance(value, dt.datetime):
            return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)
        parsed = dt.datetime.fromisoformat(str(value))
        return parsed.replace(tzinfo=dt.UTC) if parsed.tzinfo is None else parsed.astimezone(dt.UTC)

    # --- statements -----------------------------------------------------------------
    def all(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        self.cursor.execute(self._placeholders(sql), tuple(params))
        return [tuple(row) for row in self.cursor.fetchall()] if self.cursor.description else []

    def run(self, sql: str, params: Sequence[Any] = ()) -> None:
        self.cursor.execute(self._placeholders(sql), tuple(params))

    def where_in(self, column: str, values: Sequence[Any], kind: str = "text") -> tuple[str, list[Any]]:
        """``column = ANY(%s)`` (one array parameter) or ``column IN (?, ?, …)``."""
        if self.pg:
            return f"{column} = ANY(%s::{PG_ARRAY_TYPES[kind]})", [pg_array(values, kind)]
        return f"{column} IN ({', '.join('?' * len(values))})", list(values)

    def insert(
        self,
        table: str,
        columns: Sequence[tuple[str, str]],
        rows: Iterable[Sequence[Any]],
        *,
        on_conflict: str = "",
        returning: str = "",
    ) -> list[tuple[Any, ...]]:
        """Inserts rows (tuples in ``columns`` order; columns as ``(name, kind)`` with kind
        one of int, text, bool, time, date, bytes, json). One statement on PostgreSQL."""
        names = ", ".join(name for name, _ in columns)
        tail = (f" ON CONFLICT {on_conflict}" if on_conflict else "") + (f" RETURNING {returning}" if returning else "")
        converters = [self._converter(kind) for _, kind in columns]
        converted = [[convert(v) for convert, v in zip(converters, row, strict=True)] for row in rows]
        if not converted:
            return []
        if self.pg:
            arrays = ", ".join(f"%s::{PG_ARRAY_TYPES[kind]}" for _, kind in columns)
            select = ", ".join(f"u.{name}::json" if kind == "json" else f"u.{name}" for name, kind in columns)
            self.cursor.execute(
                f"INSERT INTO {table} ({names}) SELECT {select} FROM unnest({arrays}) AS u({names}){tail}",  # noqa: S608 - identifiers are ours
                [
                    pg_array(column, kind)
                    for column, (_, kind) in zip(zip(*converted, strict=True), columns, strict=True)
                ],
            )
            return [tuple(r) for r in self.cursor.fetchall()] if returning else []
        sql = f"INSERT INTO {table} ({names}) VALUES ({', '.join('?' * len(columns))}){tail}"  # noqa: S608 - identifiers are ours
        if not returning:
            self.cursor.executemany(sql, converted)
            return []
        found: list[tuple[Any, ...]] = []
        for row in converted:
            self.cursor.execute(sql, row)
            found += [tuple(r) for r in self.cursor.fetchall()]
        return found

    def _converter(self, kind: str) -> Any:
        if kind == "time":
            return self.time
        if kind == "date" and not self.pg:  # as SQLAlchemy's Date stores it on SQLite
            return lambda value: None if value is None else value.isoformat()
        if kind == "json":
            return self.json_in
        return lambda value: value

    def _placeholders(self, sql: str) -> str:
        return sql if self.pg else sql.replace("%s", "?")
