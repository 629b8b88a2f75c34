"""The worker: runs every module's periodic jobs, with leases, until it is told to stop.

``onevisit worker`` builds one :class:`Worker` over the jobs the composition root collects
(``onevisit.app.periodic_jobs``). Each job gets its own thread, so a slow job (anchoring a
million access rows) never delays a quick one (delivering an outbox event), and an error in
one job is logged, recorded and retried at its next turn without touching the others.

Coordination is in the database, in ``kernel_job_runs`` (:class:`~onevisit.kernel.jobs.JobRun`),
so any number of workers on any number of machines can run side by side:

* **Schedule.** ``next_due_at`` is shared: a job runs once per interval across all
  workers, not once per worker. A run ends by setting it to ``finish + every_seconds``.
* **Lease.** A worker claims a due job with one conditional ``UPDATE … WHERE lease is free
  or expired AND job is due``; only one claimant's ``UPDATE`` matches the row. While the job
  runs a heartbeat extends the lease; when the run ends the lease is released with the
  result. A worker that crashes leaves a lease that expires (:data:`LEASE_SECONDS`), after
  which another worker takes the job over.
* **Record.** Every run stores its start, finish, duration, result count and error (the
  exception's type and first line only: no parameters, which might carry personal data).

Times come from the platform's clock, so tests drive leases and schedules with a frozen
clock; waiting uses real time (``threading.Event.wait``).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import secrets
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TextIO

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError, StatementError

from onevisit.kernel.errors import AppError
from onevisit.kernel.jobs import JobRun, PeriodicJob
from onevisit.kernel.platform import Platform
from onevisit.kernel.uow import UnitOfWork

log = logging.getLogger("onevisit.worker")

#: How long a claimed lease lasts without a heartbeat; a crashed worker's job is free again
#: after at most this long.
LEASE_SECONDS = 60.0
#: How often a waiting job thread looks at the shared schedule again (another worker may
#: have run the job, an administrator may have asked for a run now).
POLL_SECONDS = 5.0


def worker_id() -> str:
    """``host:pid:random`` — unique per worker process, readable on the jobs page."""
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{secrets.token_hex(3)}"


def describe_error(exc: BaseException) -> str:
    """What the jobs page shows for a failed run: type and first line, never parameters."""
    if isinstance(exc, AppError):
        text = exc.message % dict(exc.params) if exc.params else exc.message
        return f"{exc.code}: {text}"[:1000]
    if isinstance(exc, StatementError) and exc.orig is not None:
        exc = exc.orig  # SQLAlchemy's own text appends the statement's parameters
    first = (str(exc).strip().splitlines() or [""])[0]
    return f"{type(exc).__name__}: {first}"[:1000]


@dataclass(frozen=True, slots=True)
class RunOutcome:
    name: str
    ran: bool  # False: not due, or another worker holds the lease
    result: int | None = None
    error: str | None = None
    seconds: float = 0.0


def ensure_rows(platform: Platform, names: Sequence[str]) -> None:
    """One ``kernel_job_runs`` row per job (due at once when new)."""
    with platform.db.session() as session:
        existing = set(session.scalars(select(JobRun.name).where(JobRun.name.in_(list(names)))))
    for name in names:
        if name in existing:
            continue
        try:
            with platform.db.engine.begin() as conn:
                conn.execute(insert(JobRun).values(name=name, runs=0, failures=0))
        except IntegrityError:
            pass  # another worker created it first


def claim(
    platform: Platform, name: str, owner: str, *, lease_seconds: float = LEASE_SECONDS, force: bool = False
) -> bool:
    """Takes ``name``'s lease if it is free (or expired) and the job is due (``force``: due
    or not); True when this worker now holds it. One statement, so exactly one claimant wins."""
    now = platform.clock.now()
    table = JobRun
    lease_free = (table.lease_until.is_(None)) | (table.lease_until < now)
    due = (table.next_due_at.is_(None)) | (table.next_due_at <= now)
    condition = lease_free if force else lease_free & due
    with platform.db.engine.begin() as conn:
        result = conn.execute(
            update(table)
            .where(table.name == name, condition)
            .values(lease_owner=owner, lease_until=now + dt.timedelta(seconds=lease_seconds), last_started_at=now)
        )
    return result.rowcount == 1


def renew(platform: Platform, name: str, owner: str, *, lease_seconds: float = LEASE_SECONDS) -> bool:
    """Extends a lease this worker holds; False when it has lost it."""
    now = platform.clock.now()
    table = JobRun
    with platform.db.engine.begin() as conn:
        result = conn.execute(
            update(table)
            .where(table.name == name, table.lease_owner == owner)
            .values(lease_until=now + dt.timedelta(seconds=lease_seconds))
        )
    return result.rowcount == 1


def release(
    platform: Platform,
    job: PeriodicJob,
    owner: str,
    *,
    result: int | None,
    error: str | None,
    seconds: float,
) -> bool:
    """Records the run and frees the lease; False when the lease had been lost meanwhile
    (the run is then not recorded: the worker that took over will record its own)."""
    now = platform.clock.now()
    table = JobRun
    values: dict[str, object] = {
        "lease_owner": None,
        "lease_until": None,
        "last_finished_at": now,
        "last_duration_ms": int(seconds * 1000),
        "next_due_at": now + dt.timedelta(seconds=job.every_seconds),
        "runs": table.runs + 1,
        "last_result": result,
        "last_error": error,
    }
    if error is not None:
        values["failures"] = table.failures + 1
    with platform.db.engine.begin() as conn:
        updated = conn.execute(update(table).where(table.name == job.name, table.lease_owner == owner).values(values))
    return updated.rowcount == 1


class _Heartbeat:
    """Renews a held lease every third of its length while a job runs."""

    def __init__(self, platform: Platform, name: str, owner: str, lease_seconds: float) -> None:
        self._args = (platform, name, owner)
        self._lease = lease_seconds
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._beat, name=f"lease:{name}", daemon=True)

    def _beat(self) -> None:
        platform, name, owner = self._args
        while not self._done.wait(self._lease / 3):
            try:
                if not renew(platform, name, owner, lease_seconds=self._lease):
                    log.warning("job %s: lease lost while running", name)
                    return
            except SQLAlchemyError:
                log.exception("job %s: renewing the lease failed", name)

    def __enter__(self) -> _Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._done.set()
        self._thread.join(5)


def run_job(
    platform: Platform,
    job: PeriodicJob,
    owner: str,
    *,
    force: bool = False,
    lease_seconds: float = LEASE_SECONDS,
) -> RunOutcome:
    """Claims ``job`` and runs it once if it is due (``force``: whenever its lease is free).

    Never raises for the job's own failure: the error is logged and recorded.
    """
    if not claim(platform, job.name, owner, lease_seconds=lease_seconds, force=force):
        return RunOutcome(job.name, ran=False)
    started = time.perf_counter()
    result: int | None = None
    error: str | None = None
    with _Heartbeat(platform, job.name, owner, lease_seconds):
        try:
            result = int(job.run(platform))
        except Exception as exc:  # one job's failure must not stop the others
            error = describe_error(exc)
            log.exception("job %s failed", job.name)
    seconds = time.perf_counter() - started
    if not release(platform, job, owner, result=result, error=error, seconds=seconds):
        log.warning("job %s: lease expired before the run ended; its outcome is not recorded", job.name)
    if error is None:
        log.info("job %s: %s in %.2f s", job.name, result, seconds)
    return RunOutcome(job.name, ran=True, result=result, error=error, seconds=seconds)


def seconds_until_due(platform: Platform, name: str) -> float:
    """How long until ``name`` is due (0: due now); leases held by others count as not due."""
    with platform.db.session() as session:
        row = session.get(JobRun, name)
    if row is None or row.next_due_at is None:
        return 0.0
    now = platform.clock.now()
    wait = (row.next_due_at - now).total_seconds()
    if row.lease_until is not None and row.lease_until > now:
        wait = max(wait, (row.lease_until - now).total_seconds())
    return max(wait, 0.0)


class Worker:
    """Runs ``jobs`` until :meth:`stop` (one thread per job)."""

    def __init__(
        self,
        platform: Platform,
        jobs: Sequence[PeriodicJob],
        *,
        owner: str | None = None,
        lease_seconds: float = LEASE_SECONDS,
        poll_seconds: float = POLL_SECONDS,
        on_outcome: Callable[[RunOutcome], None] = lambda _: None,
    ) -> None:
        names = [job.name for job in jobs]
        if len(set(names)) != len(names):
            raise ValueError(f"two periodic jobs share a name: {sorted(names)}")
        self.platform = platform
        self.jobs = list(jobs)
        self.owner = owner or worker_id()
        self.lease_seconds = lease_seconds
        self.poll_seconds = poll_seconds
        self.on_outcome = on_outcome
        self.stopping = threading.Event()
        self._threads: list[threading.Thread] = []

    def run_once(self, *, force: bool = True) -> list[RunOutcome]:
        """Each job once, one after the other (``force``: due or not, if no one holds it)."""
        ensure_rows(self.platform, [job.name for job in self.jobs])
        outcomes = []
        for job in self.jobs:
            outcome = run_job(self.platform, job, self.owner, force=force, lease_seconds=self.lease_seconds)
            self.on_outcome(outcome)
            outcomes.append(outcome)
        return outcomes

    def _loop(self, job: PeriodicJob) -> None:
        while not self.stopping.is_set():
            try:
                outcome = run_job(self.platform, job, self.owner, lease_seconds=self.lease_seconds)
                if outcome.ran:
                    self.on_outcome(outcome)
                wait = seconds_until_due(self.platform, job.name)
            except Exception:  # the database is unreachable, say: retry after a pause
                log.exception("job %s: scheduling failed", job.name)
                wait = self.poll_seconds
            self.stopping.wait(min(max(wait, 0.05), self.poll_seconds))

    def start(self) -> Worker:
        ensure_rows(self.platform, [job.name for job in self.jobs])
        for job in self.jobs:
            thread = threading.Thread(target=self._loop, args=(job,), name=f"job:{job.name}", daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def stop(self) -> None:
        """Asks every job thread to stop after its current run."""
        self.stopping.set()

    def join(self, timeout: float | None = None) -> bool:
        """Waits for the job threads; True when all have ended."""
        deadline = None if timeout is None else time.monotonic() + timeout
        for thread in self._threads:
            thread.join(None if deadline is None else max(deadline - time.monotonic(), 0))
        return not any(t.is_alive() for t in self._threads)


def request_run(uow: UnitOfWork, name: str) -> None:
    """Makes ``name`` due now (the jobs page's "Run now"): a running worker starts it within
    :data:`POLL_SECONDS`. Callers check that ``name`` is a job. Audited."""
    row = uow.session.get(JobRun, name)
    if row is None:
        row = JobRun(name=name, runs=0, failures=0)
        uow.session.add(row)
    row.next_due_at = uow.clock.now()
    uow.audit("kernel.job_run_requested", "job", name)


def job_rows(platform: Platform) -> dict[str, JobRun]:
    with platform.db.session() as session:
        return {row.name: row for row in session.scalars(select(JobRun))}


def _format_row(job: PeriodicJob, row: JobRun | None) -> str:
    if row is None or row.last_started_at is None:
        last = "never run"
    elif row.last_error:
        last = f"last {row.last_finished_at:%Y-%m-%d %H:%M:%S} FAILED: {row.last_error}"
    elif row.last_finished_at is None or (row.lease_until is not None):
        last = f"running since {row.last_started_at:%Y-%m-%d %H:%M:%S} ({row.lease_owner})"
    else:
        last = f"last {row.last_finished_at:%Y-%m-%d %H:%M:%S}: {row.last_result} in {row.last_duration_ms} ms"
    return f"{job.name:<26} every {job.every_seconds:>7g} s  {last}\n    {job.description}\n"


def run_worker(
    platform: Platform,
    jobs: Sequence[PeriodicJob],
    *,
    once: bool = False,
    list_only: bool = False,
    only: Sequence[str] = (),
    out: TextIO | None = None,
) -> int:
    """``onevisit worker``: list the jobs, run each once, or run them until SIGTERM/Ctrl-C.

    Returns the exit status: 0, 1 when ``--once`` saw a job fail, 2 for an unknown job name.
    """
    out = out or sys.stdout
    known = {job.name for job in jobs}
    unknown = [name for name in only if name not in known]
    if unknown:
        out.write(f"Unknown job {unknown[0]!r}. Jobs: {', '.join(sorted(known))}\n")
        return 2
    chosen = [job for job in jobs if not only or job.name in only]
    if list_only:
        rows = job_rows(platform)
        for job in chosen:
            out.write(_format_row(job, rows.get(job.name)))
        return 0
    if not logging.getLogger().handlers:
        level = logging.WARNING if once else logging.INFO  # --once prints its own summary
        logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
        # one line per job run is the worker's story; httpx's line per request to a channel is noise
        logging.getLogger("httpx").setLevel(max(level, logging.WARNING))
    worker = Worker(platform, chosen)
    if once:
        outcomes = worker.run_once()
        for o in outcomes:
            if not o.ran:
                out.write(f"{o.name}: skipped (another worker holds it)\n")
            elif o.error:
                out.write(f"{o.name}: FAILED after {o.seconds:.2f} s: {o.error}\n")
            else:
                out.write(f"{o.name}: {o.result} in {o.seconds:.2f} s\n")
        return 1 if any(o.error for o in outcomes) else 0
    return _run_until_stopped(worker, out)


def _run_until_stopped(worker: Worker, out: TextIO) -> int:
    interrupts = 0

    def on_signal(signum: int, _frame: object) -> None:
        nonlocal interrupts
        if signum == signal.SIGINT:
            interrupts += 1
            if interrupts > 1:
                os._exit(130)  # a second Ctrl-C: leave now (held leases expire by themselves)
        log.info("stopping after the running jobs finish (signal %s; Ctrl-C twice leaves at once)", signum)
        worker.stop()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        out.write(f"Worker {worker.owner} running {len(worker.jobs)} jobs: {', '.join(j.name for j in worker.jobs)}\n")
        out.flush()
        worker.start()
        while not worker.stopping.wait(1.0):
            pass
        worker.join()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    out.write("Worker stopped.\n")
    return 0
