"""Instant approval end to end: an online car-hailing driver qualification applied for and
issued — the dossier read (access log), the rules, the certificate signed and appended to
the ledger, the audit and history rows — through the JSON API, sequentially, beside
/healthz through the same in-process client in the same run.

    uv run python bench/applications.py [--count 200] [--database-url postgresql://…]

Writes bench/results/applications.json (applications-postgresql.json on PostgreSQL) with the
load average at start and end: the machine is shared. The issue's target (≥ 300/s and p99
≤ 100 ms at 100/s offered, on PostgreSQL, over HTTP) needs a real server and concurrency;
this measures the cost of one application on one thread, which bounds it.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fastapi.testclient import TestClient
from tests.common.factories import cheap_password_hashing
from tests.unit.applications.conftest import build_province

from bench.common import write_result
from onevisit.app import create_app
from onevisit.identity.services.people import ensure_regions
from onevisit.kernel.db import Database
from onevisit.kernel.migrate import upgrade
from onevisit.kernel.platform import Platform
from onevisit.kernel.settings import Environment, Settings


def timed(fn: Callable[[int], object], count: int) -> tuple[list[float], float]:
    samples = []
    started = time.perf_counter()
    for i in range(count):
        one = time.perf_counter()
        fn(i)
        samples.append((time.perf_counter() - one) * 1000)
    return samples, time.perf_counter() - started


def summary(samples: list[float], seconds: float) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "count": len(samples),
        "per_second": round(len(samples) / seconds, 1),
        "p50_ms": round(statistics.median(ordered), 2),
        "p99_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))], 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    load_start = os.getloadavg()
    url = args.database_url or f"sqlite:///{tempfile.mkdtemp()}/applications.db"
    settings = Settings(environment=Environment.TEST, database_url=url, secret_key="bench-" + "x" * 48)
    platform = Platform(settings, database=Database(url))
    upgrade(platform.db.engine)
    with platform.uow() as uow:
        ensure_regions(uow.session)
    from onevisit.identity.services import login
    from onevisit.kernel import passwords

    passwords._hasher = cheap_password_hashing()
    login._DUMMY_HASH = passwords.hash_password("x")
    province = build_province(platform)
    client = TestClient(create_app(platform=platform))
    response = client.post(
        "/login",
        data={"id_number": province.number, "password": "correct horse battery", "csrf_token": _csrf(client)},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    headers = {"X-CSRF-Token": _csrf(client, "/me")}

    def apply(i: int) -> None:
        body = {
            "service": "trans.ride_hailing_driver",
            "form": {"platform": "didi"},
            "idempotency_key": f"bench-{i:08d}",
        }
        done = client.post("/api/v1/applications", json=body, headers=headers)
        assert done.status_code == 201 and done.json()["status"] == "completed", done.text

    apply(-1)  # warm: caches, first certificate key
    healthz, healthz_s = timed(lambda _i: client.get("/healthz"), args.count)
    applied, applied_s = timed(apply, args.count)
    figures = {
        "database": platform.db.engine.dialect.name,
        "healthz": summary(healthz, healthz_s),
        "instant_approval": summary(applied, applied_s),
        "load_average_start": [round(x, 2) for x in load_start],
        "load_average_end": [round(x, 2) for x in os.getloadavg()],
    }
    name = "applications" if figures["database"] == "sqlite" else f"applications-{figures['database']}"
    path = write_result(name, figures)
    for key, value in figures.items():
        print(f"{key}: {value}")
    print(f"written to {path}")
    platform.close()


def _csrf(client: TestClient, path: str = "/login") -> str:
    import re

    match = re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text)
    assert match
    return match.group(1)


if __name__ == "__main__":
    main()
