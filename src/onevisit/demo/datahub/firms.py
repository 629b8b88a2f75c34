"""Per-enterprise records: read the seeded enterprises back, then one builder per enterprise item."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import text

from onevisit.demo.datahub.people import IntArray
from onevisit.kernel.platform import Platform


@dataclass(slots=True)
class _Firms:
    keys: list[bytes]
    rows: list[tuple[Any, ...]]


def read_firms(platform: Platform) -> _Firms:
    with platform.db.engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT e.credit_code, e.name, e.kind, p.name, e.registered_capital_fen, e.established_on, e.address, "
                "e.status, e.industry, e.employees FROM enterprises e JOIN persons p ON p.id = e.legal_rep_id "
                "ORDER BY e.credit_code"
            )
        ).all()
    return _Firms([r[0].encode("ascii") for r in rows], [tuple(r) for r in rows])


def firm_builders(
    rng: np.random.Generator, f: _Firms
) -> dict[str, tuple[IntArray, Callable[[int, int], dict[str, Any]]]]:
    m = len(f.rows)
    u = rng.random((6, m))
    industry = np.array([r[8] for r in f.rows]) if m else np.array([], dtype=str)
    employees = np.array([int(r[9]) for r in f.rows], dtype=np.int64)
    making = industry == "C"
    one = np.ones(m, dtype=np.int64)
    pick = rng.integers(0, max(m, 1), m)

    def size(i: int) -> str:
        e = employees[i]
        return "micro" if e < 10 else "small" if e < 100 else "medium" if e < 300 else "large"

    b: dict[str, tuple[IntArray, Callable[[int, int], dict[str, Any]]]] = {}
    b["amr.business_registration"] = (
        one,
        lambda i, k: {
            "name": f.rows[i][1],
            "kind": f.rows[i][2],
            "legal_rep_name": f.rows[i][3],
            "registered_capital_yuan": int(f.rows[i][4]) // 100,
            "established_on": str(f.rows[i][5])[:10],
            "address": f.rows[i][6],
            "status": f.rows[i][7],
        },
    )
    b["tax.enterprise_credit"] = (
        one,
        lambda i, k: {
            "year": 2024,
            "rating": "ABMCD"[min(int(u[0][i] ** 2 * 5), 4)],
            "address": f.rows[pick[i]][6] if u[1][i] < 0.01 else f.rows[i][6],
        },
    )
    b["drc.public_credit"] = (
        one,
        lambda i, k: {
            "rating": ("优", "良", "中", "差")[min(int(u[2][i] ** 1.5 * 4), 3)],
            "red_list": bool(u[3][i] < 0.03),
            "black_list": bool(u[3][i] > 0.995),
        },
    )
    b["stats.enterprise_size"] = (one, lambda i, k: {"size": size(i), "employees": int(employees[i])})
    b["ee.discharge_permit"] = (
        (making & (u[4] < 0.4)).astype(np.int64),
        lambda i, k: {"permit_no": f"{f.keys[i].decode()}001V", "valid_until": f"{2026 + i % 5}-06-30"},
    )
    b["wr.water_permit"] = (
        (making & (u[4] > 0.85)).astype(np.int64),
        lambda i, k: {
            "permit_no": f"取水(浙)字[{2020 + i % 5}]第{i:05d}号",
            "annual_m3": 10000 + int(u[5][i] * 500000),
        },
    )
    b["com.foreign_trade"] = (
        ((industry == "F") | making).astype(np.int64) * (u[5] < 0.2),
        lambda i, k: {"filing_no": f"0{i:07d}", "filed_on": f"{2010 + i % 15}-05-20"},
    )
    b["eit.srdi_sme"] = (
        (making & (employees >= 10) & (u[2] > 0.95)).astype(np.int64),
        lambda i, k: {"level": "国家级" if u[1][i] < 0.1 else "省级", "recognised_on": f"{2019 + i % 6}-11-01"},
    )
    return b
