"""Matching a published policy against every enterprise, and offering the benefit.

1. The enterprise register (id, credit code, name, legal representative, industry, region)
   is read into a Polars frame, and the datahub fields the rule and formula name are
   extracted for all enterprises at once (``datahub.enterprise_frame``) and joined to it.
2. The eligibility rule, compiled to a Polars expression, filters the frame; the benefit
   formula computes each amount (fen, rounded; an amount of zero or less is no offer).
3. Each eligible enterprise without an offer for this period gets one: the amount, the
   rule version, the as-of date, the facts read, and the explanation trees of the rule and
   the formula (``rule.explain``), so the enterprise and an auditor see why.
4. The legal representative gets an SMS (``kernel.notify``; ``/dev/messages`` in development).

Matching again in the same period adds offers only for enterprises that became eligible.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

import polars as pl
from sqlalchemy import insert, select

from onevisit import datahub, rules
from onevisit.identity.models import Enterprise, Person
from onevisit.identity.services.people import phone_of
from onevisit.kernel.errors import Conflict
from onevisit.kernel.i18n import N_
from onevisit.kernel.money import yuan
from onevisit.kernel.uow import UnitOfWork
from onevisit.policies.errors import PolicyError
from onevisit.policies.fields import BY_NAME, datahub_columns
from onevisit.policies.models import Offer, OfferStatus, Policy, PolicyStatus, Recurrence
from onevisit.policies.services.drafting import compile_rules, find_policy


@dataclass(frozen=True, slots=True)
class MatchResult:
    policy_code: str
    period: str
    as_of: dt.date
    evaluated: int
    eligible: int
    new_offers: int
    offered_fen: int


def period_of(recurrence: str, day: dt.date) -> str:
    if recurrence == Recurrence.MONTHLY:
        return f"{day:%Y-%m}"
    if recurrence == Recurrence.QUARTERLY:
        return f"{day.year}Q{(day.month - 1) // 3 + 1}"
    if recurrence == Recurrence.YEARLY:
        return str(day.year)
    return "once"


def offer_number(policy_id: int, period: str, enterprise_id: int) -> str:
    return f"YH{policy_id}-{period.replace('-', '')}-{enterprise_id}"


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def enterprise_facts(
    uow: UnitOfWork, fields: list[str], *, purpose: str, enterprise_ids: list[int] | None = None
) -> pl.DataFrame:
    """The register columns plus ``fields`` for every enterprise (or those given)."""
    query = select(
        Enterprise.id,
        Enterprise.credit_code,
        Enterprise.name,
        Enterprise.legal_rep_id,
        Enterprise.industry,
        Enterprise.region_code,
        Enterprise.employees,
        Enterprise.established_on,
    ).order_by(Enterprise.id)
    if enterprise_ids is not None:
        query = query.where(Enterprise.id.in_(enterprise_ids))
    rows = uow.session.execute(query).all()
    register = pl.DataFrame(
        [tuple(r) for r in rows],
        schema={
            "enterprise_id": pl.Int64,
            "credit_code": pl.String,
            "enterprise_name": pl.String,
            "legal_rep_id": pl.Int64,
            "industry": pl.String,
            "region_code": pl.String,
            "employees": pl.Int64,
            "established_on": pl.Date,
        },
        orient="row",
    )
    columns = datahub_columns(fields)
    if not columns:
        return register
    facts = datahub.enterprise_frame(
        uow,
        columns,
        purpose=purpose,
        credit_codes=None if enterprise_ids is None else register["credit_code"].to_list(),
    )
    frame = register.join(facts, on="credit_code", how="left")
    presence = [c.name for c in columns if c.field is None]
    if presence:  # "has a record of the item": no record means no, not unknown
        frame = frame.with_columns(pl.col(name).fill_null(False) for name in presence)
    return frame


def evaluate(
    uow: UnitOfWork, policy: Policy, as_of: dt.date, *, enterprise_ids: list[int] | None = None
) -> tuple[rules.Rule, rules.Rule, pl.DataFrame, pl.DataFrame]:
    """(rule, formula, all facts, eligible rows with ``amount_fen``)."""
    rule, formula = compile_rules(policy.eligibility, policy.benefit, today=as_of)
    fields = sorted(set(rule.fields) | set(formula.fields))
    frame = enterprise_facts(uow, fields, purpose=f"policies.match:{policy.code}", enterprise_ids=enterprise_ids)
    eligible = frame.filter(rule.to_polars(frame.schema))
    amounts = eligible.with_columns(amount=formula.to_polars(eligible.schema).cast(pl.Float64))
    eligible = amounts.with_columns(amount_fen=pl.col("amount").round(0).cast(pl.Int64, strict=False)).filter(
        pl.col("amount_fen") > 0
    )
    return rule, formula, frame, eligible


def explain_row(rule: rules.Rule, formula: rules.Rule, row: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    fields = sorted(set(rule.fields) | set(formula.fields))
    record = {name: row.get(name) for name in fields}
    inputs = {name: _jsonable(record[name]) for name in fields}
    explanation = {"eligibility": rule.explain(record).as_dict(), "benefit": formula.explain(record).as_dict()}
    return inputs, explanation


def match(uow: UnitOfWork, code: str, *, as_of: dt.date | None = None, notify: bool = True) -> MatchResult:
    """Matches a published policy against all enterprises; new offers for the new eligible."""
    session = uow.session
    policy = find_policy(session, code)
    as_of = as_of or uow.clock.now().date()
    if policy.status != PolicyStatus.PUBLISHED:
        raise Conflict(PolicyError.NOT_PUBLISHED, N_("Only a published policy can be matched."))
    if not policy.starts_on <= as_of <= policy.ends_on:
        raise Conflict(
            PolicyError.OUT_OF_PERIOD,
            N_("The policy runs from %(start)s to %(end)s, which does not include %(day)s."),
            params={"start": policy.starts_on.isoformat(), "end": policy.ends_on.isoformat(), "day": as_of.isoformat()},
        )
    period = period_of(policy.recurrence, as_of)
    rule, formula, frame, eligible = evaluate(uow, policy, as_of)
    offered = set(
        session.scalars(select(Offer.enterprise_id).where(Offer.policy_id == policy.id, Offer.period == period))
    )
    new = eligible.filter(~pl.col("enterprise_id").is_in(sorted(offered))) if offered else eligible
    now = uow.clock.now()
    values: list[dict[str, Any]] = []
    for row in new.iter_rows(named=True):
        inputs, explanation = explain_row(rule, formula, row)
        values.append(
            {
                "number": offer_number(policy.id, period, row["enterprise_id"]),
                "policy_id": policy.id,
                "enterprise_id": row["enterprise_id"],
                "period": period,
                "amount_fen": int(row["amount_fen"]),
                "status": OfferStatus.OFFERED,
                "rule_version": policy.rule_version,
                "as_of": as_of,
                "inputs": inputs,
                "explanation": explanation,
                "created_at": now,
            }
        )
    for start in range(0, len(values), 5000):
        session.execute(insert(Offer), values[start : start + 5000])
    if notify and values:
        _notify(uow, policy, new)
    result = MatchResult(
        policy.code, period, as_of, frame.height, eligible.height, len(values), sum(v["amount_fen"] for v in values)
    )
    policy.last_match = {
        "at": now.isoformat(),
        "as_of": as_of.isoformat(),
        "period": period,
        "evaluated": result.evaluated,
        "eligible": result.eligible,
        "new_offers": result.new_offers,
        "offered_fen": result.offered_fen,
    }
    uow.audit(
        "policies.matched",
        "policy",
        policy.code,
        {
            "period": period,
            "as_of": as_of.isoformat(),
            "evaluated": result.evaluated,
            "eligible": result.eligible,
            "new_offers": result.new_offers,
            "rule_version": policy.rule_version,
        },
    )
    return result


def _notify(uow: UnitOfWork, policy: Policy, offers: pl.DataFrame) -> None:
    session = uow.session
    reps = {
        p.id: p for p in session.scalars(select(Person).where(Person.id.in_(offers["legal_rep_id"].unique().to_list())))
    }
    now = uow.clock.now()
    sms = uow.platform.notifier.sms
    for row in offers.select("enterprise_name", "legal_rep_id", "amount_fen").iter_rows(named=True):
        person = reps.get(row["legal_rep_id"])
        phone = phone_of(uow.platform.vault, person) if person is not None else None
        if phone is None:
            continue
        amount = yuan(int(row["amount_fen"]))
        sms.send(
            session,
            phone,
            f"【浙里办·OneVisit】{row['enterprise_name']}符合“{policy.title}”，可获 {amount}。"
            f"请登录“我的浙里办”一键确认，资金即时到账。"
            f" Your enterprise qualifies for {amount} under a policy; confirm on My OneVisit to be paid at once.",
            now,
        )


def field_labels(names: list[str], language: str) -> dict[str, str]:
    return {n: (BY_NAME[n].label_zh if language == "zh" else BY_NAME[n].label_en) if n in BY_NAME else n for n in names}
