"""Channel notifications: verified before anything changes, every one of them recorded.

Order of checks: signature (with the key the channel fixes) → freshness of the signed
timestamp → the order exists, is on this channel, for this amount → not a replay (each
verified notification id is accepted once) → apply. A refused notification changes nothing
and is recorded with its reason (and logged) for the staff page.

The first two checks need no database and run as the request arrives. The rest is
``settlement.settle_events``; in the web process, notifications arriving together are
settled together (:func:`batcher_for`: group commit, one transaction for all
that queued while the previous one ran), and each is answered only after its batch has
committed — so "success" to the channel always means "settled, durably".
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from onevisit.kernel import groupcommit, journal
from onevisit.kernel.actors import system_actor
from onevisit.kernel.groupcommit import GroupCommit
from onevisit.kernel.platform import Platform
from onevisit.payments.channels.gateway import Gateways
from onevisit.payments.channels.wire import WireError
from onevisit.payments.config import PaymentsConfig, get_payments_config
from onevisit.payments.models import Notification
from onevisit.payments.services.receipts import registrar_for
from onevisit.payments.services.settlement import Received, Result, SettleItem, SettleOutcome, settle_events

log = logging.getLogger("onevisit.payments.notifications")

FUTURE_SKEW_SECONDS = 300
MAX_BATCH = 200


@dataclass(frozen=True, slots=True)
class NotificationResult:
    accepted: bool  # answer the channel "success" (it stops retrying)
    outcome: str
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class Refused:
    """A notification refused before it reached the database (to be recorded)."""

    channel: str
    reason: str
    body_sha256: str
    ip: str | None
    notify_id: str | None = None
    order_number: str | None = None


def record_refusal(platform: Platform, refused: Refused) -> NotificationResult:
    log.warning(
        "refused a %s notification: %s (order %s)", refused.channel, refused.reason, refused.order_number or "?"
    )
    with platform.uow(system_actor("payments-notify"), ip=refused.ip) as uow:
        uow.session.add(
            Notification(
                channel=refused.channel,
                notify_id=refused.notify_id,
                order_number=refused.order_number,
                outcome=SettleOutcome.REJECTED,
                reason=refused.reason,
                body_sha256=refused.body_sha256,
                ip=refused.ip,
                received_at=uow.clock.now(),
            )
        )
        journal.audit_many(
            uow,
            [
                journal.AuditEntry(
                    "payments.notification_rejected",
                    "notification",
                    refused.order_number or "-",
                    {"channel": refused.channel, "reason": refused.reason},
                )
            ],
        )
    return NotificationResult(False, SettleOutcome.REJECTED, refused.reason)


def verify(
    platform: Platform,
    gateways: Gateways,
    channel: str,
    headers: Mapping[str, str],
    body: bytes,
    *,
    ip: str | None = None,
    config: PaymentsConfig | None = None,
) -> SettleItem | Refused:
    """The checks that need no database: the signature, then the signed timestamp.
    Returns what to settle, or why it is refused (for :func:`record_refusal`)."""
    config = config or get_payments_config()
    adapter = gateways.get(channel)
    body_sha256 = hashlib.sha256(body).hexdigest()
    try:
        event = adapter.decode_notification(headers, body)
    except WireError as exc:
        return Refused(channel, exc.reason, body_sha256, ip)
    now = platform.clock.now().timestamp()
    if event.timestamp < now - config.notification_max_age_seconds or event.timestamp > now + FUTURE_SKEW_SECONDS:
        return Refused(channel, "stale", body_sha256, ip, event.notify_id, event.order_number)
    return SettleItem(event, "notification", Received(body_sha256, ip))


def _answer(result: Result) -> NotificationResult:
    return NotificationResult(result.accepted, result.outcome, result.reason)


def settle_notifications(platform: Platform, items: Sequence[SettleItem]) -> list[Result]:
    """Settles verified notifications in one transaction (a system actor; each record keeps
    the sender's address)."""
    with platform.uow(system_actor("payments-notify")) as uow:
        return settle_events(uow, items)


def handle_notification(
    platform: Platform,
    gateways: Gateways,
    channel: str,
    headers: Mapping[str, str],
    body: bytes,
    *,
    ip: str | None = None,
    config: PaymentsConfig | None = None,
) -> NotificationResult:
    """One notification, start to finish, in the calling thread."""
    checked = verify(platform, gateways, channel, headers, body, ip=ip, config=config)
    if isinstance(checked, Refused):
        return record_refusal(platform, checked)
    result = settle_notifications(platform, [checked])[0]
    if result.outcome == SettleOutcome.SETTLED:
        registrar_for(platform).register()
    return _answer(result)


def _settled_any(outcomes: Sequence[Result | BaseException]) -> bool:
    return any(isinstance(o, Result) and o.outcome == SettleOutcome.SETTLED for o in outcomes)


def batcher_for(platform: Platform) -> GroupCommit[SettleItem, Result]:
    """The process's group commit for notifications: those that arrive while a batch is
    being settled are settled together in the next transaction, and each is answered only
    after its batch committed. The receipts settled meanwhile are registered on the ledger
    50 ms after the first of them, in one batch."""
    return groupcommit.for_platform(
        platform,
        "notifications",
        settle_notifications,
        follow_up=lambda target: registrar_for(target).register(),
        follow_up_if=_settled_any,
        max_batch=MAX_BATCH,
    )


async def settle_verified(platform: Platform, item: SettleItem) -> NotificationResult:
    return _answer(await batcher_for(platform).submit(item))


def notification_counts(session: Session) -> dict[str, int]:
    rows = session.execute(select(Notification.outcome, func.count()).group_by(Notification.outcome))
    return {str(outcome): int(count) for outcome, count in rows.all()}


def recent_rejections(session: Session, limit: int = 50) -> list[Notification]:
    return list(
        session.scalars(
            select(Notification).where(Notification.outcome == "rejected").order_by(Notification.id.desc()).limit(limit)
        )
    )


__all__ = [
    "NotificationResult",
    "Refused",
    "SettleOutcome",
    "handle_notification",
    "record_refusal",
    "settle_verified",
    "verify",
]
