"""Enterprise representation: the legal representative authorises agents to act for it."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from onevisit.identity.errors import IdentityError
from onevisit.identity.events import AgentAuthorised
from onevisit.identity.idnumbers import parse_id_number
from onevisit.identity.models import Enterprise, EnterpriseAgent, Person
from onevisit.identity.services.people import find_person_by_id_number
from onevisit.kernel.actors import Principal
from onevisit.kernel.errors import AppError, Conflict, Forbidden, NotFound
from onevisit.kernel.i18n import N_
from onevisit.kernel.uow import UnitOfWork


def enterprise_for(principal: Principal, enterprise: Enterprise | None) -> Enterprise:
    """Object-level check: the principal must represent or act for this enterprise."""
    if enterprise is None or enterprise.id not in principal.enterprise_ids:
        # Not found rather than forbidden: do not confirm the enterprise is registered here.
        raise NotFound(IdentityError.NOT_YOUR_ENTERPRISE, N_("You do not act for this enterprise."))
    return enterprise


def _require_representative(principal: Principal, enterprise: Enterprise) -> None:
    if enterprise.legal_rep_id != principal.person_id:
        raise Forbidden(
            IdentityError.NOT_REPRESENTATIVE,
            N_("Only the enterprise's legal representative can do this."),
        )


def authorise_agent(uow: UnitOfWork, enterprise: Enterprise, *, id_number: str, name: str) -> EnterpriseAgent:
    _require_representative(uow.actor, enterprise)
    number = parse_id_number(id_number, today=uow.clock.now().date()).number
    person = find_person_by_id_number(uow.session, uow.platform.vault, number)
    # Both must match, so the form cannot be used to discover who holds an ID number.
    if person is None or person.name != name.strip():
        raise AppError(
            IdentityError.AGENT_NAME_MISMATCH,
            N_("No registered person has this ID number and name. Check both and try again."),
            status=422,
        )
    if person.id == enterprise.legal_rep_id:
        raise Conflict(IdentityError.AGENT_EXISTS, N_("The legal representative already acts for the enterprise."))
    existing = uow.session.scalar(
        select(EnterpriseAgent).where(
            EnterpriseAgent.enterprise_id == enterprise.id,
            EnterpriseAgent.person_id == person.id,
            EnterpriseAgent.revoked_at.is_(None),
        )
    )
    if existing is not None:
        raise Conflict(IdentityError.AGENT_EXISTS, N_("This person is already an agent of the enterprise."))
    agent = EnterpriseAgent(
        enterprise_id=enterprise.id,
        person_id=person.id,
        granted_by_id=enterprise.legal_rep_id,
        granted_at=uow.clock.now(),
    )
    uow.session.add(agent)
    uow.session.flush()
    uow.audit("identity.agent.authorise", "enterprise", enterprise.id, {"agent_person": person.id})
    uow.emit(AgentAuthorised(enterprise_id=enterprise.id, person_id=person.id))
    return agent


def revoke_agent(uow: UnitOfWork, enterprise: Enterprise, agent_id: int) -> None:
    _require_representative(uow.actor, enterprise)
    agent = uow.session.get(EnterpriseAgent, agent_id)
    if agent is None or agent.enterprise_id != enterprise.id or agent.revoked_at is not None:
        raise NotFound(IdentityError.NOT_YOUR_ENTERPRISE, N_("No such agent."))
    agent.revoked_at = uow.clock.now()
    uow.audit("identity.agent.revoke", "enterprise", enterprise.id, {"agent_person": agent.person_id})


def agents_of(session: Session, enterprise_id: int) -> list[tuple[EnterpriseAgent, Person]]:
    stmt = (
        select(EnterpriseAgent, Person)
        .join(Person, Person.id == EnterpriseAgent.person_id)
        .where(EnterpriseAgent.enterprise_id == enterprise_id, EnterpriseAgent.revoked_at.is_(None))
        .order_by(EnterpriseAgent.granted_at)
    )
    return [(a, p) for a, p in session.execute(stmt)]
