"""Credential events (announced after the transaction that caused them commits)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from onevisit.kernel.events import Event


@dataclass(frozen=True, slots=True)
class CredentialIssued(Event):
    """A certificate was issued into a holder's wallet."""

    name: ClassVar[str] = "credentials.issued"
    number: str
    type_code: str
    department_id: int
    source: str
    reference: str | None


@dataclass(frozen=True, slots=True)
class CredentialStatusChanged(Event):
    """A certificate was suspended, reinstated or revoked."""

    name: ClassVar[str] = "credentials.status_changed"
    number: str
    status: str
    reason_code: str
