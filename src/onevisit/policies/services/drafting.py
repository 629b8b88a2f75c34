"""A department drafts, publishes and closes policies (draft → published → closed).

Every field is checked at once and every problem reported against its field: a negative
budget, an empty or backwards period, an unknown recurrence, and a rule or formula the
rules module refuses (its pointed error: which fragment, which unknown field). Publishing
re-checks the rules, so what is published always compiles.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from onevisit import rules
from onevisit.kernel.actors import Principal
from onevisit.kernel.errors import Conflict, FieldError, NotFound, ValidationFailed
from onevisit.kernel.i18n import N_
from onevisit.kernel.uow import UnitOfWork
from onevisit.policies.errors import PolicyError
from onevisit.policies.fields import SCHEMA
from onevisit.policies.models import Offer, OfferStatus, Policy, PolicyStatus, Recurrence

_CODE = re.compile(r"^[a-z0-9][a-z0-9-]{2,47}$")
MAX_BUDGET_FEN = 100_000_000_000_000  # one trillion yuan: anything larger is a typo


@dataclass(frozen=True, slots=True)
class PolicyDraft:
    code: str
    title: str
    eligibility: str
    benefit: str
    budget_fen: int | None
    starts_on: dt.date | None
    ends_on: dt.date | None
    recurrence: str = Recurrence.ONCE
    summary: str = ""
    legal_basis: str = ""


def compile_rules(eligibility: str, benefit: str, *, today: dt.date | None = None) -> tuple[rules.Rule, rules.Rule]:
    """Both rules, or ``ValidationFailed`` listing every problem against ``eligibility`` / ``benefit``."""
    errors: list[FieldError] = []
    compiled: list[rules.Rule] = []
    for name, source, expect in (("eligibility", eligibility, "condition"), ("benefit", benefit, "value")):
        if not source.strip():
            errors.append(FieldError(name, N_("Enter this information.")))
            continue
        try:
            rule = rules.parse(source, SCHEMA, expect=expect, today=today)  # type: ignore[arg-type]
        except rules.RuleError as exc:
            errors += [FieldError(name, p.message, p.params) for p in exc.problems]
            continue
        if expect == "value" and not rule.type.numeric:
            errors.append(FieldError(name, N_("The benefit must be an amount in fen (a number).")))
            continue
        compiled.append(rule)
    if errors:
        raise ValidationFailed(errors, code=PolicyError.INVALID)
    return compiled[0], compiled[1]


def check_draft(draft: PolicyDraft) -> list[FieldError]:
    errors: list[FieldError] = []
    if not _CODE.match(draft.code):
        errors.append(
            FieldError(
                "code", N_("Use 3 to 48 lower-case letters, digits and hyphens, starting with a letter or digit.")
            )
        )
    if not draft.title.strip() or len(draft.title) > 200:
        errors.append(FieldError("title", N_("Enter a title of at most 200 characters.")))
    if draft.budget_fen is None:
        errors.append(FieldError("budget", N_("Enter the budget in yuan.")))
    elif draft.budget_fen < 0:
        errors.append(FieldError("budget", N_("The budget cannot be negative.")))
    elif draft.budget_fen > MAX_BUDGET_FEN:
        errors.append(FieldError("budget", N_("The budget is too large.")))
    if draft.starts_on is None:
        errors.append(FieldError("starts_on", N_("Enter a real date.")))
    if draft.ends_on is None:
        errors.append(FieldError("ends_on", N_("Enter a real date.")))
    if draft.starts_on and draft.ends_on and draft.ends_on < draft.starts_on:
        errors.append(FieldError("ends_on", N_("The period is empty: it ends before it starts.")))
    if draft.recurrence not in set(Recurrence):
        errors.append(FieldError("recurrence", N_("Choose one of the options.")))
    if len(draft.legal_basis) > 200:
        errors.append(FieldError("legal_basis", N_("Enter at most 200 characters.")))
    try:
        compile_rules(draft.eligibility, draft.benefit, today=draft.starts_on)
    except ValidationFailed as exc:
        errors += exc.fields
    return errors


def _required(draft: PolicyDraft) -> tuple[int, dt.date, dt.date]:
    """The values ``check_draft`` has made sure of, typed."""
    if draft.budget_fen is None or draft.starts_on is None or draft.ends_on is None:
        raise ValidationFailed([FieldError("budget", N_("Enter this information."))], code=PolicyError.INVALID)
    return draft.budget_fen, draft.starts_on, draft.ends_on


def _department_of(uow: UnitOfWork) -> int:
    department_id = uow.actor.department_id
    if department_id is None:
        raise ValidationFailed(
            [FieldError("department", N_("Only a department's staff can draft a policy."))], code=PolicyError.INVALID
        )
    return department_id


def create_policy(uow: UnitOfWork, draft: PolicyDraft) -> Policy:
    errors = check_draft(draft)
    if errors:
        raise ValidationFailed(errors, code=PolicyError.INVALID)
    department_id = _department_of(uow)
    if uow.session.scalar(select(Policy.id).where(Policy.code == draft.code)) is not None:
        raise ValidationFailed(
            [FieldError("code", N_("A policy with this code already exists."))], code=PolicyError.CODE_TAKEN
        )
    now = uow.clock.now()
    budget_fen, starts_on, ends_on = _required(draft)
    policy = Policy(
        code=draft.code,
        department_id=department_id,
        title=draft.title.strip(),
        summary=draft.summary.strip(),
        legal_basis=draft.legal_basis.strip(),
        eligibility=draft.eligibility.strip(),
        benefit=draft.benefit.strip(),
        budget_fen=budget_fen,
        committed_fen=0,
        starts_on=starts_on,
        ends_on=ends_on,
        recurrence=draft.recurrence,
        status=PolicyStatus.DRAFT,
        rule_version=1,
        last_match={},
        created_by=uow.actor.label,
        created_at=now,
        updated_at=now,
    )
    uow.session.add(policy)
    uow.session.flush()
    uow.audit("policies.created", "policy", policy.code, {"budget_fen": policy.budget_fen})
    return policy


def update_draft(uow: UnitOfWork, code: str, draft: PolicyDraft) -> Policy:
    policy = policy_for_staff(uow.session, uow.actor, code, for_update=True)
    if policy.status != PolicyStatus.DRAFT:
        raise Conflict(PolicyError.NOT_DRAFT, N_("Only a draft can be changed; this policy is already published."))
    errors = check_draft(_with_code(draft, policy.code))
    if errors:
        raise ValidationFailed(errors, code=PolicyError.INVALID)
    budget_fen, starts_on, ends_on = _required(draft)
    if (draft.eligibility.strip(), draft.benefit.strip()) != (policy.eligibility, policy.benefit):
        policy.rule_version += 1
    policy.title = draft.title.strip()
    policy.summary = draft.summary.strip()
    policy.legal_basis = draft.legal_basis.strip()
    policy.eligibility = draft.eligibility.strip()
    policy.benefit = draft.benefit.strip()
    policy.budget_fen = budget_fen
    policy.starts_on, policy.ends_on = starts_on, ends_on
    policy.recurrence = draft.recurrence
    policy.updated_at = uow.clock.now()
    uow.audit("policies.updated", "policy", policy.code, {"rule_version": policy.rule_version})
    return policy


def _with_code(draft: PolicyDraft, code: str) -> PolicyDraft:
    return PolicyDraft(
        code=code,
        title=draft.title,
        eligibility=draft.eligibility,
        benefit=draft.benefit,
        budget_fen=draft.budget_fen,
        starts_on=draft.starts_on,
        ends_on=draft.ends_on,
        recurrence=draft.recurrence,
        summary=draft.summary,
        legal_basis=draft.legal_basis,
    )


def publish(uow: UnitOfWork, code: str) -> Policy:
    policy = policy_for_staff(uow.session, uow.actor, code, for_update=True)
    if policy.status != PolicyStatus.DRAFT:
        raise Conflict(PolicyError.NOT_DRAFT, N_("Only a draft can be published."))
    compile_rules(policy.eligibility, policy.benefit, today=policy.starts_on)
    now = uow.clock.now()
    policy.status = PolicyStatus.PUBLISHED
    policy.published_at = policy.updated_at = now
    uow.audit(
        "policies.published",
        "policy",
        policy.code,
        {
            "budget_fen": policy.budget_fen,
            "rule_version": policy.rule_version,
            "eligibility": policy.eligibility,
            "benefit": policy.benefit,
        },
    )
    return policy


def close(uow: UnitOfWork, code: str) -> Policy:
    """Closes a published policy: offers not yet confirmed are withdrawn."""
    policy = policy_for_staff(uow.session, uow.actor, code, for_update=True)
    if policy.status != PolicyStatus.PUBLISHED:
        raise Conflict(PolicyError.NOT_PUBLISHED, N_("Only a published policy can be closed."))
    withdrawn = len(
        uow.session.execute(
            update(Offer)
            .where(Offer.policy_id == policy.id, Offer.status == OfferStatus.OFFERED)
            .values(status=OfferStatus.WITHDRAWN)
            .returning(Offer.id)
            .execution_options(synchronize_session=False)
        ).all()
    )
    now = uow.clock.now()
    policy.status = PolicyStatus.CLOSED
    policy.closed_at = policy.updated_at = now
    uow.audit("policies.closed", "policy", policy.code, {"withdrawn_offers": withdrawn})
    return policy


def find_policy(session: Session, code: str) -> Policy:
    policy = session.scalar(select(Policy).where(Policy.code == code))
    if policy is None:
        raise NotFound(PolicyError.NOT_FOUND, N_("There is no policy with this code."))
    return policy


def may_manage(principal: Principal, policy: Policy) -> bool:
    """Its own department's staff, and the province's administrators."""
    return principal.department_id == policy.department_id or "admin.portal" in principal.permissions


def policy_for_staff(session: Session, principal: Principal, code: str, *, for_update: bool = False) -> Policy:
    """A policy of the principal's department (others: not found)."""
    query = select(Policy).where(Policy.code == code)
    if for_update:
        query = query.with_for_update()
    policy = session.scalar(query)
    if policy is None or not may_manage(principal, policy):
        raise NotFound(PolicyError.NOT_FOUND, N_("There is no policy with this code."))
    return policy


def policies_for_staff(session: Session, principal: Principal) -> list[Policy]:
    query = select(Policy).order_by(Policy.created_at.desc(), Policy.id.desc())
    if "admin.portal" not in principal.permissions:
        query = query.where(Policy.department_id == principal.department_id)
    return list(session.scalars(query))


def published_policies(session: Session) -> list[Policy]:
    return list(
        session.scalars(select(Policy).where(Policy.status == PolicyStatus.PUBLISHED).order_by(Policy.starts_on.desc()))
    )
