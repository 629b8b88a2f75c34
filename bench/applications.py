"""Instant approval end to end against a real server: an online car-hailing driver
qualification applied for through ``POST /api/v1/applications`` and issued in the same
request — the dossier read (access log), the rules, the certificate signed and appended to
the ledger, the audit and history rows — beside the hello-world ``/healthz`` of the same
server in the same run.

    uv run python bench/applications.py [--database-url postgresql://…] [--workers 2]
        [--count 4000] [--concurrency 32] [--rate 100] [--seconds 10]

uvicorn serves (``--workers`` processes, uvloop, httptools); a lean asyncio HTTP/1.1 client
on keep-alive connections drives it from this process. Three phases, each for ``/healthz``
and then for applications:

1. throughput: ``--concurrency`` clients, one request after another, ``--count`` requests
   (32 clients: enough requests in flight that both workers' group commits stay busy, as
   at 300 a second with ~100 ms answers; fewer leave the server idle between batches);
2. offered load: requests started at ``--rate`` per second for ``--seconds`` whatever the
   answers (open loop; latency counted from the moment a request was due, so a slow answer
   cannot hide the ones queued behind it).

Targets (issue 7, PostgreSQL): >= 300 applications per second, p99 <= 100 ms at 100/s.
Writes bench/results/applications.json (applications-postgresql.json on PostgreSQL) with the
load average before and after: the machine is shared.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx
from tests.common.factories import cheap_password_hashing, id_number, make_person
from tests.unit.applications.conftest import build_province

from bench.common import (
    Connection,
    CpuMeter,
    free_port,
    fresh_database,
    postmaster_pid,
    wait_until_up,
    write_result,
)
from onevisit.datahub.services import records
from onevisit.datahub.services.catalogue import find_item
from onevisit.datahub.services.subjects import person_key
from onevisit.identity.services.people import ensure_regions
from onevisit.kernel.actors import system_actor
from onevisit.kernel.db import Database
from onevisit.kernel.migrate import upgrade
from onevisit.kernel.platform import Platform
from onevisit.kernel.settings import Environment, Settings

SECRET_KEY = "bench-applications-" + "k" * 40
PASSWORD = "correct horse battery"  # noqa: S105 - tests.common.factories' password, throwaway database
TARGET_RPS = 300
TARGET_P99_MS = 100


Call = Callable[[Connection, int], Awaitable[None]]


def _summary(latencies: list[float], seconds: float, errors: list[str]) -> dict[str, Any]:
    """Latencies of every answer, errors included (counted apart, with a few samples: a 500
    or a "database is locked" must show in the figures, not only in the server's log)."""
    ordered = sorted(latencies)
    return {
        "count": len(ordered),
        "errors": len(errors),
        "error_samples": sorted(set(errors))[:3],
        "per_second": round(len(ordered) / seconds, 1),
        "p50_ms": round(statistics.median(ordered) * 1000, 2),
        "p99_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000, 2),
        "max_ms": round(ordered[-1] * 1000, 2),
    }


async def _answered(call: Call, connection: Connection, i: int, errors: list[str]) -> None:
    try:
        await call(connection, i)
    except RuntimeError as exc:
        errors.append(str(exc)[:160])


async def closed_loop(
    call: Call, address: tuple[str, int], count: int, concurrency: int, first: int = 0
) -> dict[str, Any]:
    """``concurrency`` clients, each sending its next request when the last one is answered;
    request numbers from ``first`` (each application has its own idempotency key)."""
    latencies: list[float] = []
    errors: list[str] = []
    todo = iter(range(first, first + count))

    async def client() -> None:
        connection = Connection(*address)
        for i in todo:
            started = time.perf_counter()
            await _answered(call, connection, i, errors)
            latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(concurrency)))
    return _summary(latencies, time.perf_counter() - started, errors)


