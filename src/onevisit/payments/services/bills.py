"""Bills: what someone owes a department, created by the department's systems or by
``applications`` (service fees); payable by the payer or by anyone holding the pay code."""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from onevisit.identity.models import Department
from onevisit.kernel.actors import Principal
from onevisit.kernel.errors import Conflict, FieldError, NotFound, ValidationFailed
from onevisit.kernel.i18n import N_
from onevisit.kernel.uow import UnitOfWork
from onevisit.payments.errors import PaymentError
from onevisit.payments.models import Bill, BillKind, BillStatus
from onevisit.payments.services.payees import item_payee

MAX_BILL_FEN = 10_000_000_000  # 100 million yuan
_CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"


@dataclass(frozen=True, slots=True)
class BillItem:
    name: str
    amount_fen: int
    #: The department this item is paid to; None: the bill's (see ``services.payees``).
    department_id: int | None = None


def _bill_number(uow: UnitOfWork) -> str:
    return uow.clock.now().strftime("B%y%m%d") + "".join(secrets.choice("0123456789") for _ in range(10))


def create_bill(
    uow: UnitOfWork,
    *,
    kind: BillKind | str,
    department_id: int,
    title: str,
    items: Sequence[BillItem | tuple[str, int] | tuple[str, int, int | None]],
    source: str,
    reference: str,
    payer_person_id: int | None = None,
    payer_enterprise_id: int | None = None,
    due_on: dt.date | None = None,
) -> Bill:
    """Creates a bill, or returns the one already created with this ``source``/``reference``.

    ``department_id`` is the bill's payee; an item may name another (a bundle's fees, paid
    once, each to its own department): the items then all carry their payee."""
    parsed = [item if isinstance(item, BillItem) else BillItem(*item) for item in items]
    errors: list[FieldError] = []
    try:
        kind = BillKind(kind)
    except ValueError:
        errors.append(FieldError("kind", N_("Choose one of the options.")))
    if (payer_person_id is None) == (payer_enterprise_id is None):
        errors.append(FieldError("payer", N_("A bill has exactly one payer: a person or an enterprise.")))
    if not parsed:
        errors.append(FieldError("items", N_("A bill needs at least one item.")))
    for item in parsed:
        if isinstance(item.amount_fen, bool) or not isinstance(item.amount_fen, int) or item.amount_fen <= 0:
            errors.append(FieldError("items", N_("Each item's amount is a positive whole number of fen.")))
            break
    payees = {item.department_id for item in parsed if item.department_id not in (None, department_id)}
    if payees:
        known = set(uow.session.scalars(select(Department.id).where(Department.id.in_(sorted(payees)))))
        if payees - known:
            errors.append(FieldError("items", N_("An item's payee is not a department.")))
    total = sum(item.amount_fen for item in parsed) if not errors else 0
    if total > MAX_BILL_FEN:
        errors.append(FieldError("items", N_("The amount is too large.")))
    if not title.strip() or len(title) > 200:
        errors.append(FieldError("title", N_("Enter this information.")))
    if errors:
        raise ValidationFailed(errors, code=PaymentError.BILL_INVALID)
    existing = uow.session.scalar(select(Bill).where(Bill.source == source, Bill.reference == reference))
    if existing is not None:
        return existing
    bill = Bill(
        number=_bill_number(uow),
        pay_code="".join(secrets.choice(_CODE_ALPHABET) for _ in range(8)),
        kind=str(kind),
        department_id=department_id,
        payer_person_id=payer_person_id,
        payer_enterprise_id=payer_enterprise_id,
        title=title.strip(),
        items=[_item(i, department_id, several=bool(payees)) for i in parsed],
        amount_fen=total,
        status=BillStatus.OUTSTANDING,
        due_on=due_on,
        source=source,
        reference=reference,
        created_at=uow.clock.now(),
    )
    uow.session.add(bill)
    uow.session.flush()
    uow.audit("payments.bill_created", "bill", bill.number, {"kind": str(kind), "amount_fen": total, "source": source})
    return bill


def _item(item: BillItem, department_id: int, *, several: bool) -> dict[str, object]:
    """``{name, amount_fen}``; with ``department_id`` on every item when the bill has
    several payees (a single-payee bill's items stay as they always were)."""
    if not several:
        return {"name": item.name, "amount_fen": item.amount_fen}
    return {"name": item.name, "amount_fen": item.amount_fen, "department_id": item.department_id or department_id}


def owns(principal: Principal, bill: Bill) -> bool:
    """The payer themselves, or someone acting for the paying enterprise."""
    if bill.payer_person_id is not None:
        return principal.person_id == bill.payer_person_id
    return bill.payer_enterprise_id in principal.enterprise_ids or (
        principal.acting_for_enterprise_id == bill.payer_enterprise_id
    )


def find_bill(session: Session, number: str) -> Bill:
    bill = session.scalar(select(Bill).where(Bill.number == number))
    if bill is None:
        raise NotFound(PaymentError.BILL_NOT_FOUND, N_("There is no bill with this number."))
    return bill


def bill_for(session: Session, principal: Principal, number: str, pay_code: str | None = None) -> Bill:
    """The bill if ``principal`` may see and pay it: theirs, or anyone's with its pay code.

    Answers "not found" otherwise, so numbers cannot be probed."""
    bill = session.scalar(select(Bill).where(Bill.number == number))
    if bill is not None and (
        owns(principal, bill) or (pay_code is not None and hmac.compare_digest(pay_code.upper(), bill.pay_code))
    ):
        return bill
    raise NotFound(PaymentError.BILL_NOT_FOUND, N_("There is no bill with this number and pay code."))


def bills_of(session: Session, principal: Principal, *, status: str | None = None, limit: int = 200) -> list[Bill]:
    conditions = []
    if principal.person_id is not None:
        conditions.append(Bill.payer_person_id == principal.person_id)
    if principal.enterprise_ids:
        conditions.append(Bill.payer_enterprise_id.in_(sorted(principal.enterprise_ids)))
    if not conditions:
        return []
    query = select(Bill).where(or_(*conditions))
    if status:
        query = query.where(Bill.status == status)
    return list(session.scalars(query.order_by(Bill.created_at.desc(), Bill.id.desc()).limit(limit)))


def item_payees(session: Session, bill: Bill) -> list[Department | None]:
    """Each item's payee department, for a bill with several payees (a bundle's); [] for
    a bill paid to its department alone."""
    ids = [item_payee(i, bill.department_id) for i in bill.items]
    if len(set(ids)) < 2:
        return []
    found = {d.id: d for d in session.scalars(select(Department).where(Department.id.in_(sorted(set(ids)))))}
    return [found.get(i) for i in ids]


def check_payable(bill: Bill) -> None:
    if bill.status != BillStatus.OUTSTANDING:
        raise Conflict(PaymentError.BILL_NOT_PAYABLE, N_("This bill has already been paid or was cancelled."))
