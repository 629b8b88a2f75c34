"""Settlement SQL: the multi-row INSERT columns, the conditional UPDATEs and payer-name lookup."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from onevisit.kernel.rows import Rows

NOTIFICATION_COLUMNS = (
    ("channel", "text"),
    ("notify_id", "text"),
    ("order_number", "text"),
    ("outcome", "text"),
    ("reason", "text"),
    ("body_sha256", "text"),
    ("ip", "text"),
    ("received_at", "time"),
)
ENTRY_COLUMNS = (
    ("department_id", "int"),
    ("kind", "text"),
    ("source_id", "int"),
    ("amount_fen", "int"),
    ("at", "time"),
)
RECEIPT_COLUMNS = (
    ("number", "text"),
    ("verify_code", "text"),
    ("order_id", "int"),
    ("bill_id", "int"),
    ("payer_name", "text"),
    ("department_id", "int"),
    ("items", "json"),
    ("amount_fen", "int"),
    ("channel", "text"),
    ("issued_at", "time"),
    ("digest", "text"),
)
TAKE_BILLS_PG = (
    "UPDATE payment_bills AS b SET status = 'paid', paid_order_id = v.order_id, paid_at = %s "
    "FROM unnest(%s::bigint[], %s::bigint[]) AS v(bill_id, order_id) "
    "WHERE b.id = v.bill_id AND b.status = 'outstanding' RETURNING b.id, b.number, b.kind, b.source, "
    "b.reference, b.department_id, b.items, b.payer_person_id, b.payer_enterprise_id, "
    "COALESCE((SELECT p.name FROM persons p WHERE p.id = b.payer_person_id), "
    "(SELECT e.name FROM enterprises e WHERE e.id = b.payer_enterprise_id), '')"
)
TAKE_BILL = (
    "UPDATE payment_bills SET status = 'paid', paid_order_id = %s, paid_at = %s "
    "WHERE id = %s AND status = 'outstanding' RETURNING id, number, kind, source, reference, department_id, "
    "items, payer_person_id, payer_enterprise_id"
)
CLOSE_ORDERS_PG = (
    "UPDATE payment_orders SET status = 'closed' WHERE id = ANY(%s::bigint[]) AND status = 'pending' RETURNING id"
)


def _payer_names(db: Rows, bills: Sequence[Sequence[Any]]) -> tuple[dict[int, str], dict[int, str]]:
    """Payers' names by person and enterprise id (``bills``: rows ending with the two ids)."""
    people = sorted({b[7] for b in bills if b[7] is not None})
    firms = sorted({b[8] for b in bills if b[8] is not None})
    found: list[dict[int, str]] = []
    for table, ids in (("persons", people), ("enterprises", firms)):
        names: dict[int, str] = {}
        if ids:
            where, params = db.where_in("id", ids, "int")
            names = {int(i): str(n) for i, n in db.all(f"SELECT id, name FROM {table} WHERE {where}", params)}  # noqa: S608 - placeholders only
        found.append(names)
    return found[0], found[1]