async def open_loop(call: Call, address: tuple[str, int], rate: float, seconds: float, first: int) -> dict[str, Any]:
    """A request due every 1/rate seconds, sent on a free connection (a new one when none is)."""
    latencies: list[float] = []
    errors: list[str] = []
    idle: list[Connection] = []
    count = int(rate * seconds)
    start = time.perf_counter() + 0.05

    async def one(i: int) -> None:
        due = start + i / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        connection = idle.pop() if idle else Connection(*address)
        await _answered(call, connection, first + i, errors)
        latencies.append(time.perf_counter() - due)
        idle.append(connection)

    await asyncio.gather(*(one(i) for i in range(count)))
    summary = _summary(latencies, time.perf_counter() - start, errors)
    summary["offered_per_second"] = rate
    summary["connections"] = len(idle)
    return summary


def _loadavg() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def prepare(url: str, applicants: int) -> list[str]:
    """Migrates and builds a small province (catalogue, datahub, the test province's
    citizen) and ``applicants`` citizens in all, each with a driving licence and a clean
    record in the datahub; returns their ID numbers. Many applicants, as in life: one
    person's thousands of concurrent applications would all lock that person's row (the
    foreign keys' share locks) and measure that instead."""
    settings = Settings(environment=Environment.DEVELOPMENT, database_url=url, secret_key=SECRET_KEY)
    platform = Platform(settings, database=Database(url))
    upgrade(platform.db.engine)
    with platform.uow() as uow:
        ensure_regions(uow.session)
    from onevisit.kernel import passwords

    passwords._hasher = cheap_password_hashing()  # the bench logs in; argon2 is for people
    numbers = [build_province(platform).number]
    licences: list[tuple[bytes, dict[str, object]]] = []
    records_clean: list[tuple[bytes, dict[str, object]]] = []
    for k in range(applicants - 1):
        birth = dt.date(1975 + k % 25, 1 + k % 12, 1 + k % 28)
        _, number, _ = make_person(platform, name=f"申请人{k:03d}", number=id_number(birth=birth))
        key = person_key(platform.vault, number)
        licences.append((key, {"licence_class": "C1", "issued_on": "2015-06-01", "valid_until": "2031-06-01"}))
        records_clean.append((key, {"status": "none", "checked_on": "2026-10-01"}))
        numbers.append(number)
    with platform.uow(system_actor("bench")) as uow:  # added to the province citizen's records
        records.load(uow, find_item(uow.session, "psb.driving_licence"), licences, replace=False)
        records.load(uow, find_item(uow.session, "psb.no_criminal_record"), records_clean, replace=False)
    platform.close()
    return numbers


def measure(
    args: argparse.Namespace, address: tuple[str, int], sessions: list[list[tuple[str, str]]], meter: CpuMeter
) -> dict[str, Any]:
    """The phases, /healthz first each time, with the load average around them and the CPU
    time each process spent per application in the throughput phase."""

    async def healthz(connection: Connection, _i: int) -> None:
        status, _ = await connection.request("GET", "/healthz")
        if status != 200:
            raise RuntimeError(f"/healthz: {status}")

    async def apply(connection: Connection, i: int) -> None:
        body = json.dumps(
            {"service": "trans.ride_hailing_driver", "form": {"platform": "didi"}, "idempotency_key": f"b-{i:010d}"}
        ).encode()
        headers = sessions[i % len(sessions)]  # consecutive requests: different applicants
        status, answer = await connection.request("POST", "/api/v1/applications", body, headers)
        if status != 201 or b'"completed"' not in answer:
            raise RuntimeError(f"application {i}: {status} {answer[:300]!r}")

    figures: dict[str, Any] = {
        "server": f"uvicorn, {args.workers} worker(s), uvloop, httptools",
        "client": f"asyncio keep-alive HTTP/1.1 in one process, {args.concurrency} clients (throughput)",
        "cores": os.cpu_count(),
    }
    asyncio.run(closed_loop(apply, address, 2 * args.concurrency, args.concurrency, 20_000_000))  # warm up
    asyncio.run(closed_loop(healthz, address, 500, args.concurrency))
    figures["load_average_before"] = _loadavg()
    figures["healthz"] = asyncio.run(closed_loop(healthz, address, args.count, args.concurrency))
    meter.begin()
    figures["instant_approval"] = asyncio.run(closed_loop(apply, address, args.count, args.concurrency))
    figures["cpu_ms_per_application"] = meter.per_item_ms(args.count)
    figures["load_average_after_throughput"] = _loadavg()
    figures["healthz_at_offered_rate"] = asyncio.run(open_loop(healthz, address, args.rate, args.seconds, 0))
    figures["instant_approval_at_offered_rate"] = asyncio.run(
        open_loop(apply, address, args.rate, args.seconds, 10_000_000)
    )
    figures["load_average_after"] = _loadavg()
    return figures


