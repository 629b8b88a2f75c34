"""Who may manage what: a department's staff manage their own department's sources, items
and requests; a province administrator manages every department's. Callers answer 404
rather than 403 for someone else's source or request, so its existence is not confirmed."""

from __future__ import annotations

from onevisit.kernel.actors import Principal


def is_province_admin(actor: Principal) -> bool:
    return actor.has("*") or "administrator" in actor.roles


def may_manage(actor: Principal, department_id: int | None) -> bool:
    """``actor`` may manage what ``department_id`` owns."""
    if is_province_admin(actor):
        return True
    return department_id is not None and actor.department_id == department_id
