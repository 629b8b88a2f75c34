"""The applications' periodic work: escalating overdue department tasks."""

from __future__ import annotations

from onevisit.applications.services.review import escalate_overdue
from onevisit.kernel.jobs import PeriodicJob
from onevisit.kernel.platform import Platform


def periodic_jobs(platform: Platform) -> list[PeriodicJob]:
    return [
        PeriodicJob("applications.escalate", 300, escalate_overdue, "escalate department tasks past their deadline")
    ]
