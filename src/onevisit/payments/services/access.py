"""Which departments' money a member of staff may see and act on.

A department's administrators see their own department's account and may refund only
payments made to it; the province's administrators (and system actors) see every
department's. Someone else's order answers "not found", so its existence is not confirmed.
"""

from __future__ import annotations

from onevisit.kernel.actors import Principal

PROVINCE_ROLE = "administrator"


def sees_every_department(actor: Principal) -> bool:
    return actor.has("*") or PROVINCE_ROLE in actor.roles


def departments_of(actor: Principal) -> frozenset[int] | None:
    """The departments ``actor`` may see, or None for all of them."""
    if sees_every_department(actor):
        return None
    return frozenset({actor.department_id}) if actor.department_id is not None else frozenset()


def may_act_for(actor: Principal, department_id: int) -> bool:
    scope = departments_of(actor)
    return scope is None or department_id in scope
