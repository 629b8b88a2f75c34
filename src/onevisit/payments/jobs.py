"""The payments module's periodic work, run by ``onevisit worker``.

``payments.poll`` (every minute): asks each channel about orders still pending after
``ONEVISIT_PAYMENTS_QUERY_AFTER_SECONDS`` (their notification is late or lost), sends
refunds still waiting for their channel, and registers on the ledger any receipt a crash
left unregistered — the same round as ``onevisit payments poll``.

``payments.reconcile`` (hourly): reconciles yesterday (UTC) against every channel's
statement, once per channel and day; a day already reconciled is not run again.

Both are idempotent (every settlement is a conditional update, refunds go out by refund
number, receipts are claimed before registration), so a second worker or a manual run
cannot do anything twice.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from onevisit.kernel.errors import AppError
from onevisit.kernel.jobs import PeriodicJob
from onevisit.kernel.platform import Platform
from onevisit.payments.channels.gateway import gateways_for
from onevisit.payments.config import get_payments_config
from onevisit.payments.models import Reconciliation
from onevisit.payments.services.orders import poll_pending
from onevisit.payments.services.receipts import registrar_for
from onevisit.payments.services.reconciliation import reconcile
from onevisit.payments.services.refunds import send_pending_refunds

POLL_EVERY_SECONDS = 60
RECONCILE_EVERY_SECONDS = 3600


class ChannelsUnavailable(RuntimeError):
    """Some channels could not be reconciled (the others were): the run's error."""


def poll(platform: Platform) -> int:
    """Pending orders queried, refunds sent and receipts registered, in all."""
    gateways = gateways_for(platform)
    counts = poll_pending(platform, gateways, older_than_seconds=get_payments_config().query_after_seconds)
    refunds = send_pending_refunds(platform, gateways)
    registered = registrar_for(platform).register()
    return sum(counts.values()) + refunds + registered


def reconcile_yesterday(platform: Platform) -> int:
    """Channels reconciled for yesterday (UTC) in this run; 0 once all were."""
    day = platform.clock.now().astimezone(dt.UTC).date() - dt.timedelta(days=1)
    gateways = gateways_for(platform)
    with platform.db.session() as session:
        done = set(session.scalars(select(Reconciliation.channel).where(Reconciliation.statement_date == day)))
    ran, failed = 0, []
    for channel in gateways.names:
        if channel in done:
            continue
        try:
            reconcile(platform, gateways, channel, day)
        except AppError as exc:  # that channel's statement is not available yet: next hour
            failed.append(f"{channel} ({exc.code})")
            continue
        ran += 1
    if failed:
        raise ChannelsUnavailable(f"{ran} reconciled for {day}; not reconciled: " + ", ".join(failed))
    return ran


def periodic_jobs(platform: Platform) -> list[PeriodicJob]:
    return [
        PeriodicJob(
            "payments.poll",
            POLL_EVERY_SECONDS,
            poll,
            "Query the channels about orders with no notification; send pending refunds; register receipts.",
        ),
        PeriodicJob(
            "payments.reconcile",
            RECONCILE_EVERY_SECONDS,
            reconcile_yesterday,
            "Reconcile yesterday (UTC) against every channel's statement, once per channel.",
        ),
    ]
