"""Payments benchmark: payments settled end to end through the channel simulator, and the
e-receipt PDF.

End to end, for each of N bills: the payer's client asks the platform for a payment order
over HTTP (``POST /api/v1/payments/orders`` with an Idempotency-Key; the platform registers
the order at the channel), the payer confirms at the channel (the simulator's automated
payer), the channel sends its signed notification (with the simulator's honest defaults:
some late, some twice), the platform verifies it and settles the bill — order, bill,
department entry, receipt, outbox — and registers the receipt on the ledger. The clock
stops when every bill is paid and every receipt is on the ledger.

    scripts/pg-throwaway.sh start /tmp/pgp          # prints the URL
    uv run python bench/payments.py --pg-url postgresql://postgres@127.0.0.1:PORT/postgres
    scripts/pg-throwaway.sh stop /tmp/pgp

Writes bench/results/payments.json (``--quick``: payments-quick.json).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, func, insert, select, text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import write_result
from onevisit.identity.services import people
from onevisit.identity.services.people import ensure_regions
from onevisit.kernel.migrate import upgrade
from onevisit.kernel.platform import Platform
from onevisit.kernel.settings import Environment, Settings
from onevisit.payments.documents import render_pdf
from onevisit.payments.models import Bill, BillStatus, Receipt
from onevisit.payments.presenters import receipt_document

SECRET_KEY = "bench-secret-key-that-is-long-enough-0123456789"  # noqa: S105 - a throwaway bench database
CHANNEL_SECRET = "bench-channel-secret"  # noqa: S105 - the simulator's, for this run only
PASSWORD = "bench password 2026"  # noqa: S105 - the bench payer's, in a throwaway database
CHANNELS = ("alipay", "wechat", "unionpay", "counter")


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{url} did not come up")


def fresh_database(pg_url: str, name: str) -> str:
    admin = create_engine(pg_url.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return pg_url.rsplit("/", 1)[0] + "/" + name


def seed(platform: Platform, bills: int) -> tuple[str, list[str]]:
    """One payer (a citizen with a password) and ``bills`` outstanding bills."""
    from onevisit.demo.departments import ensure_departments
    from onevisit.identity.idnumbers import make_id_number

    with platform.uow() as uow:
        ensure_regions(uow.session)
        ensure_departments(uow.session)
        number = make_id_number("330106", dt.date(1988, 8, 8), 123)
        person = people.register_person(uow, id_number=number, name="压测用户", region_code="330106", phone=None)
        people.ensure_account(uow, person, password=PASSWORD)
        dep = people.find_department(uow.session, "ZJ-PSB")
        now = uow.clock.now()
        rows: list[dict[str, Any]] = [
            {
                "number": f"B{i:015d}",
                "pay_code": "ABCDEFGH",
                "kind": "traffic_fine",
                "department_id": dep.id,
                "payer_person_id": person.id,
                "payer_enterprise_id": None,
                "title": "交通违法罚款",
                "items": [{"name": "交通违法罚款", "amount_fen": 10_000 + i}],
                "amount_fen": 10_000 + i,
                "status": BillStatus.OUTSTANDING,
                "due_on": None,
                "source": "bench",
                "reference": f"R{i}",
                "paid_order_id": None,
                "paid_at": None,
                "created_at": now,
            }
            for i in range(bills)
        ]
        for start in range(0, len(rows), 5000):
            uow.session.execute(insert(Bill), rows[start : start + 5000])
    return number, [r["number"] for r in rows]


def _progress(platform: Platform) -> tuple[int, int]:
    with platform.db.session() as session:
        paid = session.scalar(select(func.count()).select_from(Bill).where(Bill.status == BillStatus.PAID)) or 0
        registered = session.scalar(select(func.count()).select_from(Receipt).where(Receipt.ledger_index >= 0)) or 0
    return int(paid), int(registered)


def end_to_end(args: argparse.Namespace, url: str) -> dict[str, Any]:
    settings = Settings(environment=Environment.DEVELOPMENT, database_url=url, secret_key=SECRET_KEY)
    platform = Platform(settings)
    upgrade(platform.db.engine)
    id_number, numbers = seed(platform, args.payments)
    sim_port, web_port = _free_port(), _free_port()
    sim_url, web_url = f"http://127.0.0.1:{sim_port}", f"http://127.0.0.1:{web_port}"
    env = {
        **os.environ,
        "ONEVISIT_DATABASE_URL": url,
        "ONEVISIT_SECRET_KEY": SECRET_KEY,
        "ONEVISIT_PAYMENTS_CHANNEL_SECRET": CHANNEL_SECRET,
        "ONEVISIT_PAYMENTS_GATEWAY_URL": sim_url,
        "ONEVISIT_BASE_URL": web_url,
        "ONEVISIT_LEDGER_HEAD_INTERVAL_SECONDS": "0",
        "ONEVISIT_ENVIRONMENT": "development",
    }
    behaviour = {"delay_max": 0.05, "duplicate_rate": 0.05, "drop_rate": 0.0, "max_attempts": 8}
    procs = [
        subprocess.Popen(  # noqa: S603
            [
                sys.executable,
                "-m",
                "onevisit.payments.simulator",
                "--port",
                str(sim_port),
                "--secret",
                CHANNEL_SECRET,
                "--behaviour",
                json.dumps(behaviour),
                "--seed",
                "1",
            ],
            env=env,
        ),
        subprocess.Popen(  # noqa: S603
            [
                sys.executable,
                "-m",
                "uvicorn",
                "onevisit.app:create_app",
                "--factory",
                "--host",
                "127.0.0.1",
                "--port",
                str(web_port),
                "--workers",
                str(args.workers),
                "--log-level",
                "warning",
                "--no-access-log",
            ],
            env=env,
        ),
    ]
    try:
        _wait(sim_url + "/healthz")
        _wait(web_url + "/healthz")
        limits = httpx.Limits(max_connections=args.concurrency * 2, max_keepalive_connections=args.concurrency * 2)
        client = httpx.Client(base_url=web_url, timeout=30, limits=limits)
        login = client.post("/api/v1/auth/login", json={"id_number": id_number, "password": PASSWORD})
        login.raise_for_status()
        csrf = login.json()["csrf_token"]
        sim = httpx.Client(timeout=30, limits=limits)
        latencies: list[float] = []
        lock = threading.Lock()

        def pay(i: int) -> None:
            started = time.perf_counter()
            order = client.post(
                "/api/v1/payments/orders",
                json={"bill_number": numbers[i], "channel": CHANNELS[i % 4]},
                headers={"X-CSRF-Token": csrf, "Idempotency-Key": f"bench-{i:08d}"},
            )
            order.raise_for_status()
            sim.post(order.json()["pay_url"] + "/auto", json={"action": "confirm"}).raise_for_status()
            with lock:
                latencies.append(time.perf_counter() - started)

        print(f"paying {len(numbers)} bills, {args.concurrency} payers, {args.workers} server worker(s) ...")
        started = time.perf_counter()
        with ThreadPoolExecutor(args.concurrency) as pool:
            list(pool.map(pay, range(len(numbers))))
        submitted = time.perf_counter() - started
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            paid, registered = _progress(platform)
            if paid == len(numbers) and registered == len(numbers):
                break
            time.sleep(0.05)
        elapsed = time.perf_counter() - started
        paid, registered = _progress(platform)
        stats = httpx.get(sim_url + "/_behaviour").json()
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=20)
    with platform.db.session() as session:
        receipt = session.scalar(select(Receipt).limit(1))
        doc = receipt_document(session, receipt, base_url=web_url) if receipt else None
    platform.close()
    figures: dict[str, Any] = {
        "payments": len(numbers),
        "settled": paid,
        "receipts_on_ledger": registered,
        "seconds": round(elapsed, 3),
        "payments_per_second": round(paid / elapsed, 1),
        "orders_submitted_seconds": round(submitted, 3),
        "client_latency_ms_p50": round(statistics.median(latencies) * 1000, 1),
        "client_latency_ms_p95": round(sorted(latencies)[int(len(latencies) * 0.95) - 1] * 1000, 1),
        "concurrency": args.concurrency,
        "server_workers": args.workers,
        "simulator": {
            k: stats[k] for k in ("notifications_sent", "notifications_delivered", "duplicate_rate", "delay_max")
        },
    }
    return {"e2e": figures, "doc": doc}


def time_pdf(doc: Any, samples: int) -> dict[str, float]:
    render_pdf(doc)
    times = []
    for _ in range(samples):
        started = time.perf_counter()
        render_pdf(doc)
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return {
        "samples": samples,
        "ms_p50": round(statistics.median(times), 1),
        "ms_p95": round(times[int(samples * 0.95) - 1], 1),
        "ms_max": round(times[-1], 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--pg-url",
        default=os.environ.get("ONEVISIT_BENCH_PG_URL", ""),
        help="PostgreSQL server URL (a database bench_payments is created there)",
    )
    parser.add_argument("--payments", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2, help="uvicorn worker processes")
    parser.add_argument("--pdf-samples", type=int, default=30)
    parser.add_argument("--quick", action="store_true", help="300 payments")
    args = parser.parse_args()
    if not args.pg_url:
        parser.error("--pg-url is required (scripts/pg-throwaway.sh start /tmp/pgp prints one)")
    if args.quick:
        args.payments = min(args.payments, 300)
    url = fresh_database(args.pg_url, "bench_payments")
    out = end_to_end(args, url)
    e2e = out["e2e"]
    print(
        f"settled {e2e['settled']}/{e2e['payments']} in {e2e['seconds']} s: "
        f"{e2e['payments_per_second']} payments/s (target >= 300)"
    )
    pdf = time_pdf(out["doc"], args.pdf_samples) if out["doc"] else {}
    print(f"e-receipt PDF: p50 {pdf.get('ms_p50')} ms, p95 {pdf.get('ms_p95')} ms (target <= 150 ms)")
    name = "payments-quick" if args.quick else "payments"
    path = write_result(
        name,
        {
            "database": "postgresql",
            "end_to_end": e2e,
            "receipt_pdf": pdf,
            "targets": {"payments_per_second": 300, "receipt_pdf_ms": 150},
            "met": {
                "payments_per_second": e2e["payments_per_second"] >= 300,
                "receipt_pdf_ms": bool(pdf) and pdf["ms_p95"] <= 150,
            },
        },
    )
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
