"""Fiscal e-receipts: issued in the settling transaction, registered on the ledger's
``receipts`` log, rendered as a PDF with a QR code, verifiable publicly, claimable once."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import threading
import weakref
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from onevisit import ledger
from onevisit.identity.models import Department
from onevisit.kernel.actors import Principal, system_actor
from onevisit.kernel.errors import Conflict, Forbidden, NotFound
from onevisit.kernel.i18n import N_
from onevisit.kernel.platform import Platform
from onevisit.kernel.uow import UnitOfWork
from onevisit.payments.errors import PaymentError
from onevisit.payments.models import Bill, Receipt, ReceiptClaim
from onevisit.payments.services.payees import item_payee

RECEIPT_LOG = "receipts"
REGISTER_BATCH = 1000


def verify_code(secret: str, number: str) -> str:
    return hmac.new(secret.encode(), b"receipt:" + number.encode(), hashlib.sha256).hexdigest()[:12]


def receipt_number(issued_at: dt.datetime, order_id: int) -> str:
    return f"ZJ{issued_at:%Y}{order_id:012d}"


def receipt_record(
    *,
    number: str,
    amount_fen: int,
    department_id: int,
    issued_at: dt.datetime,
    items: list[dict[str, Any]],
    payer: str,
) -> dict[str, object]:
    """What the ledger holds for a receipt (integers and strings only: canonical JSON).

    An item paid to its own department (a bundle's) is ``[name, fen, department id]``;
    the others stay ``[name, fen]``, so receipts issued before items had payees keep
    their digest."""
    return {
        "type": "receipt",
        "number": number,
        "amount_fen": amount_fen,
        "department_id": department_id,
        "issued_at": issued_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "items": [
            [i["name"], i["amount_fen"]]
            if i.get("department_id") is None
            else [i["name"], i["amount_fen"], i["department_id"]]
            for i in items
        ],
        "payer": payer,
    }


def record_of(receipt: Receipt) -> dict[str, object]:
    return receipt_record(
        number=receipt.number,
        amount_fen=receipt.amount_fen,
        department_id=receipt.department_id,
        issued_at=receipt.issued_at,
        items=receipt.items,
        payer=receipt.payer_name,
    )


def digest_of(record: dict[str, object]) -> str:
    return hashlib.sha256(
        json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    ).hexdigest()


def register_pending(uow: UnitOfWork, *, limit: int = REGISTER_BATCH) -> int:
    """Registers receipts not yet on the ledger, in one batch (one lock on the log).

    Rows are claimed with a conditional update (``ledger_index IS NULL`` → ``-1``) so that
    concurrent batches never register the same receipt twice."""
    # SKIP LOCKED (PostgreSQL; SQLite's write lock serialises anyway): two processes'
    # registrars take disjoint batches instead of deadlocking on each other's rows.
    pending = (
        select(Receipt.id)
        .where(Receipt.ledger_index.is_(None))
        .order_by(Receipt.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    rows = sorted(
        uow.session.execute(
            update(Receipt)
            .where(Receipt.id.in_(pending), Receipt.ledger_index.is_(None))
            .values(ledger_index=-1)
            .returning(
                Receipt.id,
                Receipt.number,
                Receipt.amount_fen,
                Receipt.department_id,
                Receipt.issued_at,
                Receipt.items,
                Receipt.payer_name,
            )
            .execution_options(synchronize_session=False)
        ),
        key=lambda r: r[0],
    )
    if not rows:
        return 0
    records = [
        receipt_record(number=n, amount_fen=a, department_id=d, issued_at=at, items=items, payer=payer)
        for _, n, a, d, at, items, payer in rows
    ]
    refs = ledger.append_many(uow, RECEIPT_LOG, records)
    uow.session.execute(
        update(Receipt).execution_options(synchronize_session=False),
        [{"id": row[0], "ledger_index": ref.index} for row, ref in zip(rows, refs, strict=True)],
    )
    return len(rows)


class Registrar:
    """Registers settled receipts on the ledger in batches, one per process at a time.

    Group commit: whoever finishes a settlement calls :meth:`register`; if another thread
    of this process is already registering, the call only marks that more work arrived and
    returns at once, and the registering thread goes round again. So under load one thread
    appends many receipts per lock on the log instead of every request queueing for it.
    Receipts a crash left unregistered are picked up by the next batch in any process (or
    ``onevisit payments poll``): the rows, not memory, say what is pending."""

    def __init__(self, platform: Platform) -> None:
        self.platform = platform
        self._lock = threading.Lock()
        self._more = threading.Event()

    def register(self) -> int:
        self._more.set()
        if not self._lock.acquire(blocking=False):
            return 0
        total = 0
        try:
            while self._more.is_set():
                self._more.clear()
                while True:
                    with self.platform.uow(system_actor("payments-receipts")) as uow:
                        done = register_pending(uow)
                    total += done
                    if done < REGISTER_BATCH:
                        break
        finally:
            self._lock.release()
        if self._more.is_set():  # arrived just as we let go: go round once more
            total += self.register()
        return total


_REGISTRARS: weakref.WeakKeyDictionary[Platform, Registrar] = weakref.WeakKeyDictionary()
_REGISTRARS_LOCK = threading.Lock()


def registrar_for(platform: Platform) -> Registrar:
    with _REGISTRARS_LOCK:
        found = _REGISTRARS.get(platform)
        if found is None:
            found = _REGISTRARS[platform] = Registrar(platform)
        return found


def find_receipt(session: Session, number: str) -> Receipt:
    receipt = session.scalar(select(Receipt).where(Receipt.number == number))
    if receipt is None:
        raise NotFound(PaymentError.RECEIPT_NOT_FOUND, N_("There is no receipt with this number."))
    return receipt


def verified_receipt(session: Session, number: str, code: str) -> Receipt:
    """A receipt by number and the verification code printed under its QR code."""
    receipt = session.scalar(select(Receipt).where(Receipt.number == number))
    if receipt is None or not hmac.compare_digest(receipt.verify_code, code.lower()):
        raise NotFound(PaymentError.RECEIPT_NOT_FOUND, N_("No receipt matches this number and verification code."))
    return receipt


def receipts_of(session: Session, principal: Principal, limit: int = 200) -> list[Receipt]:
    conditions = []
    if principal.person_id is not None:
        conditions.append(Bill.payer_person_id == principal.person_id)
    if principal.enterprise_ids:
        conditions.append(Bill.payer_enterprise_id.in_(sorted(principal.enterprise_ids)))
    if not conditions:
        return []
    from sqlalchemy import or_

    return list(
        session.scalars(
            select(Receipt)
            .join(Bill, Bill.id == Receipt.bill_id)
            .where(or_(*conditions))
            .order_by(Receipt.id.desc())
            .limit(limit)
        )
    )


def receipt_for(session: Session, principal: Principal, number: str) -> Receipt:
    """A receipt of the principal's own bills (others: not found)."""
    receipt = session.scalar(select(Receipt).where(Receipt.number == number))
    if receipt is not None:
        bill = session.get(Bill, receipt.bill_id)
        if bill is not None and (
            (bill.payer_person_id is not None and bill.payer_person_id == principal.person_id)
            or (bill.payer_enterprise_id is not None and bill.payer_enterprise_id in principal.enterprise_ids)
        ):
            return receipt
    raise NotFound(PaymentError.RECEIPT_NOT_FOUND, N_("There is no receipt with this number."))


@dataclass(frozen=True, slots=True)
class ClaimResult:
    receipt: Receipt
    claim: ReceiptClaim


def claim_receipt(uow: UnitOfWork, *, number: str, code: str, claim_reference: str) -> ClaimResult:
    """An insurer or employer (acting for its enterprise) claims a receipt for reimbursement.

    One claim per receipt, ever: a second claim — by anyone — is refused (409)."""
    enterprise_id = uow.actor.acting_for_enterprise_id
    if enterprise_id is None:
        raise Forbidden(
            PaymentError.CLAIMANT_REQUIRED, N_("Choose the enterprise you act for before claiming a receipt.")
        )
    receipt = verified_receipt(uow.session, number, code)
    if uow.session.get(ReceiptClaim, receipt.id) is not None:
        raise _already_claimed()
    claim = ReceiptClaim(
        receipt_id=receipt.id,
        enterprise_id=enterprise_id,
        claim_reference=claim_reference[:64],
        claimed_at=uow.clock.now(),
    )
    uow.session.add(claim)
    try:
        uow.session.flush()
    except IntegrityError as exc:  # a concurrent claim won
        raise _already_claimed() from exc
    ref = ledger.append(
        uow,
        RECEIPT_LOG,
        {
            "type": "claim",
            "number": receipt.number,
            "enterprise_id": enterprise_id,
            "claimed_at": claim.claimed_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        },
    )
    claim.ledger_index = ref.index
    uow.audit("payments.receipt_claimed", "receipt", receipt.number, {"enterprise_id": enterprise_id})
    return ClaimResult(receipt, claim)


def _already_claimed() -> Conflict:
    return Conflict(
        PaymentError.RECEIPT_ALREADY_CLAIMED, N_("This receipt has already been claimed for reimbursement.")
    )


def claim_of(session: Session, receipt: Receipt) -> ReceiptClaim | None:
    return session.get(ReceiptClaim, receipt.id)


def department_of(session: Session, receipt: Receipt) -> Department | None:
    return session.get(Department, receipt.department_id)


@dataclass(frozen=True, slots=True)
class ReceiptLine:
    name: str
    amount_fen: int
    payee: Department | None


def lines_of(session: Session, receipt: Receipt) -> list[ReceiptLine]:
    """The receipt's items, each with its payee department (the receipt's when it names none)."""
    ids = sorted({item_payee(i, receipt.department_id) for i in receipt.items})
    departments = {d.id: d for d in session.scalars(select(Department).where(Department.id.in_(ids)))}
    return [
        ReceiptLine(str(i["name"]), int(i["amount_fen"]), departments.get(item_payee(i, receipt.department_id)))
        for i in receipt.items
    ]


def payees_of(lines: list[ReceiptLine]) -> list[Department]:
    """The distinct payee departments, in the order their items come."""
    seen: dict[int, Department] = {}
    for line in lines:
        if line.payee is not None:
            seen.setdefault(line.payee.id, line.payee)
    return list(seen.values())
