"""Resolving a session cookie into a :class:`~onevisit.kernel.actors.Principal`."""

from __future__ import annotations

from sqlalchemy import select

from onevisit.identity.models import (
    Account,
    Enterprise,
    EnterpriseAgent,
    Person,
    RoleGrant,
    StaffMember,
    WebSession,
)
from onevisit.identity.permissions import Role, permissions_for
from onevisit.identity.services.login import hash_token
from onevisit.kernel.actors import ActorKind, Principal
from onevisit.kernel.http.authz import PrincipalResolver
from onevisit.kernel.platform import Platform


def make_resolver(platform: Platform) -> PrincipalResolver:
    def resolve(raw_token: str) -> Principal | None:
        now = platform.clock.now()
        with platform.db.session() as session:
            row = session.execute(
                select(WebSession, Account, Person)
                .join(Account, Account.id == WebSession.account_id)
                .join(Person, Person.id == Account.person_id)
                .where(WebSession.token_hash == hash_token(raw_token))
            ).first()
            if row is None:
                return None
            web_session, account, person = row
            if web_session.expires_at <= now or not account.active:
                return None
            grants = session.execute(
                select(RoleGrant.role, RoleGrant.department_id).where(RoleGrant.account_id == account.id)
            ).all()
            roles = {Role.CITIZEN} | {role for role, _ in grants}
            represented = set(session.scalars(select(Enterprise.id).where(Enterprise.legal_rep_id == person.id)))
            delegated = set(
                session.scalars(
                    select(EnterpriseAgent.enterprise_id).where(
                        EnterpriseAgent.person_id == person.id, EnterpriseAgent.revoked_at.is_(None)
                    )
                )
            )
            enterprise_ids = frozenset(represented | delegated)
            if enterprise_ids:
                roles.add(Role.ENTERPRISE)
            department_id = session.scalar(
                select(StaffMember.department_id).where(StaffMember.account_id == account.id)
            )
            acting_for = web_session.acting_for_enterprise_id
            if acting_for is not None and acting_for not in enterprise_ids:
                acting_for = None  # delegation revoked since the session chose it
            return Principal(
                kind=ActorKind.STAFF if department_id is not None else ActorKind.CITIZEN,
                account_id=account.id,
                person_id=person.id,
                display_name=person.name,
                roles=frozenset(roles),
                permissions=permissions_for(roles),
                department_id=department_id,
                acting_for_enterprise_id=acting_for,
                enterprise_ids=enterprise_ids,
                session_id=web_session.token_hash,
            )

    return resolve
