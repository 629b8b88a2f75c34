"""Payouts: money going out of a department's account to an enterprise's account.

Payments otherwise collects (bills → orders → settlement → receipts). A payout is the
reverse: a department pays an enterprise (a subsidy, a refund of contributions) straight
from the treasury to the enterprise's basic deposit account — no channel, no payer to wait
for. Each payout, in the caller's transaction:

* one ``payment_payouts`` row, unique per ``(source, reference)`` (paying the same
  reference twice is refused by the database, so nothing is ever paid twice);
* one **negative** entry (kind ``payout``) in the settlement journal: the paying
  department's account is debited;
* a fiscal payment notice: number ``ZF<year><id>``, a verification code, and the digest
  of its canonical record appended to the ledger's ``receipts`` log (type ``payout``);
* one audit record.

``disburse`` takes many payouts at once (one statement per table, one ledger append): each
still gets its own row, journal entry, notice, ledger entry and audit record.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from onevisit import ledger
from onevisit.kernel.errors import Conflict, NotFound
from onevisit.kernel.i18n import N_
from onevisit.kernel.journal import AuditEntry, audit_many
from onevisit.kernel.rows import Rows
from onevisit.kernel.uow import UnitOfWork
from onevisit.payments.errors import PaymentError
from onevisit.payments.models import Payout
from onevisit.payments.services.receipts import RECEIPT_LOG, digest_of

MAX_PAYOUT_FEN = 10_000_000_000  # 100 million yuan

PAYOUT_COLUMNS = (
    ("id", "int"),
    ("number", "text"),
    ("department_id", "int"),
    ("payee_enterprise_id", "int"),
    ("payee_name", "text"),
    ("payee_account", "text"),
    ("title", "text"),
    ("items", "json"),
    ("amount_fen", "int"),
    ("source", "text"),
    ("reference", "text"),
    ("verify_code", "text"),
    ("paid_at", "time"),
    ("digest", "text"),
    ("ledger_index", "int"),
)
ENTRY_COLUMNS = (
    ("department_id", "int"),
    ("kind", "text"),
    ("source_id", "int"),
    ("amount_fen", "int"),
    ("at", "time"),
)


@dataclass(frozen=True, slots=True)
class PayoutRequest:
    department_id: int
    enterprise_id: int
    payee_name: str
    credit_code: str
    amount_fen: int
    title: str
    source: str
    reference: str
    items: tuple[tuple[str, int], ...] = ()
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class PayoutDone:
    id: int
    number: str
    reference: str
    amount_fen: int
    paid_at: dt.datetime
    ledger_index: int


def payout_number(paid_at: dt.datetime, payout_id: int) -> str:
    return f"ZF{paid_at:%Y}{payout_id:012d}"


def payout_verify_code(secret: str, number: str) -> str:
    return hmac.new(secret.encode(), b"payout:" + number.encode(), hashlib.sha256).hexdigest()[:12]


def payee_account(credit_code: str) -> str:
    """The enterprise's basic deposit account as the treasury shows it (masked; simulated
    from the credit code, as the demo has no bank register)."""
    digits = int(hashlib.sha256(b"account:" + credit_code.encode()).hexdigest()[:8], 16) % 10_000
    return f"****{digits:04d}"


def payout_record(
    *, number: str, amount_fen: int, department_id: int, paid_at: dt.datetime, items: list[dict[str, Any]], payee: str
) -> dict[str, object]:
    """What the ledger holds for a payment notice (integers and strings only)."""
    return {
        "type": "payout",
        "number": number,
        "amount_fen": amount_fen,
        "department_id": department_id,
        "paid_at": paid_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "items": [[i["name"], i["amount_fen"]] for i in items],
        "payee": payee,
    }


def _allocate_ids(rows: Rows, count: int) -> list[int]:
    if rows.pg:
        found = rows.all(
            "SELECT nextval(pg_get_serial_sequence('payment_payouts', 'id')) FROM generate_series(1, %s)", [count]
        )
        return sorted(int(r[0]) for r in found)
    # SQLite: take the write lock first (a no-op write), so no other writer can take the same ids.
    rows.run("UPDATE payment_payouts SET id = id WHERE id < 0")
    top = rows.all("SELECT COALESCE(MAX(id), 0) FROM payment_payouts")[0][0]
    return list(range(int(top) + 1, int(top) + 1 + count))


def disburse(uow: UnitOfWork, requests: Sequence[PayoutRequest], *, rows: Rows | None = None) -> list[PayoutDone]:
    """Pays every request out at once, in the caller's transaction (all or nothing).

    Raises ``Conflict`` (``payments.payout.duplicate``) if any reference was paid before."""
    if not requests:
        return []
    for r in requests:
        if isinstance(r.amount_fen, bool) or r.amount_fen <= 0 or r.amount_fen > MAX_PAYOUT_FEN:
            raise Conflict(
                PaymentError.PAYOUT_INVALID, N_("A payout is a positive amount of at most 100 million yuan.")
            )
    rows = rows or Rows(uow.session)
    now = uow.clock.now()
    secret = uow.platform.settings.secret_key
    ids = _allocate_ids(rows, len(requests))
    payout_rows: list[tuple[Any, ...]] = []
    records: list[dict[str, object]] = []
    for payout_id, r in zip(ids, requests, strict=True):
        number = payout_number(now, payout_id)
        items = [{"name": n, "amount_fen": a} for n, a in (r.items or ((r.title, r.amount_fen),))]
        record = payout_record(
            number=number,
            amount_fen=r.amount_fen,
            department_id=r.department_id,
            paid_at=now,
            items=items,
            payee=r.payee_name,
        )
        records.append(record)
        payout_rows.append(
            (
                payout_id,
                number,
                r.department_id,
                r.enterprise_id,
                r.payee_name[:128],
                payee_account(r.credit_code),
                r.title[:200],
                items,
                r.amount_fen,
                r.source,
                r.reference,
                payout_verify_code(secret, number),
                now,
                digest_of(record),
                None,
            )
        )
    refs = ledger.append_many(uow, RECEIPT_LOG, records)
    payout_rows = [(*row[:-1], ref.index) for row, ref in zip(payout_rows, refs, strict=True)]
    inserted = rows.insert(
        "payment_payouts", PAYOUT_COLUMNS, payout_rows, on_conflict="(source, reference) DO NOTHING", returning="id"
    )
    if len(inserted) != len(payout_rows):
        raise Conflict(PaymentError.PAYOUT_DUPLICATE, N_("This has already been paid out."))
    rows.insert(
        "payment_settlement_entries",
        ENTRY_COLUMNS,
        [(r.department_id, "payout", pid, -r.amount_fen, now) for pid, r in zip(ids, requests, strict=True)],
    )
    audit_many(
        uow,
        [
            AuditEntry(
                "payments.payout",
                "payout",
                row[1],
                {
                    "amount_fen": r.amount_fen,
                    "department_id": r.department_id,
                    "enterprise_id": r.enterprise_id,
                    "source": r.source,
                    "reference": r.reference,
                    **r.detail,
                },
            )
            for row, r in zip(payout_rows, requests, strict=True)
        ],
        rows=rows,
    )
    return [
        PayoutDone(row[0], row[1], r.reference, r.amount_fen, now, ref.index)
        for row, r, ref in zip(payout_rows, requests, refs, strict=True)
    ]


def find_payout(session: Session, number: str) -> Payout:
    payout = session.scalar(select(Payout).where(Payout.number == number))
    if payout is None:
        raise NotFound(PaymentError.PAYOUT_NOT_FOUND, N_("There is no payment notice with this number."))
    return payout


def verified_payout(session: Session, number: str, code: str) -> Payout:
    """A payment notice by number and its verification code (anything else: not found)."""
    payout = session.scalar(select(Payout).where(Payout.number == number))
    if payout is None or not hmac.compare_digest(payout.verify_code, code.lower()):
        raise NotFound(
            PaymentError.PAYOUT_NOT_FOUND, N_("No payment notice matches this number and verification code.")
        )
    return payout


def record_of(payout: Payout) -> dict[str, object]:
    return payout_record(
        number=payout.number,
        amount_fen=payout.amount_fen,
        department_id=payout.department_id,
        paid_at=payout.paid_at,
        items=payout.items,
        payee=payout.payee_name,
    )
