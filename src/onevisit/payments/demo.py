"""Outstanding bills for the demo province: traffic fines, utility bills, social-insurance
contributions (and the odd tax or medical bill), deterministic for a given seed.

Called by ``onevisit.demo.seed.seed_province`` inside its transaction; people and
enterprises are the seeded rows ``1..n``. Bills are bulk-inserted (one statement per chunk).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
from sqlalchemy import insert, select

from onevisit.identity.models import Department
from onevisit.kernel.uow import UnitOfWork
from onevisit.payments.models import Bill, BillKind, BillStatus

MAX_PEOPLE = 5_000
MAX_ENTERPRISES = 500
_CODE = np.array(list("23456789ABCDEFGHJKLMNPQRSTUVWXYZ"))

#: (kind, department code, title, items [(name, low fen, high fen)])
PERSON_BILLS: tuple[tuple[BillKind, str, str, list[tuple[str, int, int]]], ...] = (
    (BillKind.TRAFFIC_FINE, "ZJ-PSB", "交通违法罚款（超速）", [("交通违法罚款", 5_000, 20_000)]),
    (BillKind.TRAFFIC_FINE, "ZJ-PSB", "交通违法罚款（违停）", [("交通违法罚款", 5_000, 15_000)]),
    (BillKind.UTILITY, "ZJ-HURD", "水费（本月）", [("自来水费", 1_500, 9_000), ("污水处理费", 500, 2_500)]),
    (BillKind.UTILITY, "ZJ-HURD", "燃气费（本月）", [("管道燃气费", 2_000, 15_000)]),
    (BillKind.SOCIAL_INSURANCE, "ZJ-HRSS", "城乡居民基本养老保险（年度）", [("个人缴费", 10_000, 300_000)]),
    (BillKind.SOCIAL_INSURANCE, "ZJ-HSA", "城乡居民基本医疗保险（年度）", [("个人缴费", 38_000, 38_000)]),
    (
        BillKind.MEDICAL,
        "ZJ-HEALTH",
        "门诊费用（信用就医，先诊疗后付费）",
        [("诊疗费", 1_000, 5_000), ("药品费", 500, 30_000)],
    ),
    (BillKind.TAX, "ZJ-TAX", "车船税", [("车船税", 36_000, 54_000)]),
)
ENTERPRISE_BILLS: tuple[tuple[BillKind, str, str, list[tuple[str, int, int]]], ...] = (
    (
        BillKind.SOCIAL_INSURANCE,
        "ZJ-HRSS",
        "单位社会保险费（本月）",
        [("养老保险单位缴费", 200_000, 2_000_000), ("失业保险单位缴费", 10_000, 100_000)],
    ),
    (BillKind.TAX, "ZJ-TAX", "城镇土地使用税", [("城镇土地使用税", 50_000, 900_000)]),
)


def seed_payments(uow: UnitOfWork, *, seed: int, people: int, enterprises: int) -> int:
    """Creates the demo bills; returns how many."""
    departments = {str(code): int(id_) for code, id_ in uow.session.execute(select(Department.code, Department.id))}
    rng = np.random.default_rng(seed + 6)
    now = uow.clock.now()
    today = now.date()
    rows: list[dict[str, Any]] = []

    def add(
        person: int | None, enterprise: int | None, spec: tuple[BillKind, str, str, list[tuple[str, int, int]]]
    ) -> None:
        kind, dep, title, items = spec
        if dep not in departments:
            return
        parts = [{"name": n, "amount_fen": int(rng.integers(lo, hi + 1)) // 10 * 10} for n, lo, hi in items]
        number = f"B{now:%y%m%d}{len(rows) + 1:010d}"
        rows.append(
            {
                "number": number,
                "pay_code": "".join(rng.choice(_CODE, 8)),
                "kind": str(kind),
                "department_id": departments[dep],
                "payer_person_id": person,
                "payer_enterprise_id": enterprise,
                "title": title,
                "items": parts,
                "amount_fen": sum(p["amount_fen"] for p in parts),
                "status": BillStatus.OUTSTANDING,
                "due_on": today + dt.timedelta(days=int(rng.integers(7, 60))),
                "source": "demo",
                "reference": number,
                "paid_order_id": None,
                "paid_at": None,
                "created_at": now,
            }
        )

    for person in range(1, min(people, MAX_PEOPLE) + 1):
        count = 3 if person <= 20 else int(rng.integers(0, 3))  # the demo logins live in the first households
        for index in rng.choice(len(PERSON_BILLS), size=count, replace=False):
            add(person, None, PERSON_BILLS[int(index)])
    for enterprise in range(1, min(enterprises, MAX_ENTERPRISES) + 1):
        for spec in ENTERPRISE_BILLS:
            add(None, enterprise, spec)
    for start in range(0, len(rows), 5_000):
        uow.session.execute(insert(Bill), rows[start : start + 5_000])
    uow.audit("payments.demo_bills", "bill", "demo", {"bills": len(rows)})
    return len(rows)
