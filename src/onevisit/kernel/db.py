"""Engine, sessions and the declarative base, for SQLite (embedded default) and PostgreSQL.

Every module's tables derive from :class:`Base`. Services receive a ``Session`` and never
commit themselves: the unit of work (``kernel.uow``) commits once and then delivers events.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import os
import re
import sqlite3
import threading
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import BigInteger, DateTime, Integer, MetaData, create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.pool import StaticPool
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

#: 64-bit ids on PostgreSQL; SQLite's rowid alias needs plain INTEGER to autoincrement.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Timezone-aware UTC datetimes on both back ends (SQLite stores them naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use kernel.clock for aware UTC times")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


#: how long a SQLite statement waits for another connection's lock before "database is locked"
SQLITE_BUSY_TIMEOUT_MS = 10_000
#: how long a write transaction waits for its turn (below) before "database is locked": long
#: enough for a burst of queued writers, short enough that a stuck writer fails loudly
SQLITE_WRITE_TURN_TIMEOUT_S = 60.0


def _sqlite_pragmas(busy_timeout_ms: int) -> Any:
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.close()

    return on_connect


# --- SQLite writers, one at a time -----------------------------------------------------------
#
# SQLite has one write lock per database. A connection that finds it taken retries in
# SQLite's busy handler, sleeping up to 100 ms between tries, and gives up with "database is
# locked" after the busy timeout. With dozens of request threads in a process all polling,
# a newcomer often takes the lock in the moment between two sleeps of a thread that has
# waited long, so under load some writers wait past the timeout and the user gets a 500.
#
# So writers queue instead of polling: a write transaction (the driver's implicit BEGIN
# before the first INSERT/UPDATE/DELETE, or an explicit BEGIN/SAVEPOINT) first takes its
# turn in the process's first-come-first-served queue for that database file, then an
# exclusive flock on ``<database>-writer`` (other processes: server workers, the worker,
# the CLI), and gives both back when the transaction ends (commit, rollback, close). Only
# the write phase is serialised, as SQLite serialises it anyway; readers never wait. A
# thread that already writes through another connection is not made to wait for itself:
# its second connection meets SQLite's own busy timeout, as before.

_WRITE = re.compile(r"\s*(INSERT|UPDATE|DELETE|REPLACE|BEGIN|SAVEPOINT)\b", re.IGNORECASE)


class _WriterGate:
    """One process's turn-taking for one SQLite file (first come, first served)."""

    def __init__(self, path: str) -> None:
        self._condition = threading.Condition(threading.Lock())
        self._queue: deque[object] = deque()
        self._owner: int | None = None  # the thread whose transaction holds the turn
        self._fd = os.open(path + "-writer", os.O_RDWR | os.O_CREAT, 0o600)

    def acquire(self, timeout: float = SQLITE_WRITE_TURN_TIMEOUT_S) -> bool:
        """Waits for this thread's turn; ``False`` if it holds the turn already.

        Raises ``sqlite3.OperationalError("database is locked …")`` after ``timeout`` seconds,
        as SQLite itself would, so a stuck writer elsewhere fails requests instead of hanging them.
        """
        me = threading.get_ident()
        ticket = object()
        deadline = time.monotonic() + timeout
        with self._condition:
            if self._owner == me:
                return False
            self._queue.append(ticket)
            while self._owner is not None or self._queue[0] is not ticket:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    self._queue.remove(ticket)
                    self._condition.notify_all()
                    raise sqlite3.OperationalError(f"database is locked (no write turn within {timeout:g} s)")
                self._condition.wait(remaining)
            self._queue.popleft()
            self._owner = me
        try:
            self._lock_file(deadline, timeout)  # other processes' writers (kernel-queued)
        except BaseException:
            self._give_back()
            raise
        return True

    def _lock_file(self, deadline: float, timeout: float) -> None:
        pause = 0.001
        while True:
            try:
                fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise sqlite3.OperationalError(
                        f"database is locked (another process kept writing for {timeout:g} s)"
                    ) from None
                time.sleep(pause)
                pause = min(pause * 2, 0.02)

    def release(self) -> None:
        fcntl.flock(self._fd, fcntl.LOCK_UN)
        self._give_back()

    def _give_back(self) -> None:
        with self._condition:
            self._owner = None
            self._condition.notify_all()


