"""Payment settings, read from ``ONEVISIT_PAYMENTS_*`` environment variables.

``ONEVISIT_PAYMENTS_GATEWAY_URL``
    Where the channels live. In development and tests that is the channel simulator
    (``onevisit payments simulator``, default ``http://127.0.0.1:8100``); each channel is a
    path under it (``/alipay``, ``/wechat``, ``/unionpay``, ``/counter``).
``ONEVISIT_PAYMENTS_CHANNEL_SECRET``
    The seed both sides derive the channel keys from (merchant HMAC keys, the gateways'
    Ed25519 / HMAC notification keys). Unset: derived from ``ONEVISIT_SECRET_KEY``. A real
    deployment configures each channel's public key / API key instead.
``ONEVISIT_PAYMENTS_NOTIFICATION_MAX_AGE_SECONDS``
    Notifications older than this (by their signed timestamp) are refused as stale (default
    48 h: gateways retry for a day or more).
``ONEVISIT_PAYMENTS_QUERY_AFTER_SECONDS``
    A pending order with no notification after this long is queried at the channel.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from onevisit.kernel.settings import Settings


class PaymentsConfig(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ONEVISIT_PAYMENTS_", env_file=None, extra="ignore")

    gateway_url: str = "http://127.0.0.1:8100"
    channel_secret: str = ""
    notification_max_age_seconds: int = Field(default=48 * 3600, gt=0)
    query_after_seconds: int = Field(default=30, ge=0)
    http_timeout_seconds: float = Field(default=10.0, gt=0)

    def secret(self, settings: Settings) -> bytes:
        raw = self.channel_secret or ("channels:" + settings.secret_key)
        return hashlib.sha256(raw.encode()).digest()


@lru_cache(maxsize=1)
def get_payments_config() -> PaymentsConfig:
    return PaymentsConfig()
