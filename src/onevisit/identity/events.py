"""Identity events."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from onevisit.kernel.events import Event


@dataclass(frozen=True, slots=True)
class PersonRegistered(Event):
    name: ClassVar[str] = "identity.person_registered"
    person_id: int
    region_code: str


@dataclass(frozen=True, slots=True)
class EnterpriseRegistered(Event):
    name: ClassVar[str] = "identity.enterprise_registered"
    enterprise_id: int
    credit_code: str


@dataclass(frozen=True, slots=True)
class AccountLocked(Event):
    name: ClassVar[str] = "identity.account_locked"
    account_id: int
    until: str


@dataclass(frozen=True, slots=True)
class AgentAuthorised(Event):
    name: ClassVar[str] = "identity.agent_authorised"
    enterprise_id: int
    person_id: int