_GATES: dict[tuple[int, str], _WriterGate] = {}
_GATES_LOCK = threading.Lock()


def _gate_for(path: str) -> _WriterGate:
    key = (os.getpid(), path)  # a forked child gets its own (a flock is shared across fork)
    gate = _GATES.get(key)
    if gate is None:
        with _GATES_LOCK:
            gate = _GATES.get(key)
            if gate is None:
                gate = _GATES[key] = _WriterGate(path)
    return gate


class _GatedCursor(sqlite3.Cursor):
    def execute(self, sql: str, parameters: Any = (), /) -> _GatedCursor:
        connection: _GatedConnection = self.connection  # type: ignore[assignment]
        connection._before(sql)
        try:
            super().execute(sql, parameters)
        finally:
            connection._after()
        return self

    def executemany(self, sql: str, seq_of_parameters: Any, /) -> _GatedCursor:
        connection: _GatedConnection = self.connection  # type: ignore[assignment]
        connection._before(sql)
        try:
            super().executemany(sql, seq_of_parameters)
        finally:
            connection._after()
        return self


class _GatedConnection(sqlite3.Connection):
    """A sqlite3 connection whose write transactions take their turn (see above)."""

    _gate_path = ""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._gate = _gate_for(self._gate_path)
        self._holding = False

    def cursor(self, factory: Any = None) -> Any:
        return super().cursor(factory or _GatedCursor)

    def _before(self, sql: str) -> None:
        if not self._holding and not self.in_transaction and _WRITE.match(sql):
            self._holding = self._gate.acquire()

    def _after(self) -> None:
        if self._holding and not self.in_transaction:  # autocommit, a failed first write, COMMIT, RELEASE
            self._holding = False
            self._gate.release()

    def _end(self) -> None:
        if self._holding:
            self._holding = False
            self._gate.release()

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            if not self.in_transaction:
                self._end()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self._end()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._end()


def _gated_factory(path: str) -> type[_GatedConnection]:
    return type("GatedConnection", (_GatedConnection,), {"_gate_path": os.path.realpath(path)})


def make_engine(url: str, *, echo: bool = False, busy_timeout_ms: int = SQLITE_BUSY_TIMEOUT_MS) -> Engine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if not path or path == ":memory:":
            # One shared connection, or every session would see its own empty database.
            engine = create_engine(url, echo=echo, connect_args={"check_same_thread": False}, poolclass=StaticPool)
            event.listen(engine, "connect", _sqlite_pragmas(busy_timeout_ms))
            return engine
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            echo=echo,
            connect_args={"check_same_thread": False, "factory": _gated_factory(path)},
            pool_size=20,
            max_overflow=20,
        )
        event.listen(engine, "connect", _sqlite_pragmas(busy_timeout_ms))
        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    # No pre-ping: it costs a round trip on every checkout. Dead connections are detected on
    # use (SQLAlchemy invalidates the pool on a disconnect error) and recycled hourly.
    return create_engine(url, echo=echo, pool_size=20, max_overflow=20, pool_recycle=3600)


class Database:
    """The engine and a session factory; one per process, kept on ``app.state``."""

    def __init__(self, url: str, *, echo: bool = False, busy_timeout_ms: int = SQLITE_BUSY_TIMEOUT_MS) -> None:
        self.url = url
        self.engine = make_engine(url, echo=echo, busy_timeout_ms=busy_timeout_ms)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False, autoflush=True)

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A read-mostly session; callers that change state use ``kernel.uow.UnitOfWork``."""
        with self.sessions() as session:
            yield session

    def dispose(self) -> None:
        self.engine.dispose()
