"""The credential fixtures (departments, a citizen with an enterprise) for HTTP tests."""

from __future__ import annotations

from tests.unit.credentials.conftest import departments, people

__all__ = ["departments", "people"]
