"""Resolving a session cookie into a :class:`~onevisit.kernel.actors.Principal`.

This runs on every authenticated request, so it is two plain SQL round trips (not ORM
queries): the session with its account, person and staff post; then the account's roles and
the enterprises the person represents or acts for.
"""

from __future__ import annotations

from sqlalchemy import text

from onevisit.identity.permissions import Role, permissions_for
from onevisit.identity.services.login import hash_token
from onevisit.kernel.actors import ActorKind, Principal
from onevisit.kernel.db import UTCDateTime
from onevisit.kernel.http.authz import PrincipalResolver
from onevisit.kernel.platform import Platform

_SESSION = text(
    """
    SELECT s.account_id, s.acting_for_enterprise_id, s.expires_at, a.active,
           p.id AS person_id, p.name, m.department_id
      FROM web_sessions s
      JOIN accounts a ON a.id = s.account_id
      JOIN persons p ON p.id = a.person_id
      LEFT JOIN staff_members m ON m.account_id = a.id
     WHERE s.token_hash = :token
    """
).columns(expires_at=UTCDateTime())

_GRANTS = text(
    """
    SELECT 'role' AS kind, role AS value FROM role_grants WHERE account_id = :account
    UNION ALL
    SELECT 'enterprise', CAST(id AS VARCHAR(20)) FROM enterprises WHERE legal_rep_id = :person
    UNION ALL
    SELECT 'enterprise', CAST(enterprise_id AS VARCHAR(20)) FROM enterprise_agents
     WHERE person_id = :person AND revoked_at IS NULL
    """
)


def make_resolver(platform: Platform) -> PrincipalResolver:
    engine = platform.db.engine

    def resolve(raw_token: str) -> Principal | None:
        now = platform.clock.now()
        with engine.connect() as conn:
            row = conn.execute(_SESSION, {"token": hash_token(raw_token)}).first()
            if row is None or row.expires_at <= now or not row.active:
                return None
            roles = {Role.CITIZEN}
            enterprise_ids: set[int] = set()
            for kind, value in conn.execute(_GRANTS, {"account": row.account_id, "person": row.person_id}):
                if kind == "role":
                    roles.add(value)
                else:
                    enterprise_ids.add(int(value))
        if enterprise_ids:
            roles.add(Role.ENTERPRISE)
        acting_for = row.acting_for_enterprise_id
        if acting_for is not None and acting_for not in enterprise_ids:
            acting_for = None  # the delegation was revoked after the session chose it
        return Principal(
            kind=ActorKind.STAFF if row.department_id is not None else ActorKind.CITIZEN,
            account_id=row.account_id,
            person_id=row.person_id,
            display_name=row.name,
            roles=frozenset(roles),
            permissions=permissions_for(roles),
            department_id=row.department_id,
            acting_for_enterprise_id=acting_for,
            enterprise_ids=frozenset(enterprise_ids),
            session_id=hash_token(raw_token),
        )

    return resolve