def _login(client: httpx.Client, number: str, k: int) -> list[tuple[str, str]]:
    """A session for the citizen: the headers its requests carry. Each citizen logs in from
    an address of their own (through the proxy header uvicorn trusts from 127.0.0.1), as
    people do: the login throttle counts attempts per address."""
    client.cookies.clear()
    address = {"x-forwarded-for": f"198.51.{100 + k // 250}.{1 + k % 250}"}
    login = client.post("/api/v1/auth/login", json={"id_number": number, "password": PASSWORD}, headers=address)
    login.raise_for_status()
    cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
    return [("cookie", cookie), ("x-csrf-token", login.json()["csrf_token"]), ("content-type", "application/json")]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default="", help="a PostgreSQL server (a fresh database is made on it)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--count", type=int, default=4000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--rate", type=float, default=100)
    parser.add_argument("--applicants", type=int, default=64, help="citizens applying (requests go round them)")
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--name", default="", help="result file name (default from the database)")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="onevisit-bench-applications-"))
    url = (
        fresh_database(args.database_url, "bench_applications")
        if args.database_url
        else f"sqlite:///{tmp / 'bench.db'}"
    )
    numbers = prepare(url, args.applicants)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "ONEVISIT_DATABASE_URL": url,
        "ONEVISIT_SECRET_KEY": SECRET_KEY,
        "ONEVISIT_ENVIRONMENT": "development",
        "ONEVISIT_BASE_URL": base,
    }
    server = subprocess.Popen(  # noqa: S603 - our own app, fixed arguments
        [
            sys.executable, "-m", "uvicorn", "onevisit.app:create_app", "--factory",
            "--host", "127.0.0.1", "--port", str(port), "--workers", str(args.workers),
            "--loop", "uvloop", "--http", "httptools", "--log-level", "warning", "--no-access-log",
        ],
        env=env,
    )  # fmt: skip
    try:
        wait_until_up(base + "/healthz")
        with httpx.Client(base_url=base, timeout=30) as client:
            sessions = [_login(client, number, k) for k, number in enumerate(numbers)]

        pg_port = urlsplit(url).port if args.database_url else None
        meter = CpuMeter({"server": server.pid, "postgresql": postmaster_pid(pg_port) if pg_port else None})
        figures = measure(args, ("127.0.0.1", port), sessions, meter)
        figures["applicants"] = len(sessions)
        figures["database"] = url.split(":", 1)[0].split("+", 1)[0]
    finally:
        server.terminate()
        server.wait(timeout=20)
        shutil.rmtree(tmp, ignore_errors=True)

    ratio = figures["instant_approval"]["per_second"] / figures["healthz"]["per_second"]
    figures["ratio_to_healthz"] = round(ratio, 3)
    figures["targets"] = {"per_second": TARGET_RPS, "p99_ms_at_100_per_second": TARGET_P99_MS}
    figures["meets_targets"] = (
        figures["instant_approval"]["errors"] == figures["instant_approval_at_offered_rate"]["errors"] == 0
        and figures["instant_approval"]["per_second"] >= TARGET_RPS
        and figures["instant_approval_at_offered_rate"]["p99_ms"] <= TARGET_P99_MS
    )
    name = args.name or ("applications" if figures["database"] == "sqlite" else f"applications-{figures['database']}")
    path = write_result(name, figures)
    for key, value in figures.items():
        print(f"{key}: {value}")
    print(f"written to {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
