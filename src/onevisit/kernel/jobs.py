"""Periodic jobs: the work that happens on a clock rather than on a request.

A module that needs such work (sign due ledger heads, anchor the data-access log, query the
payment channels about orders nobody has heard from, deliver stranded outbox events) exposes
it from its ``jobs.py`` as :class:`PeriodicJob` values; the composition root
(``onevisit.app.periodic_jobs``) collects them and ``onevisit worker`` runs them
(:mod:`onevisit.kernel.worker`).

A job's ``run`` is called with the platform and returns how many things it did (0 when there
was nothing to do); it must be idempotent and safe to run from two processes at once, since a
crash can make it run again. It reports failure by raising: the worker records the error
and runs the job again at its next turn.

:class:`JobRun` is the one row per job that the workers share: when it is next due, which
worker holds its lease (and until when), and how its last run went.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import BigInteger, Integer, String, select
from sqlalchemy.orm import Mapped, mapped_column

from onevisit.kernel.db import Base, UTCDateTime

if TYPE_CHECKING:
    from onevisit.kernel.platform import Platform


@dataclass(frozen=True, slots=True)
class PeriodicJob:
    #: dotted and stable, e.g. ``"payments.poll"``; shown in logs and on the staff page
    name: str
    #: how often to run it; the worker waits this long after a run ends
    every_seconds: float
    run: Callable[[Platform], int]
    #: one line for ``onevisit worker --list`` and the docs
    description: str = ""


class JobRun(Base):
    """A periodic job's schedule, lease and last run, shared by every worker process.

    A worker runs a job only after claiming its lease with one conditional ``UPDATE``
    (the lease is free or has expired, and the job is due), so two workers never run the
    same job at once; a worker that dies leaves a lease that simply expires.
    """

    __tablename__ = "kernel_job_runs"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    next_due_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    lease_owner: Mapped[str | None] = mapped_column(String(96))
    lease_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_started_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_result: Mapped[int | None] = mapped_column(BigInteger)
    #: the last run's error (type and first line; cleared by the next successful run)
    last_error: Mapped[str | None] = mapped_column(String(1000))
    last_duration_ms: Mapped[int | None] = mapped_column(Integer)
    runs: Mapped[int] = mapped_column(BigInteger, default=0)
    failures: Mapped[int] = mapped_column(BigInteger, default=0)


OUTBOX_STRANDED_AFTER = dt.timedelta(seconds=60)


def deliver_stranded_events(platform: Platform) -> int:
    """Delivers outbox events still undelivered a minute after they were written (a crash
    between commit and delivery), leaving fresh ones to the process that wrote them."""
    from onevisit.kernel.events import OutboxMessage

    cutoff = platform.clock.now() - OUTBOX_STRANDED_AFTER
    with platform.db.session() as session:
        ids = list(
            session.scalars(
                select(OutboxMessage.id)
                .where(OutboxMessage.delivered_at.is_(None), OutboxMessage.created_at < cutoff)
                .order_by(OutboxMessage.id)
                .limit(1000)
            )
        )
    return platform.deliver_events(ids) if ids else 0


def periodic_jobs(platform: Platform) -> list[PeriodicJob]:
    """The kernel's own periodic work."""
    return [
        PeriodicJob(
            "kernel.outbox",
            30,
            deliver_stranded_events,
            "Deliver outbox events left undelivered by a crash between commit and delivery.",
        )
    ]
