"""Periodic jobs: the work that happens on a clock rather than on a request.

A module that needs such work (sign due ledger heads, anchor the data-access log, query the
payment channels about orders nobody has heard from, deliver stranded outbox events) exposes
it from its ``jobs.py`` as :class:`PeriodicJob` values; the composition root
(``onevisit.app.periodic_jobs``) collects them and ``onevisit worker`` runs them.

A job's ``run`` is called with the platform and returns how many things it did (0 when there
was nothing to do); it must be idempotent and safe to run from two processes at once, since a
crash can make it run again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

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
