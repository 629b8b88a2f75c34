"""The periodic-job worker: it runs jobs and records each run, two workers never run one
job at once, a crashed worker's lease expires, and a failing job stops nothing else."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import pytest
from sqlalchemy import create_engine, select, text
from typer.testing import CliRunner

from onevisit import cli
from onevisit.kernel.actors import system_actor
from onevisit.kernel.audit import AuditEvent
from onevisit.kernel.clock import FrozenClock
from onevisit.kernel.events import Event, OutboxMessage
from onevisit.kernel.jobs import PeriodicJob
from onevisit.kernel.platform import Platform
from onevisit.kernel.worker import (
    LEASE_SECONDS,
    Worker,
    claim,
    describe_error,
    ensure_rows,
    job_rows,
    release,
    request_run,
    run_job,
)


@dataclass(frozen=True, slots=True)
class Stranded(Event):
    name: ClassVar[str] = "test.stranded"
    what: str


class Counter:
    """A job body that counts its runs and how many ran at the same time."""

    def __init__(self, result: int = 3, pause: float = 0.0, fail: Exception | None = None) -> None:
        self.calls = 0
        self.running = 0
        self.most_at_once = 0
        self.result = result
        self.pause = pause
        self.fail = fail
        self._lock = threading.Lock()

    def __call__(self, platform: Platform) -> int:
        with self._lock:
            self.calls += 1
            self.running += 1
            self.most_at_once = max(self.most_at_once, self.running)
        try:
            time.sleep(self.pause)
            if self.fail is not None:
                raise self.fail
            return self.result
        finally:
            with self._lock:
                self.running -= 1


def job(name: str, body: Callable[[Platform], int], every: float = 60) -> PeriodicJob:
    return PeriodicJob(name, every, body, f"test job {name}")


def wait_for(condition: Callable[[], bool], seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_run_once_runs_every_job_and_records_each_run(platform: Platform, clock: FrozenClock) -> None:
    a, b = Counter(result=3), Counter(result=0)
    outcomes = Worker(platform, [job("test.a", a, every=30), job("test.b", b)]).run_once()
    assert [(o.name, o.ran, o.result, o.error) for o in outcomes] == [
        ("test.a", True, 3, None),
        ("test.b", True, 0, None),
    ]
    rows = job_rows(platform)
    assert rows["test.a"].runs == 1 and rows["test.a"].last_result == 3 and rows["test.a"].failures == 0
    assert rows["test.a"].last_started_at == clock.now() == rows["test.a"].last_finished_at
    assert (rows["test.a"].next_due_at - clock.now()).total_seconds() == 30
    assert rows["test.a"].lease_owner is None and rows["test.a"].lease_until is None


def test_a_failing_job_is_recorded_and_stops_nothing_else(platform: Platform, clock: FrozenClock) -> None:
    broken = Counter(fail=RuntimeError("the source is down\nTraceback details that stay out"))
    fine = Counter(result=5)
    worker = Worker(platform, [job("test.broken", broken), job("test.fine", fine)])
    outcomes = worker.run_once()
    assert outcomes[0].error == "RuntimeError: the source is down"
    assert outcomes[1].result == 5 and fine.calls == 1
    rows = job_rows(platform)
    assert rows["test.broken"].failures == 1 and rows["test.broken"].last_error == "RuntimeError: the source is down"
    assert rows["test.broken"].lease_owner is None  # the lease is released after a failure too
    broken.fail = None
    clock.advance(seconds=61)
    assert run_job(platform, job("test.broken", broken), "w").result == 3
    row = job_rows(platform)["test.broken"]
    assert row.last_error is None and row.runs == 2 and row.failures == 1  # a success clears the error


def test_a_job_runs_only_when_due(platform: Platform, clock: FrozenClock) -> None:
    body = Counter()
    tick = job("test.tick", body, every=60)
    ensure_rows(platform, [tick.name])
    assert run_job(platform, tick, "w").ran  # a new job is due at once
    assert not run_job(platform, tick, "w").ran
    clock.advance(seconds=59)
    assert not run_job(platform, tick, "w").ran
    clock.advance(seconds=1)
    assert run_job(platform, tick, "w").ran and body.calls == 2


def test_a_held_lease_keeps_other_workers_off_until_it_expires(platform: Platform, clock: FrozenClock) -> None:
    body = Counter()
    tick = job("test.tick", body)
    ensure_rows(platform, [tick.name])
    assert claim(platform, tick.name, "crashed-worker")  # claims, then dies without releasing
    assert not run_job(platform, tick, "other", force=True).ran
    clock.advance(seconds=LEASE_SECONDS - 1)
    assert not run_job(platform, tick, "other", force=True).ran
    clock.advance(seconds=2)  # the crashed worker's lease has expired
    outcome = run_job(platform, tick, "other")
    assert outcome.ran and body.calls == 1
    # the crashed worker, back from the dead, cannot record over the new owner's run
    assert not release(platform, tick, "crashed-worker", result=99, error=None, seconds=0)
    assert job_rows(platform)["test.tick"].last_result == 3


def test_two_workers_never_run_the_same_job_at_once(platform: Platform, clock: FrozenClock) -> None:
    body = Counter(pause=0.3)
    jobs = [job("test.slow", body, every=60)]
    first = Worker(platform, jobs, owner="first", poll_seconds=0.05).start()
    second = Worker(platform, jobs, owner="second", poll_seconds=0.05).start()
    try:
        wait_for(lambda: job_rows(platform)["test.slow"].runs == 1)
        time.sleep(0.3)  # both keep polling: the job is not due again, neither runs it
        assert body.calls == 1
        clock.advance(seconds=60)
        wait_for(lambda: job_rows(platform)["test.slow"].runs == 2)
        time.sleep(0.3)
        assert body.calls == 2  # once per interval across both workers, not once per worker
        assert body.most_at_once == 1
    finally:
        first.stop()
        second.stop()
    assert first.join(5) and second.join(5)


def test_a_worker_keeps_running_other_jobs_while_one_fails(platform: Platform, clock: FrozenClock) -> None:
    broken, fine = Counter(fail=RuntimeError("boom")), Counter()
    worker = Worker(platform, [job("test.broken", broken, 1), job("test.fine", fine, 1)], poll_seconds=0.05).start()
    try:
        for runs in (1, 2, 3):
            wait_for(lambda runs=runs: job_rows(platform)["test.fine"].runs >= runs)  # type: ignore[misc]
            clock.advance(seconds=1)
        wait_for(lambda: job_rows(platform)["test.broken"].failures >= 2)
    finally:
        worker.stop()
    assert worker.join(5)
    assert fine.calls >= 3 and job_rows(platform)["test.fine"].last_error is None


def test_run_now_makes_a_job_due_and_is_audited(platform: Platform, clock: FrozenClock) -> None:
    body = Counter()
    tick = job("test.tick", body, every=3600)
    ensure_rows(platform, [tick.name])
    run_job(platform, tick, "w")
    assert not run_job(platform, tick, "w").ran
    with platform.uow(system_actor("admin")) as uow:
        request_run(uow, "test.tick")
    assert run_job(platform, tick, "w").ran
    with platform.db.session() as session:
        assert session.scalar(select(AuditEvent.object_id).where(AuditEvent.action == "kernel.job_run_requested")) == (
            "test.tick"
        )
    with platform.uow(system_actor("admin")) as uow:  # a job no worker has run yet
        request_run(uow, "test.new")
    assert run_job(platform, job("test.new", body), "w").ran


def test_error_descriptions_carry_no_statement_parameters(platform: Platform) -> None:
    try:
        with platform.db.engine.connect() as conn:
            conn.execute(text("SELECT * FROM no_such_table WHERE secret = :s"), {"s": "330106199001011234"})
    except Exception as exc:
        described = describe_error(exc)
    assert "330106199001011234" not in described and "no_such_table" in described


def test_the_outbox_job_delivers_only_stranded_events(platform: Platform, clock: FrozenClock) -> None:
    from onevisit.kernel.jobs import deliver_stranded_events

    delivered: list[Stranded] = []
    platform.bus.subscribe(Stranded, lambda uow, event: delivered.append(event))
    with platform.uow() as uow:  # as if the process crashed between commit and delivery
        uow.session.add(OutboxMessage(name=Stranded.name, payload={"what": "x"}, created_at=clock.now(), attempts=0))
    assert deliver_stranded_events(platform) == 0  # fresh: the process that wrote it delivers it
    clock.advance(seconds=61)
    assert deliver_stranded_events(platform) == 1 and delivered == [Stranded("x")]
    assert deliver_stranded_events(platform) == 0


def test_the_worker_command(platform: Platform, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli, "_platform", lambda: platform)
    runner = CliRunner()
    listed = runner.invoke(cli.app, ["worker", "--list"])
    assert listed.exit_code == 0, listed.output
    assert "datahub.anchor" in listed.output and "ledger.sign_heads" in listed.output and "never run" in listed.output
    once = runner.invoke(cli.app, ["worker", "--once", "--job", "kernel.outbox", "--job", "datahub.anchor"])
    assert once.exit_code == 0, once.output
    assert "kernel.outbox: 0" in once.output and "datahub.anchor: 0" in once.output
    assert "ledger.sign_heads" not in once.output
    assert runner.invoke(cli.app, ["worker", "--job", "no.such"]).exit_code == 2
    assert "datahub.anchor" in runner.invoke(cli.app, ["worker", "--list"]).output


def test_sigterm_stops_the_worker_process_cleanly(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'worker.db'}"
    env = {**os.environ, "ONEVISIT_DATABASE_URL": url, "ONEVISIT_ENVIRONMENT": "development"}
    upgrade = subprocess.run(
        [sys.executable, "-m", "onevisit.cli", "db", "upgrade"], env=env, capture_output=True, timeout=120, check=False
    )
    assert upgrade.returncode == 0, upgrade.stderr
    process = subprocess.Popen(
        [sys.executable, "-m", "onevisit.cli", "worker"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        assert "running" in first and "datahub.anchor" in first, first
        deadline = time.monotonic() + 60
        engine = create_engine(url)
        while time.monotonic() < deadline:  # every job runs once at start (new jobs are due)
            with engine.connect() as conn:
                counts = conn.execute(
                    text("SELECT COUNT(*), SUM(CASE WHEN runs > 0 THEN 1 ELSE 0 END) FROM kernel_job_runs")
                )
                total, ran = counts.one()
                if total and ran == total:
                    break
            time.sleep(0.2)
        engine.dispose()
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, output
    assert "Worker stopped." in output
