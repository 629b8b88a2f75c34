"""Many instant approvals at the same moment, each thread on its own connection: every one
completes, with its certificate and its ledger entry; none fails with "database is locked".

On SQLite the platform is built with a busy timeout of 50 ms, far shorter than the time the
applications queue for the one write lock: a writer that waited in SQLite's busy handler
(as before writers took turns) would fail, and the user would see a 500."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from onevisit.applications.models import Application
from onevisit.applications.services import lifecycle
from onevisit.credentials.models import Credential
from onevisit.kernel.db import Database
from onevisit.kernel.platform import Platform
from onevisit.ledger.models import LedgerLog
from tests.unit.applications.conftest import Province

THREADS = 16
EACH = 4


def test_concurrent_instant_approvals_all_complete_without_database_is_locked(province: Province) -> None:
    base = province.platform
    platform = Platform(base.settings, database=Database(base.db.url, busy_timeout_ms=50), clock=base.clock)
    citizen = province.citizen()
    barrier = threading.Barrier(THREADS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def applicant(t: int) -> None:
        barrier.wait()
        for i in range(EACH):
            try:
                done, submitted = lifecycle.apply(
                    platform,
                    citizen,
                    "trans.ride_hailing_driver",
                    {"platform": "didi"},
                    idempotency_key=f"hammer-{t:02d}-{i:02d}",
                )
                result = done.status if submitted else "not submitted"
            except Exception as exc:  # what would have been a 500
                result = f"{type(exc).__name__}: {exc}"[:200]
            with lock:
                outcomes.append(result)

    threads = [threading.Thread(target=applicant, args=(t,)) for t in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    try:
        assert outcomes == ["completed"] * (THREADS * EACH), [o for o in outcomes if o != "completed"][:5]
        with platform.db.session() as session:
            apps = session.scalars(select(Application).where(Application.status == "completed")).all()
            assert len(apps) == THREADS * EACH
            numbers = {n for app in apps for n in app.certificates}
            assert len(numbers) == THREADS * EACH  # one certificate each
            stored = session.scalar(select(func.count()).where(Credential.number.in_(numbers)))
            assert stored == THREADS * EACH
            # every certificate has its own ledger entry: the log grew by one for each
            indices = session.scalars(select(Credential.ledger_index).where(Credential.number.in_(numbers))).all()
            assert len(set(indices)) == THREADS * EACH
            log = session.scalars(select(LedgerLog).where(LedgerLog.name == "certificates")).one()
            assert log.tree_size >= THREADS * EACH
    finally:
        platform.close()
