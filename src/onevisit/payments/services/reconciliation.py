"""Daily reconciliation against each channel's signed statement file.

Every line of the statement is matched with the platform's record by reference (order
number for payments, refund number for refunds) and amount. Before reporting, a statement
payment the platform has not settled is *queried* at the channel (the notification may have
been lost, or the server crashed): if the channel confirms it with a valid signature it is
settled then, exactly once like any other. What still differs is reported:

* ``missing`` — the platform recorded money the statement does not show;
* ``extra`` — the statement shows money the platform has no record of;
* ``amount`` — both have it, with different amounts.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from onevisit.identity.models import Department
from onevisit.kernel.actors import Principal, system_actor
from onevisit.kernel.errors import AppError
from onevisit.kernel.platform import Platform
from onevisit.payments.channels.gateway import Gateways, StatementLine
from onevisit.payments.models import (
    Bill,
    Mismatch,
    OrderStatus,
    PaymentOrder,
    Reconciliation,
    Refund,
    RefundStatus,
    SettlementEntry,
)
from onevisit.payments.services.orders import refresh_from_channel


def _day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)
    return start, start + dt.timedelta(days=1)


def platform_entries(session: Session, channel: str, day: dt.date) -> dict[tuple[str, str], int]:
    start, end = _day_bounds(day)
    found: dict[tuple[str, str], int] = {}
    for number, amount in session.execute(
        select(PaymentOrder.number, PaymentOrder.amount_fen).where(
            PaymentOrder.channel == channel,
            PaymentOrder.status == OrderStatus.PAID,
            PaymentOrder.channel_paid_at >= start,
            PaymentOrder.channel_paid_at < end,
        )
    ):
        found[("payment", number)] = amount
    for number, amount in session.execute(
        select(Refund.number, Refund.amount_fen)
        .join(PaymentOrder, PaymentOrder.id == Refund.order_id)
        .where(
            PaymentOrder.channel == channel,
            Refund.status == RefundStatus.DONE,
            Refund.channel_refunded_at >= start,
            Refund.channel_refunded_at < end,
        )
    ):
        found[("refund", number)] = amount
    return found


@dataclass(frozen=True, slots=True)
class ReconciliationReport:
    reconciliation_id: int
    channel: str
    day: dt.date
    lines: int
    matched: int
    repaired: int
    mismatches: list[tuple[str, str, str, int | None, int | None]]

    @property
    def clean(self) -> bool:
        return not self.mismatches


def reconcile(
    platform: Platform, gateways: Gateways, channel: str, day: dt.date, *, actor: Principal | None = None
) -> ReconciliationReport:
    lines, raw = gateways.get(channel).statement(day)
    statement: dict[tuple[str, str], StatementLine] = {(line.entry_type, line.reference): line for line in lines}
    with platform.db.session() as session:
        ours = platform_entries(session, channel, day)
    repaired = 0
    for entry_type, reference in statement:
        if entry_type == "payment" and (entry_type, reference) not in ours:
            try:
                if refresh_from_channel(platform, gateways, reference, via="reconciliation") == "settled":
                    repaired += 1
            except AppError:
                continue
    if repaired:
        with platform.db.session() as session:
            ours = platform_entries(session, channel, day)
    mismatches: list[tuple[str, str, str, int | None, int | None]] = []
    matched = 0
    for key in sorted(set(ours) | set(statement)):
        mine, theirs = ours.get(key), statement.get(key)
        if theirs is None:
            mismatches.append(("missing", key[0], key[1], mine, None))
        elif mine is None:
            mismatches.append(("extra", key[0], key[1], None, theirs.amount_fen))
        elif mine != theirs.amount_fen:
            mismatches.append(("amount", key[0], key[1], mine, theirs.amount_fen))
        else:
            matched += 1
    with platform.uow(actor or system_actor("payments-reconcile")) as uow:
        run = Reconciliation(
            channel=channel,
            statement_date=day,
            run_at=uow.clock.now(),
            statement_lines=len(lines),
            matched=matched,
            mismatches=len(mismatches),
            statement_sha256=hashlib.sha256(raw).hexdigest(),
        )
        uow.session.add(run)
        uow.session.flush()
        for kind, entry_type, reference, mine, theirs_fen in mismatches:
            uow.session.add(
                Mismatch(
                    reconciliation_id=run.id,
                    kind=kind,
                    entry_type=entry_type,
                    reference=reference,
                    platform_fen=mine,
                    channel_fen=theirs_fen,
                )
            )
        uow.audit(
            "payments.reconciled",
            "reconciliation",
            run.id,
            {"channel": channel, "day": day.isoformat(), "mismatches": len(mismatches), "repaired": repaired},
        )
        run_id = run.id
    return ReconciliationReport(run_id, channel, day, len(lines), matched, repaired, mismatches)


def recent_runs(session: Session, limit: int = 30) -> list[Reconciliation]:
    return list(session.scalars(select(Reconciliation).order_by(Reconciliation.id.desc()).limit(limit)))


def mismatches_of(session: Session, run_ids: list[int]) -> list[Mismatch]:
    if not run_ids:
        return []
    return list(session.scalars(select(Mismatch).where(Mismatch.reconciliation_id.in_(run_ids)).order_by(Mismatch.id)))


def department_balances(
    session: Session, departments: Collection[int] | None = None
) -> list[tuple[Department, int, int]]:
    """Each department's settled balance (payments less refunds) and entry count; only
    those in ``departments`` when given (see ``access.departments_of``)."""
    query = (
        select(Department, func.coalesce(func.sum(SettlementEntry.amount_fen), 0), func.count(SettlementEntry.id))
        .join(SettlementEntry, SettlementEntry.department_id == Department.id)
        .group_by(Department.id)
        .order_by(Department.code)
    )
    if departments is not None:
        query = query.where(Department.id.in_(sorted(departments)))
    return [(dep, int(total), int(count)) for dep, total, count in session.execute(query)]


@dataclass(frozen=True, slots=True)
class SettledShare:
    """A department's share of one settled payment (all of it, or a bundle's part)."""

    department: Department
    order_number: str
    bill_title: str
    share_fen: int
    payment_fen: int
    at: dt.datetime


def recent_settlements(
    session: Session, departments: Collection[int] | None = None, limit: int = 20
) -> list[SettledShare]:
    """The latest payments settled to each department, with the department's share of each
    (a bundle's payment shows under each of its payees, with that payee's part only)."""
    query = (
        select(SettlementEntry, Department, PaymentOrder.number, PaymentOrder.amount_fen, Bill.title)
        .join(Department, Department.id == SettlementEntry.department_id)
        .join(PaymentOrder, PaymentOrder.id == SettlementEntry.source_id)
        .join(Bill, Bill.id == PaymentOrder.bill_id)
        .where(SettlementEntry.kind == "payment")
        .order_by(SettlementEntry.id.desc())
        .limit(limit)
    )
    if departments is not None:
        query = query.where(SettlementEntry.department_id.in_(sorted(departments)))
    return [
        SettledShare(dep, number, title, entry.amount_fen, total, entry.at)
        for entry, dep, number, total, title in session.execute(query)
    ]
