"""Demo tests hash a handful of demo passwords per seed; a cheap argon2 profile keeps them fast.

The stored hashes still carry their parameters, so verification (and login) works exactly
as in production; only the cost of making them drops.
"""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher

from onevisit.kernel import passwords


@pytest.fixture(autouse=True)
def cheap_argon2(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(passwords, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
