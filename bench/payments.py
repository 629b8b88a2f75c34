"""Payments benchmark: payments settled end to end through the channel simulator, and the
e-receipt PDF.

What one "payment" is here, for each of N outstanding bills (a quarter on each channel):

1. the payer's client asks the platform for a payment order over HTTP
   (``POST /api/v1/payments/orders``: session cookie, CSRF header, Idempotency-Key); the
   platform checks the bill is the payer's and outstanding, records the order (with its
   audit record) and hands back the channel's pay URL: for WeChat Pay and the bank counter
   after registering the order at the channel (a signed server-to-server call, as their
   real APIs require); for Alipay and UnionPay page pay, a URL carrying the order signed
   with the merchant key, which the channel verifies when the payer arrives (no call);
2. the payer confirms at the channel (the simulator's automated payer endpoint, the same
   action as its payment page's button);
3. the channel sends its signed notification (with the simulator's honest defaults: late
   by up to 50 ms, 5 % sent twice), the platform verifies signature, freshness, order,
   channel and amount, and settles the bill exactly once — order and bill updated,
   department settlement entry, fiscal e-receipt, audit record, ``payments.settled`` event,
   the notification recorded — and answers the channel only after that has committed;
4. the receipt is registered on the ledger's ``receipts`` Merkle log.

The clock stops when every bill is paid and every receipt is on the ledger. CPU time is
read from /proc for each process group (this bench client, the simulator, the server
workers, PostgreSQL) and reported per payment, since the machine is shared and the rate
alone is sensitive to the neighbours' load.

    scripts/pg-throwaway.sh start /tmp/pgp          # prints the URL
    uv run python bench/payments.py --pg-url postgresql://postgres@127.0.0.1:PORT/postgres
    scripts/pg-throwaway.sh stop /tmp/pgp

Writes bench/results/payments.json (``--quick``: payments-quick.json).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
from sqlalchemy import func, insert, select

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import (
    Connection,
    CpuMeter,
    free_port,
    fresh_database,
    loadavg,
    postmaster_pid,
    wait_until_up,
    write_result,
)
from onevisit.identity.services import people
from onevisit.identity.services.people import ensure_regions
from onevisit.kernel.migrate import upgrade
from onevisit.kernel.platform import Platform
from onevisit.kernel.settings import Environment, Settings
from onevisit.payments.documents import render_pdf
from onevisit.payments.models import Bill, BillStatus, Receipt
from onevisit.payments.presenters import receipt_document
from onevisit.payments.simulator.app import auto_pay_url

SECRET_KEY = "bench-secret-key-that-is-long-enough-0123456789"  # noqa: S105 - a throwaway bench database
CHANNEL_SECRET = "bench-channel-secret"  # noqa: S105 - the simulator's, for this run only
PASSWORD = "bench password 2026"  # noqa: S105 - the bench payer's, in a throwaway database
CHANNELS = ("alipay", "wechat", "unionpay", "counter")
TICKS = os.sysconf("SC_CLK_TCK")


# --- a lean keep-alive HTTP/1.1 client, so the bench itself eats little CPU -------------


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


async def pay_all(
    numbers: list[str], web: tuple[str, int], sim: tuple[str, int], auth: list[tuple[str, str]], concurrency: int
) -> list[float]:
    """``concurrency`` payers, each on its own keep-alive connections, pay every bill."""
    latencies: list[float] = []
    todo = iter(range(len(numbers)))

    async def payer() -> None:
        server, channel = Connection(*web), Connection(*sim)
        for i in todo:
            started = time.perf_counter()
            body = json.dumps({"bill_number": numbers[i], "channel": CHANNELS[i % 4]}).encode()
            status, answer = await server.request(
                "POST",
                "/api/v1/payments/orders",
                body,
                [*auth, ("content-type", "application/json"), ("idempotency-key", f"bench-{i:08d}")],
            )
            if status != 201:
                raise RuntimeError(f"order for {numbers[i]}: {status} {answer[:300]!r}")
            target = urlsplit(auto_pay_url(json.loads(answer)["pay_url"]))
            path = target.path + ("?" + target.query if target.query else "")
            status, answer = await channel.request(
                "POST", path, b'{"action":"confirm"}', [("content-type", "application/json")]
            )
            if status != 200:
                raise RuntimeError(f"paying {numbers[i]} at the channel: {status} {answer[:300]!r}")
            latencies.append(time.perf_counter() - started)

    await asyncio.gather(*(payer() for _ in range(concurrency)))
    return latencies


def end_to_end(args: argparse.Namespace, url: str) -> dict[str, Any]:
    settings = Settings(environment=Environment.DEVELOPMENT, database_url=url, secret_key=SECRET_KEY)
    platform = Platform(settings)
    upgrade(platform.db.engine)
    id_number, numbers = seed(platform, args.payments)
    sim_port, web_port = free_port(), free_port()
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
    sim_proc = subprocess.Popen(  # noqa: S603
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
    )
    web_proc = subprocess.Popen(  # noqa: S603
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
            "--loop",
            "uvloop",
            "--http",
            "httptools",
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        env=env,
    )
    procs = [sim_proc, web_proc]
    pg_port = urlsplit(args.pg_url).port or 5432
    meter = CpuMeter({"simulator": sim_proc.pid, "server": web_proc.pid, "postgresql": postmaster_pid(pg_port)})
    try:
        wait_until_up(sim_url + "/healthz")
        wait_until_up(web_url + "/healthz")
        with httpx.Client(base_url=web_url, timeout=30) as client:
            login = client.post("/api/v1/auth/login", json={"id_number": id_number, "password": PASSWORD})
            login.raise_for_status()
            cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
            auth = [("cookie", cookie), ("x-csrf-token", login.json()["csrf_token"])]
        print(f"paying {len(numbers)} bills, {args.concurrency} payers, {args.workers} server worker(s) ...")
        load_before = loadavg()
        meter.begin()
        started = time.perf_counter()
        latencies = asyncio.run(
            pay_all(numbers, ("127.0.0.1", web_port), ("127.0.0.1", sim_port), auth, args.concurrency)
        )
        submitted = time.perf_counter() - started
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            paid, registered = _progress(platform)
            if os.environ.get("BENCH_TRACE"):
                print(f"{time.perf_counter() - started:6.2f}s paid {paid} registered {registered}")
            if paid == len(numbers) and registered == len(numbers):
                break
            time.sleep(0.05 if not os.environ.get("BENCH_TRACE") else 0.5)
        elapsed = time.perf_counter() - started
        paid, registered = _progress(platform)
        cpu = meter.per_item_ms(paid)
        load_after = loadavg()
        stats = httpx.get(sim_url + "/_behaviour").json()
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=20)
    with platform.db.session() as session:
        docs = [
            receipt_document(session, receipt, base_url=web_url)
            for receipt in session.scalars(select(Receipt).order_by(Receipt.id).limit(args.pdf_samples + 1))
        ]
    platform.close()
    latencies.sort()
    figures: dict[str, Any] = {
        "payments": len(numbers),
        "settled": paid,
        "receipts_on_ledger": registered,
        "seconds": round(elapsed, 3),
        "payments_per_second": round(paid / elapsed, 1),
        "orders_submitted_seconds": round(submitted, 3),
        "client_latency_ms_p50": round(statistics.median(latencies) * 1000, 1),
        "client_latency_ms_p95": round(latencies[int(len(latencies) * 0.95) - 1] * 1000, 1),
        "cpu_ms_per_payment": cpu,
        "load_average_before": load_before,
        "load_average_after": load_after,
        "concurrency": args.concurrency,
        "server_workers": args.workers,
        "simulator": {
            k: stats[k] for k in ("notifications_sent", "notifications_delivered", "duplicate_rate", "delay_max")
        },
    }
    return {"e2e": figures, "docs": docs}


def time_pdf(docs: list[Any]) -> dict[str, Any]:
    """Each sample a different receipt (nothing rendered twice), after one warm-up."""
    render_pdf(docs[0])
    times, cpu = [], []
    for doc in docs[1:]:
        started, used = time.perf_counter(), time.process_time()
        render_pdf(doc)
        times.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - used) * 1000)
    times.sort()
    samples = len(times)
    return {
        "samples": samples,
        "ms_p50": round(statistics.median(times), 1),
        "ms_p95": round(times[max(int(samples * 0.95) - 1, 0)], 1),
        "ms_max": round(times[-1], 1),
        "cpu_ms_p50": round(statistics.median(cpu), 1),
        "load_average": loadavg(),
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
    parser.add_argument(
        "--workers",
        type=int,
        default=2,
        help="uvicorn worker processes (2 on 2 cores: one process is bound by its GIL at ~1 core; "
        "a second costs ~10 %% more CPU per payment in smaller batches; see docs/payments.md)",
    )
    parser.add_argument("--pdf-samples", type=int, default=50)
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
        f"{e2e['payments_per_second']} payments/s (target >= 300); load {e2e['load_average_before']} -> "
        f"{e2e['load_average_after']}"
    )
    print("CPU ms per payment: " + ", ".join(f"{k} {v}" for k, v in e2e["cpu_ms_per_payment"].items()))
    pdf = time_pdf(out["docs"]) if len(out["docs"]) > 1 else {}
    print(
        f"e-receipt PDF: p50 {pdf.get('ms_p50')} ms, p95 {pdf.get('ms_p95')} ms, CPU p50 {pdf.get('cpu_ms_p50')} ms "
        f"(target <= 150 ms); load {pdf.get('load_average')}"
    )
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
