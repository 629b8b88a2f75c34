"""Notification gateways (SMS, e-mail) behind one interface, chosen by settings.

The ``dev`` gateways are honest simulators: a message is "delivered" when the transaction
that sent it commits, and can be read on the development-only page ``/dev/messages``. A
deployment plugs a carrier's gateway in by implementing :class:`Gateway`. Phone numbers are
kept only masked plus a blind index, so even the simulator never stores a number in clear.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import TYPE_CHECKING, Protocol

from sqlalchemy import String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from onevisit.kernel.db import Base, BigId, UTCDateTime
from onevisit.kernel.masking import mask_phone
from onevisit.kernel.settings import Settings

if TYPE_CHECKING:
    from onevisit.kernel.platform import Platform


class Channel(enum.StrEnum):
    SMS = "sms"
    EMAIL = "email"


class DevMessage(Base):
    """A message captured by a development gateway."""

    __tablename__ = "dev_messages"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    channel: Mapped[str] = mapped_column(String(8))
    recipient_masked: Mapped[str] = mapped_column(String(64))
    recipient_index: Mapped[bytes] = mapped_column(index=True)
    body: Mapped[str] = mapped_column(Text)
    sent_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)


class Gateway(Protocol):
    channel: Channel

    def send(self, session: Session, recipient: str, body: str, now: dt.datetime) -> None: ...


class DevGateway:
    def __init__(self, channel: Channel, platform: Platform) -> None:
        self.channel = channel
        self._platform = platform

    def send(self, session: Session, recipient: str, body: str, now: dt.datetime) -> None:
        masked = mask_phone(recipient) if self.channel is Channel.SMS else _mask_email(recipient)
        session.add(
            DevMessage(
                channel=self.channel.value,
                recipient_masked=masked,
                recipient_index=self._platform.vault.index(recipient, kind=self.channel.encode()),
                body=body,
                sent_at=now,
            )
        )


def _mask_email(address: str) -> str:
    name, _, domain = address.partition("@")
    return (name[:1] + "***@" + domain) if domain else "***"


class Notifier:
    def __init__(self, sms: Gateway, email: Gateway) -> None:
        self.sms = sms
        self.email = email


class UnknownGatewayError(ValueError):
    pass


def build_notifier(settings: Settings, platform: Platform) -> Notifier:
    gateways: dict[Channel, Gateway] = {}
    for channel, choice in ((Channel.SMS, settings.sms_gateway), (Channel.EMAIL, settings.email_gateway)):
        if choice != "dev":
            raise UnknownGatewayError(f"unknown {channel.value} gateway {choice!r}; known: 'dev'")
        gateways[channel] = DevGateway(channel, platform)
    return Notifier(sms=gateways[Channel.SMS], email=gateways[Channel.EMAIL])


def recent_dev_messages(session: Session, *, limit: int = 50) -> list[DevMessage]:
    return list(session.scalars(select(DevMessage).order_by(DevMessage.id.desc()).limit(limit)))


def dev_messages_to(
    session: Session, platform: Platform, recipient: str, channel: Channel = Channel.SMS
) -> list[DevMessage]:
    index = platform.vault.index(recipient, kind=channel.encode())
    stmt = select(DevMessage).where(DevMessage.recipient_index == index).order_by(DevMessage.id)
    return list(session.scalars(stmt))
