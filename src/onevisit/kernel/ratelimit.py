"""Rate limiting by key (client address, account) over a sliding window.

The in-memory limiter serves one process; a multi-process deployment swaps in a shared one
(Redis) behind the same interface. Persistent per-account lock-out after failed logins is
kept in the database by ``identity``, so it survives restarts.
"""

from __future__ import annotations

import threading
from collections import deque
from typing import Protocol

from onevisit.kernel.clock import Clock


class RateLimiter(Protocol):
    def hit(self, key: str, *, limit: int, window_seconds: float) -> bool:
        """Counts one hit; returns False when ``key`` is over ``limit`` in the window."""
        ...

    def reset(self, key: str) -> None: ...


class MemoryRateLimiter:
    def __init__(self, clock: Clock, *, max_keys: int = 100_000) -> None:
        self._clock = clock
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()
        self._max_keys = max_keys

    def hit(self, key: str, *, limit: int, window_seconds: float) -> bool:
        now = self._clock.now().timestamp()
        with self._lock:
            hits = self._hits.get(key)
            if hits is None:
                if len(self._hits) >= self._max_keys:
                    self._hits.clear()  # bounded memory under a flood of distinct keys
                hits = self._hits[key] = deque()
            while hits and hits[0] <= now - window_seconds:
                hits.popleft()
            if len(hits) >= limit:
                return False
            hits.append(now)
            return True

    def reset(self, key: str) -> None:
        with self._lock:
            self._hits.pop(key, None)
