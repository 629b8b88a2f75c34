"""The data platform's periodic work, run by ``onevisit worker``:

* ``datahub.anchor`` — anchor new access-log rows on the ledger's ``data-access`` log
  (what ``onevisit datahub anchor`` does), every minute;
* ``datahub.expire_requests`` — mark approvals past their end date ``expired`` (lookups
  already refuse them the moment the date passes; this keeps the inboxes honest);
* ``datahub.refresh`` — re-read the items of sources that can be refreshed (SQL, HTTP,
  a staging table, a file on the server) once their declared frequency says they are due;
* ``datahub.quality`` — scan for sources that disagree about a subject (conflicts).
"""

from __future__ import annotations

from onevisit.datahub.services.anchoring import BATCH, anchor_pending
from onevisit.datahub.services.imports import refresh
from onevisit.datahub.services.quality import scan_conflicts
from onevisit.datahub.services.requests import expire_due
from onevisit.datahub.services.sources import due_items
from onevisit.kernel.actors import system_actor
from onevisit.kernel.errors import AppError
from onevisit.kernel.jobs import PeriodicJob
from onevisit.kernel.platform import Platform

ACTOR = "datahub-worker"


def anchor(platform: Platform) -> int:
    total = 0
    while True:
        with platform.uow(system_actor(ACTOR)) as uow:
            done = anchor_pending(uow, limit=BATCH)
        total += done
        if done < BATCH:
            return total


def expire_requests(platform: Platform) -> int:
    with platform.uow(system_actor(ACTOR)) as uow:
        return expire_due(uow)


class RefreshFailed(RuntimeError):
    """Some due items could not be refreshed (the others were)."""


def refresh_due(platform: Platform) -> int:
    """Refreshes every due item, each in its own transaction; raises after the others ran
    when some failed, so the jobs page shows which."""
    with platform.db.session() as session:
        due = due_items(session, platform.clock.now())
    loaded, failed = 0, []
    for code in due:
        try:
            loaded += refresh(platform, system_actor(ACTOR), item_code=code).rows_loaded
        except AppError as err:
            failed.append(f"{code} ({err.code})")
    if failed:
        raise RefreshFailed(f"{len(due) - len(failed)} refreshed; failed: {', '.join(failed)}")
    return loaded


def scan_quality(platform: Platform) -> int:
    with platform.uow(system_actor(ACTOR)) as uow:
        return scan_conflicts(uow)


def periodic_jobs(platform: Platform) -> list[PeriodicJob]:
    return [
        PeriodicJob("datahub.anchor", 60, anchor, "Anchor new data-access log rows on the ledger."),
        PeriodicJob(
            "datahub.expire_requests", 300, expire_requests, "Mark access approvals past their end date expired."
        ),
        PeriodicJob(
            "datahub.refresh", 600, refresh_due, "Re-read sources whose declared update frequency says they are due."
        ),
        PeriodicJob(
            "datahub.quality", 6 * 3600, scan_quality, "Scan for sources that disagree about a subject (conflicts)."
        ),
    ]
