"""Payment tests run on the real clock: signed channel timestamps are checked against it."""

from __future__ import annotations

import pytest

from onevisit.kernel.clock import SystemClock


@pytest.fixture
def clock() -> SystemClock:
    return SystemClock()
