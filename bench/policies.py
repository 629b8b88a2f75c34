"""Policies benchmark: 100,000 confirmed offers disbursed, each with its own payout.

    uv run python -m bench.policies                       # SQLite (a file in /tmp), 100,000 offers
    uv run python -m bench.policies --pg-url postgresql://postgres@127.0.0.1:5432/ovbench
    uv run python -m bench.policies --offers 10000 --quick

A fresh, migrated database gets 100,000 enterprises (legal representatives shared among
1,000 people), one published policy, and 100,000 offers already **confirmed** (status
``confirmed``, the budget reserved on the policy row, as a confirmation leaves them). The
timed part is the production disbursement path, ``offers.disburse_confirmed`` in units of
work of ``--batch`` offers: for every offer its own ``payment_payouts`` row (number,
verification code, digest), its own negative settlement-journal entry debiting the
department, its own payment notice appended to the ledger's ``receipts`` log (one
``append_many`` per batch), its own audit records (``payments.payout`` and
``policies.offer_paid``) and the offer marked paid — then committed. Afterwards every count
is checked (N payouts, N journal entries, N ledger entries, 2N audit records, N paid offers).

Baseline in the same run: the one-click path (``offers.confirm``, one transaction per
confirmation, budget row update included) for ``--clicks`` offers, to show what a
confirmation costs alone and what batching buys. The 1-minute load average is recorded
before and after each part (the machine is shared). Writes bench/results/policies.json
(policies-postgresql.json with ``--pg-url``; ``-quick`` with ``--quick``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, func, insert, select, text

from bench.common import write_result
from onevisit.demo.departments import ensure_departments
from onevisit.identity.services.people import ensure_regions
from onevisit.kernel.actors import ActorKind, Principal, system_actor
from onevisit.kernel.audit import AuditEvent
from onevisit.kernel.db import Database
from onevisit.kernel.migrate import upgrade
from onevisit.kernel.platform import Platform
from onevisit.kernel.rows import Rows
from onevisit.kernel.settings import Settings
from onevisit.ledger.models import LedgerEntry
from onevisit.payments.models import Payout, SettlementEntry
from onevisit.policies.models import Offer, Policy
from onevisit.policies.services import offers

SECRET = "bench-secret-key-that-is-long-enough-0123456789"  # noqa: S105 - a throwaway database
PEOPLE = 1_000
AMOUNT_FEN = 50_000


def _load() -> float:
    return round(os.getloadavg()[0], 2)


def _platform(url: str) -> Platform:
    settings = Settings(database_url=url, secret_key=SECRET)
    platform = Platform(settings, database=Database(url))
    upgrade(platform.db.engine)
    return platform


def fresh(pg_url: str | None, work: Path) -> Platform:
    if pg_url:
        admin = create_engine(pg_url.replace("postgresql://", "postgresql+psycopg://"))
        with admin.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        admin.dispose()
        return _platform(pg_url)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{work / 'policies.db'}{suffix}").unlink(missing_ok=True)
    return _platform(f"sqlite:///{work / 'policies.db'}")


def populate(platform: Platform, enterprises: int, confirmed: int, waiting: int) -> tuple[int, list[tuple[int, str]]]:
    """People, enterprises, a published policy, ``confirmed`` confirmed offers and ``waiting``
    open ones; returns the policy id and the open offers as (legal rep person id, number)."""
    now = platform.clock.now()
    today = now.date()
    with platform.uow(system_actor("bench")) as uow:
        ensure_regions(uow.session)
        ensure_departments(uow.session)
        department = uow.session.execute(text("SELECT id FROM departments WHERE code = 'ZJ-HRSS'")).scalar_one()
        rows = Rows(uow.session)
        if not rows.pg:
            rows.insert(
                "persons",
                (
                    ("id", "int"),
                    ("id_number_enc", "text"),
                    ("id_number_index", "text"),
                    ("name", "text"),
                    ("gender", "text"),
                    ("birth_date", "text"),
                    ("birth_region_code", "text"),
                    ("region_code", "text"),
                    ("address", "text"),
                    ("created_at", "time"),
                ),
                [
                    (i, f"enc{i}", f"idx{i:012d}", f"法人{i}", "F", "1980-01-01", "330106", "330106", "", now)
                    for i in range(1, PEOPLE + 1)
                ],
            )
        else:  # bytea and date columns: let PostgreSQL convert
            uow.session.execute(
                text(
                    "INSERT INTO persons (id, id_number_enc, id_number_index, name, gender, birth_date, "
                    "birth_region_code, region_code, address, created_at) "
                    "SELECT g, convert_to('enc' || g, 'UTF8'), convert_to(lpad(g::text, 16, '0'), 'UTF8'), "
                    "'法人' || g, 'F', DATE '1980-01-01', '330106', '330106', '', now() "
                    "FROM generate_series(1, :n) g"
                ),
                {"n": PEOPLE},
            )
        uow.session.execute(
            text(
                "INSERT INTO enterprises (id, credit_code, name, kind, legal_rep_id, region_code, industry, "
                "registered_capital_fen, established_on, employees, address, status, created_at) "
                "VALUES (:id, :code, :name, 'limited_company', :rep, '330106', 'I', 100000000, :est, 20, '', "
                "'active', :now)"
            ),
            [
                {
                    "id": i,
                    "code": f"91330106MA{i:08d}",
                    "name": f"杭州基准{i}有限公司",
                    "rep": (i % PEOPLE) + 1,
                    "est": dt.date(2018, 1, 1),
                    "now": now,
                }
                for i in range(1, enterprises + 1)
            ],
        )
        total = confirmed + waiting
        policy = Policy(
            code="bench-rent-subsidy",
            department_id=department,
            title="基准测试：员工租房补贴",
            summary="",
            legal_basis="",
            eligibility="employees >= 5",
            benefit=str(AMOUNT_FEN),
            budget_fen=AMOUNT_FEN * total,
            committed_fen=AMOUNT_FEN * confirmed,
            starts_on=dt.date(today.year, 1, 1),
            ends_on=dt.date(today.year, 12, 31),
            recurrence="once",
            status="published",
            rule_version=1,
            last_match={},
            created_by="system:bench",
            created_at=now,
            updated_at=now,
            published_at=now,
        )
        uow.session.add(policy)
        uow.session.flush()
        policy_id = policy.id
        explanation = {
            "eligibility": {
                "text": "employees >= 5",
                "status": "held",
                "value": True,
                "inputs": {"employees": 20},
                "children": [],
            },
            "benefit": {"text": str(AMOUNT_FEN), "status": "value", "value": AMOUNT_FEN, "inputs": {}, "children": []},
        }
        values: list[dict[str, Any]] = []
        for i in range(1, total + 1):
            status = "confirmed" if i <= confirmed else "offered"
            values.append(
                {
                    "number": f"YH{policy_id}-once-{i}",
                    "policy_id": policy_id,
                    "enterprise_id": i,
                    "period": "once",
                    "amount_fen": AMOUNT_FEN,
                    "status": status,
                    "rule_version": 1,
                    "as_of": today,
                    "inputs": {"employees": 20},
                    "explanation": explanation,
                    "created_at": now,
                    "confirmed_by_person_id": (i % PEOPLE) + 1 if status == "confirmed" else None,
                    "confirmed_at": now if status == "confirmed" else None,
                }
            )
        for start in range(0, len(values), 10_000):
            uow.session.execute(insert(Offer), values[start : start + 10_000])
    clicks = [((i % PEOPLE) + 1, f"YH{policy_id}-once-{i}") for i in range(confirmed + 1, total + 1)]
    return policy_id, clicks


def disburse_all(platform: Platform, batch: int) -> dict[str, Any]:
    load_before = _load()
    started = time.perf_counter()
    cpu_started = time.process_time()
    batches = paid = 0
    while True:
        with platform.uow(system_actor("bench-disburse")) as uow:
            done = offers.disburse_confirmed(uow, limit=batch)
        if not done:
            break
        paid += done
        batches += 1
    seconds = time.perf_counter() - started
    return {
        "offers": paid,
        "batches": batches,
        "batch": batch,
        "seconds": round(seconds, 2),
        "per_second": round(paid / seconds),
        "cpu_seconds": round(time.process_time() - cpu_started, 2),
        "load_before": load_before,
        "load_after": _load(),
    }


def one_click(platform: Platform, clicks: list[tuple[int, str]]) -> dict[str, Any]:
    load_before = _load()
    started = time.perf_counter()
    for person_id, number in clicks:
        actor = Principal(kind=ActorKind.CITIZEN, person_id=person_id, account_id=None)
        with platform.uow(actor) as uow:
            offers.confirm(uow, number)
    seconds = time.perf_counter() - started
    return {
        "confirmations": len(clicks),
        "seconds": round(seconds, 2),
        "per_second": round(len(clicks) / seconds) if seconds else None,
        "load_before": load_before,
        "load_after": _load(),
    }


def check(platform: Platform, expected: int) -> dict[str, int]:
    with platform.db.session() as session:
        counts = {
            "payouts": session.scalar(select(func.count()).select_from(Payout)) or 0,
            "distinct_references": session.scalar(select(func.count(func.distinct(Payout.reference)))) or 0,
            "journal_entries": session.scalar(
                select(func.count()).select_from(SettlementEntry).where(SettlementEntry.kind == "payout")
            )
            or 0,
            "ledger_entries": session.scalar(select(func.count()).select_from(LedgerEntry)) or 0,
            "audit_payouts": session.scalar(
                select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "payments.payout")
            )
            or 0,
            "audit_offers_paid": session.scalar(
                select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "policies.offer_paid")
            )
            or 0,
            "offers_paid": session.scalar(select(func.count()).where(Offer.status == "paid")) or 0,
        }
        debited = session.scalar(select(func.sum(SettlementEntry.amount_fen)).where(SettlementEntry.kind == "payout"))
        policy = session.scalars(select(Policy)).one()
    for name, value in counts.items():
        if value != expected:
            raise SystemExit(f"check failed: {name} = {value}, expected {expected}")
    if debited != -AMOUNT_FEN * expected or policy.committed_fen > policy.budget_fen:
        raise SystemExit(f"check failed: debited {debited}, committed {policy.committed_fen}/{policy.budget_fen}")
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--offers", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=5_000)
    parser.add_argument("--clicks", type=int, default=1_000, help="one-click confirmations (baseline)")
    parser.add_argument("--pg-url", default=None)
    parser.add_argument("--quick", action="store_true", help="10,000 offers, 200 clicks")
    args = parser.parse_args()
    if args.quick:
        args.offers, args.clicks = 10_000, 200
    work = Path(tempfile.mkdtemp(prefix="ov-bench-policies-"))
    platform = fresh(args.pg_url, work)
    database = "postgresql" if args.pg_url else "sqlite"
    print(f"populating {args.offers:,} confirmed offers + {args.clicks:,} open ones ({database})…", flush=True)
    started = time.perf_counter()
    _, clicks = populate(platform, args.offers + args.clicks, args.offers, args.clicks)
    populate_seconds = time.perf_counter() - started
    print(f"  {populate_seconds:.1f} s; load {_load()}", flush=True)
    disbursed = disburse_all(platform, args.batch)
    print(
        f"disbursed {disbursed['offers']:,} in {disbursed['seconds']} s ({disbursed['per_second']:,}/s), "
        f"load {disbursed['load_before']} → {disbursed['load_after']}",
        flush=True,
    )
    counts = check(platform, args.offers)
    clicked = one_click(platform, clicks)
    print(
        f"one-click baseline: {clicked['confirmations']:,} in {clicked['seconds']} s "
        f"({clicked['per_second']}/s), load {clicked['load_before']} → {clicked['load_after']}",
        flush=True,
    )
    check_all = check(platform, args.offers + args.clicks)
    platform.close()
    name = "policies" + ("-postgresql" if args.pg_url else "") + ("-quick" if args.quick else "")
    path = write_result(
        name,
        {
            "database": database,
            "target": "100,000 confirmed offers disbursed (payout, journal entry, notice on the ledger, audit) <= 60 s",
            "populate_seconds": round(populate_seconds, 1),
            "disbursement": disbursed,
            "checked": counts,
            "one_click_baseline": clicked,
            "checked_after_clicks": check_all,
            "speedup_of_batching": round(disbursed["per_second"] / clicked["per_second"], 1)
            if clicked["per_second"]
            else None,
        },
    )
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
