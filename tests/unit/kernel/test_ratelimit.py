from __future__ import annotations

import datetime as dt

from onevisit.kernel.clock import FrozenClock
from onevisit.kernel.ratelimit import MemoryRateLimiter

START = dt.datetime(2026, 11, 20, 9, 30, tzinfo=dt.UTC)


def test_the_limit_applies_within_the_window_and_lifts_when_it_slides() -> None:
    clock = FrozenClock(START)
    limiter = MemoryRateLimiter(clock)
    assert [limiter.hit("ip:1", limit=3, window_seconds=60) for _ in range(4)] == [True, True, True, False]
    clock.advance(seconds=59)
    assert not limiter.hit("ip:1", limit=3, window_seconds=60)
    clock.advance(seconds=1)  # the first three hits are now 60 s old: out of the window
    assert limiter.hit("ip:1", limit=3, window_seconds=60)


def test_refused_hits_do_not_extend_the_window() -> None:
    clock = FrozenClock(START)
    limiter = MemoryRateLimiter(clock)
    limiter.hit("k", limit=1, window_seconds=10)
    for _ in range(5):
        clock.advance(seconds=1)
        assert not limiter.hit("k", limit=1, window_seconds=10)
    clock.advance(seconds=5)
    assert limiter.hit("k", limit=1, window_seconds=10)


def test_keys_are_independent_and_reset_clears_one() -> None:
    limiter = MemoryRateLimiter(FrozenClock(START))
    assert limiter.hit("a", limit=1, window_seconds=60)
    assert not limiter.hit("a", limit=1, window_seconds=60)
    assert limiter.hit("b", limit=1, window_seconds=60)
    limiter.reset("a")
    assert limiter.hit("a", limit=1, window_seconds=60)
    assert not limiter.hit("b", limit=1, window_seconds=60)


def test_memory_stays_bounded_under_many_distinct_keys() -> None:
    limiter = MemoryRateLimiter(FrozenClock(START), max_keys=10)
    for n in range(100):
        assert limiter.hit(f"k{n}", limit=1, window_seconds=60)
    assert len(limiter._hits) <= 10
