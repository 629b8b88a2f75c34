"""Who is acting: a person signed in, a member of staff, or the system itself."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


class ActorKind(enum.StrEnum):
    ANONYMOUS = "anonymous"
    CITIZEN = "citizen"
    STAFF = "staff"
    SYSTEM = "system"


@dataclass(frozen=True, slots=True)
class Principal:
    """The authenticated subject of a request (or a job), with what it may do.

    ``acting_for_enterprise_id`` is set when a legal representative or a delegated agent has
    chosen to act for an enterprise; object-level checks use it.
    """

    kind: ActorKind
    account_id: int | None = None
    person_id: int | None = None
    display_name: str = ""
    roles: frozenset[str] = frozenset()
    permissions: frozenset[str] = frozenset()
    department_id: int | None = None
    acting_for_enterprise_id: int | None = None
    enterprise_ids: frozenset[int] = field(default_factory=frozenset)
    session_id: str | None = None

    @property
    def is_authenticated(self) -> bool:
        return self.kind is not ActorKind.ANONYMOUS

    def has(self, permission: str) -> bool:
        return permission in self.permissions

    @property
    def label(self) -> str:
        """How audit records name the actor (never an ID number)."""
        if self.kind is ActorKind.SYSTEM:
            return f"system:{self.display_name or 'job'}"
        if self.account_id is None:
            return "anonymous"
        return f"account:{self.account_id}"


ANONYMOUS = Principal(kind=ActorKind.ANONYMOUS)


def system_actor(name: str) -> Principal:
    return Principal(kind=ActorKind.SYSTEM, display_name=name, permissions=frozenset({"*"}))
