"""Resolving a session cookie into a :class:`~onevisit.kernel.actors.Principal`.

This runs on every authenticated request, so it is one round trip of plain SQL on the
DB-API cursor (see ``kernel.hotsql``): the session with its account, person and staff post,
plus one row per role and per enterprise the person represents or acts for.
"""

from __future__ import annotations

from onevisit.identity.permissions import Role, permissions_for
from onevisit.identity.services.login import hash_token
from onevisit.kernel.actors import ActorKind, Principal
from onevisit.kernel.hotsql import HotQuery, as_datetime, hot_reader
from onevisit.kernel.http.authz import PrincipalResolver
from onevisit.kernel.platform import Platform

# One round trip: the session row (with account, person and staff post), then one row per
# role grant and per enterprise the person represents or acts for.
_PRINCIPAL = HotQuery(
    """
    SELECT 'session' AS kind, s.account_id AS account_id, s.acting_for_enterprise_id AS ref,
           s.expires_at AS expires_at, CASE WHEN a.active THEN 1 ELSE 0 END AS active,
           p.id AS person_id, p.name AS value, m.department_id AS department_id
      FROM web_sessions s
      JOIN accounts a ON a.id = s.account_id
      JOIN persons p ON p.id = a.person_id
      LEFT JOIN staff_members m ON m.account_id = a.id
     WHERE s.token_hash = :token
    UNION ALL
    SELECT 'role', NULL, NULL, NULL, NULL, NULL, g.role, NULL
      FROM role_grants g JOIN web_sessions s ON s.account_id = g.account_id
     WHERE s.token_hash = :token
    UNION ALL
    SELECT 'enterprise', NULL, e.id, NULL, NULL, NULL, NULL, NULL
      FROM enterprises e
      JOIN accounts a ON a.person_id = e.legal_rep_id
      JOIN web_sessions s ON s.account_id = a.id
     WHERE s.token_hash = :token
    UNION ALL
    SELECT 'enterprise', NULL, g.enterprise_id, NULL, NULL, NULL, NULL, NULL
      FROM enterprise_agents g
      JOIN accounts a ON a.person_id = g.person_id
      JOIN web_sessions s ON s.account_id = a.id
     WHERE s.token_hash = :token AND g.revoked_at IS NULL
    """
)


def make_resolver(platform: Platform) -> PrincipalResolver:
    def resolve(raw_token: str) -> Principal | None:
        now = platform.clock.now()
        token_hash = hash_token(raw_token)
        with hot_reader(platform.db) as reader:
            rows = reader.all(_PRINCIPAL, {"token": token_hash})
        session = next((r for r in rows if r[0] == "session"), None)
        if session is None:
            return None
        _, account_id, acting_for, expires_at, active, person_id, name, department_id = session
        if as_datetime(expires_at) <= now or not active:
            return None
        roles = {Role.CITIZEN} | {r[6] for r in rows if r[0] == "role"}
        enterprise_ids = {int(r[2]) for r in rows if r[0] == "enterprise"}
        if enterprise_ids:
            roles.add(Role.ENTERPRISE)
        if acting_for is not None and acting_for not in enterprise_ids:
            acting_for = None  # the delegation was revoked after the session chose it
        return Principal(
            kind=ActorKind.STAFF if department_id is not None else ActorKind.CITIZEN,
            account_id=account_id,
            person_id=person_id,
            display_name=name,
            roles=frozenset(roles),
            permissions=permissions_for(roles),
            department_id=department_id,
            acting_for_enterprise_id=acting_for,
            enterprise_ids=frozenset(enterprise_ids),
            session_id=token_hash,
        )

    return resolve
