"""SQLite writers take turns (kernel/db.py), and a writer that never gets its turn fails loudly."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import pytest

from onevisit.kernel.db import _WriterGate


def test_a_second_writer_waits_for_the_first_then_gets_its_turn(tmp_path: Path) -> None:
    gate = _WriterGate(str(tmp_path / "a.db"))
    assert gate.acquire()
    got: list[float] = []

    def second() -> None:
        started = time.monotonic()
        assert gate.acquire(timeout=5)
        got.append(time.monotonic() - started)
        gate.release()

    thread = threading.Thread(target=second)
    thread.start()
    time.sleep(0.1)
    assert not got  # still waiting
    gate.release()
    thread.join(5)
    assert got and got[0] >= 0.09


def test_a_writer_that_never_gets_its_turn_fails_with_database_is_locked(tmp_path: Path) -> None:
    gate = _WriterGate(str(tmp_path / "a.db"))
    assert gate.acquire()
    errors: list[BaseException] = []

    def waiter() -> None:
        try:
            gate.acquire(timeout=0.2)
        except sqlite3.OperationalError as exc:
            errors.append(exc)

    thread = threading.Thread(target=waiter)
    thread.start()
    thread.join(5)
    assert errors and str(errors[0]).startswith("database is locked")
    gate.release()
    # the queue is clean after the timeout: the next writer goes straight in
    other = threading.Thread(target=lambda: (gate.acquire(timeout=1), gate.release()))
    other.start()
    other.join(5)
    assert not other.is_alive()


def test_another_process_holding_the_write_lock_times_out_too(tmp_path: Path) -> None:
    # Two gates on the same file stand for two processes: the flock is per open file.
    mine, theirs = _WriterGate(str(tmp_path / "a.db")), _WriterGate(str(tmp_path / "a.db"))
    assert theirs.acquire()
    with pytest.raises(sqlite3.OperationalError, match="database is locked"):
        mine.acquire(timeout=0.2)
    theirs.release()
    assert mine.acquire(timeout=1)
    mine.release()
