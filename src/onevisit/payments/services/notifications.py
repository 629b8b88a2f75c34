"""Channel notifications: verified before anything changes, every one of them recorded.

Order of checks: signature (with the key the channel fixes) → freshness of the signed
timestamp → the order exists, is on this channel, for this amount → not a replay (each
verified notification id is accepted once) → apply. A refused notification changes nothing
and is recorded with its reason (and logged) for the staff page.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from onevisit.kernel.actors import system_actor
from onevisit.kernel.errors import AppError
from onevisit.kernel.platform import Platform
from onevisit.payments.channels.gateway import Gateways
from onevisit.payments.channels.wire import WireError
from onevisit.payments.config import PaymentsConfig, get_payments_config
from onevisit.payments.models import AcceptedNotification, Notification, PaymentOrder
from onevisit.payments.services.orders import SettleOutcome, apply_event
from onevisit.payments.services.receipts import registrar_for

log = logging.getLogger("onevisit.payments.notifications")

FUTURE_SKEW_SECONDS = 300


@dataclass(frozen=True, slots=True)
class NotificationResult:
    accepted: bool  # answer the channel "success" (it stops retrying)
    outcome: str
    reason: str | None = None


def _record(
    platform: Platform,
    channel: str,
    body: bytes,
    *,
    ip: str | None,
    outcome: str,
    reason: str | None,
    notify_id: str | None = None,
    order_number: str | None = None,
) -> None:
    with platform.uow(system_actor("payments-notify"), ip=ip) as uow:
        uow.session.add(
            Notification(
                channel=channel,
                notify_id=notify_id,
                order_number=order_number,
                outcome=outcome,
                reason=reason,
                body_sha256=hashlib.sha256(body).hexdigest(),
                ip=ip,
                received_at=uow.clock.now(),
            )
        )
        if outcome == "rejected":
            uow.audit(
                "payments.notification_rejected",
                "notification",
                order_number or "-",
                {"channel": channel, "reason": reason},
            )


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
    config = config or get_payments_config()
    adapter = gateways.get(channel)

    def reject(reason: str, notify_id: str | None = None, order_number: str | None = None) -> NotificationResult:
        log.warning("refused a %s notification: %s (order %s)", channel, reason, order_number or "?")
        _record(
            platform,
            channel,
            body,
            ip=ip,
            outcome="rejected",
            reason=reason,
            notify_id=notify_id,
            order_number=order_number,
        )
        return NotificationResult(False, "rejected", reason)

    try:
        event = adapter.decode_notification(headers, body)
    except WireError as exc:
        return reject(exc.reason)
    now = platform.clock.now().timestamp()
    if event.timestamp < now - config.notification_max_age_seconds or event.timestamp > now + FUTURE_SKEW_SECONDS:
        return reject("stale", event.notify_id, event.order_number)
    body_hash = hashlib.sha256(body).hexdigest()
    try:
        with platform.uow(system_actor("payments-notify"), ip=ip) as uow:
            order = uow.session.scalar(select(PaymentOrder).where(PaymentOrder.number == event.order_number))
            if order is None:
                raise _Refused("order")
            # The id goes in first: a replay (or a concurrent twin, which waits on the index)
            # fails here and nothing of it is applied; its transaction rolls back and the
            # duplicate is recorded below.
            uow.session.add(
                AcceptedNotification(channel=channel, notify_id=event.notify_id, received_at=uow.clock.now())
            )
            uow.session.flush()
            outcome = apply_event(uow, order, event, via="notification")
            uow.session.add(
                Notification(
                    channel=channel,
                    notify_id=event.notify_id,
                    order_number=event.order_number,
                    outcome=outcome,
                    reason=None,
                    body_sha256=body_hash,
                    ip=ip,
                    received_at=uow.clock.now(),
                )
            )
    except IntegrityError:
        outcome = "duplicate"
        _record(
            platform,
            channel,
            body,
            ip=ip,
            outcome=outcome,
            reason=None,
            notify_id=event.notify_id,
            order_number=event.order_number,
        )
    except _Refused as refused:
        return reject(refused.reason, event.notify_id, event.order_number)
    except AppError as err:
        return reject(str(err.code).rsplit(".", 1)[-1], event.notify_id, event.order_number)
    if outcome == SettleOutcome.SETTLED:
        registrar_for(platform).register()
    return NotificationResult(True, outcome)


class _Refused(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def notification_counts(session: Session) -> dict[str, int]:
    rows = session.execute(select(Notification.outcome, func.count()).group_by(Notification.outcome))
    return {str(outcome): int(count) for outcome, count in rows.all()}


def recent_rejections(session: Session, limit: int = 50) -> list[Notification]:
    return list(
        session.scalars(
            select(Notification).where(Notification.outcome == "rejected").order_by(Notification.id.desc()).limit(limit)
        )
    )


__all__ = ["NotificationResult", "SettleOutcome", "handle_notification"]
