"""Tree heads at intervals: the loop (injected clock and round count), the in-process signer
started by the app's lifespan, and `onevisit ledger sign-heads` as a real process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from onevisit.app import create_app
from onevisit.kernel.clock import FrozenClock
from onevisit.kernel.platform import Platform
from onevisit.kernel.settings import Environment, Settings
from onevisit.ledger import append_many, latest_head
from onevisit.ledger.config import LedgerConfig, get_ledger_config
from onevisit.ledger.models import LedgerHead, LedgerLog
from onevisit.ledger.signer import Failed, Outcome, Signed, run_loop, sign_round, start_head_signer

ONEVISIT = Path(sys.executable).with_name("onevisit")


def _append(platform: Platform, log: str, start: int, count: int) -> None:
    with platform.uow() as uow:
        append_many(uow, log, [f"{log}-{i}".encode() for i in range(start, start + count)])


def test_the_loop_signs_each_due_log_once_per_interval(platform: Platform, clock: FrozenClock) -> None:
    _append(platform, "receipts", 0, 5)
    _append(platform, "evidence", 0, 3)
    rounds: list[list[Outcome]] = []
    grow = iter([("receipts", 5, 2), None, ("evidence", 3, 4), None])

    def wait(seconds: float) -> bool:  # between rounds: time passes, and sometimes a log grows
        clock.advance(seconds=seconds)
        if (step := next(grow)) is not None:
            _append(platform, *step)
        return False

    done = run_loop(platform, every=60, interval_seconds=120, rounds=5, report=rounds.append, wait=wait)
    assert done == 5
    signed = [sorted((o.log, o.tree_size) for o in r if isinstance(o, Signed)) for r in rounds]
    # t=0: both logs have entries and no head. receipts grows at once, but at t=60 its head
    # is younger than the 120 s interval, so it is re-signed at t=120. evidence grows after
    # that; its head (t=0) is old enough by t=180. At t=240 nothing has grown.
    assert signed == [[("evidence", 3), ("receipts", 5)], [], [("receipts", 7)], [("evidence", 7)], []]
    with platform.db.session() as session:
        assert latest_head(session, "receipts").head.tree_size == 7
        assert session.scalar(select(LedgerHead.tree_size).order_by(LedgerHead.id.desc()).limit(1)) == 7


def test_a_broken_log_is_reported_and_does_not_hold_back_the_others(platform: Platform) -> None:
    _append(platform, "receipts", 0, 4)
    _append(platform, "evidence", 0, 4)
    with platform.uow() as uow:
        log = uow.session.scalar(select(LedgerLog).where(LedgerLog.name == "evidence"))
        assert log is not None
        log.root_hash = bytes(32)  # the recorded root no longer matches the stored subtrees
    outcomes = sign_round(platform, 0)
    assert [o for o in outcomes if isinstance(o, Signed)] == [Signed("receipts", 4, outcomes[1].root_hash)]  # type: ignore[union-attr]
    assert [(o.log, o.code) for o in outcomes if isinstance(o, Failed)] == [("evidence", "ledger.storage.incomplete")]


def test_a_stop_request_ends_the_loop_between_rounds(platform: Platform) -> None:
    stop = threading.Event()
    stop.set()
    assert run_loop(platform, every=3600, stop=stop) == 0
    stop = threading.Event()
    seen: list[int] = []

    def report(outcomes: list[Outcome]) -> None:
        seen.append(len(outcomes))
        stop.set()  # as SIGTERM would, while a round runs

    started = time.monotonic()
    assert run_loop(platform, every=3600, stop=stop, report=report) == 1
    assert seen == [0] and time.monotonic() - started < 5


def test_the_in_process_signer_is_on_in_development_and_off_elsewhere(
    platform: Platform, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ONEVISIT_LEDGER_HEAD_INTERVAL_SECONDS", raising=False)
    development = Settings(environment=Environment.DEVELOPMENT, secret_key="x" * 40)
    production = Settings(environment=Environment.PRODUCTION, secret_key="x" * 40, data_key="0" * 64)
    assert LedgerConfig().head_interval(development) == 300
    assert LedgerConfig().head_interval(production) == 0
    assert LedgerConfig(head_interval_seconds=30).head_interval(production) == 30
    monkeypatch.setenv("ONEVISIT_LEDGER_HEAD_INTERVAL_SECONDS", "0")
    get_ledger_config.cache_clear()
    try:
        assert start_head_signer(platform) is None
    finally:
        monkeypatch.delenv("ONEVISIT_LEDGER_HEAD_INTERVAL_SECONDS")
        get_ledger_config.cache_clear()


def _signer_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "ledger-head-signer"]


def test_the_app_lifespan_starts_and_stops_the_signer(platform: Platform) -> None:
    get_ledger_config.cache_clear()
    assert platform.settings.is_development and not _signer_threads()
    with TestClient(create_app(platform=platform)) as client:
        assert client.get("/healthz").status_code == 200
        assert len(_signer_threads()) == 1
    assert not _signer_threads()


@pytest.mark.skipif(not ONEVISIT.exists(), reason="the onevisit script is not installed next to the interpreter")
def test_sign_heads_runs_as_its_own_process_until_sigterm(platform: Platform) -> None:
    _append(platform, "receipts", 0, 6)
    env = {
        **os.environ,
        "ONEVISIT_DATABASE_URL": platform.settings.database_url,
        "ONEVISIT_SECRET_KEY": platform.settings.secret_key,
        "ONEVISIT_ENVIRONMENT": "development",
        "PYTHONUNBUFFERED": "1",
    }
    process = subprocess.Popen(  # noqa: S603 - our own command, fixed arguments
        [str(ONEVISIT), "ledger", "sign-heads", "--every", "1"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert process.stdout is not None
        lines: list[str] = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line:
                break
            lines.append(line)
            if "signed head: receipts size 6" in line:
                break
        assert any("signed head: receipts size 6" in line for line in lines), "".join(lines)
        process.send_signal(signal.SIGTERM)
        rest, _ = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, rest
    assert "stopped after" in rest
    with platform.db.session() as session:
        assert latest_head(session, "receipts").head.tree_size == 6
