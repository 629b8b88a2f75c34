"""The platform: the process-wide services every module needs, built once from settings.

It is created by the composition root (``onevisit.app`` or the CLI) and reached by views
through ``request.app.state.platform``. Tests build their own with a frozen clock.
"""

from __future__ import annotations

from onevisit.kernel.actors import Principal, system_actor
from onevisit.kernel.clock import Clock, SystemClock
from onevisit.kernel.crypto import PersonalDataVault
from onevisit.kernel.db import Database
from onevisit.kernel.events import EventBus
from onevisit.kernel.notify import Notifier, build_notifier
from onevisit.kernel.ratelimit import MemoryRateLimiter, RateLimiter
from onevisit.kernel.settings import Settings
from onevisit.kernel.uow import UnitOfWork


class Platform:
    def __init__(
        self,
        settings: Settings,
        *,
        database: Database | None = None,
        clock: Clock | None = None,
        rate_limiter: RateLimiter | None = None,
    ) -> None:
        self.settings = settings
        self.db = database or Database(settings.database_url, echo=settings.database_echo)
        self.clock: Clock = clock or SystemClock()
        self.bus = EventBus()
        self.vault = PersonalDataVault.from_settings(settings)
        self.notifier: Notifier = build_notifier(settings, self)
        self.rate_limiter: RateLimiter = rate_limiter or MemoryRateLimiter(self.clock)

    def uow(self, actor: Principal | None = None, *, ip: str | None = None) -> UnitOfWork:
        return UnitOfWork(self.db.sessions(), actor=actor or system_actor("platform"), platform=self, ip=ip)

    def deliver_events(self, message_ids: list[int]) -> int:
        return self.bus.deliver(message_ids, lambda: self.uow(system_actor("outbox")))

    def deliver_pending_events(self) -> int:
        return self.bus.deliver_pending(lambda: self.uow(system_actor("outbox")))

    def close(self) -> None:
        self.db.dispose()
