"""Catalogue benchmark: loading the demo catalogue (51 services, 4 bundles: YAML, shape,
references, rules, merges) and reading it (search, the browse page, a service page),
each beside /healthz through the same in-process client in the same run.

    uv run python bench/catalog.py [--rounds 200] [--database-url postgresql://…]

Writes bench/results/catalog.json (catalog-postgresql.json for PostgreSQL), with the load
average at start and end: the machine is shared.
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
from tests.unit.catalog.conftest import prepare_references

from bench.common import write_result
from onevisit.app import create_app
from onevisit.catalog import search_services
from onevisit.demo.catalog import seed_catalog
from onevisit.identity.services.people import ensure_regions
from onevisit.kernel.db import Database
from onevisit.kernel.migrate import upgrade
from onevisit.kernel.platform import Platform
from onevisit.kernel.settings import Environment, Settings


def timings(fn: Callable[[], object], rounds: int) -> dict[str, float]:
    fn()  # warm
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return {
        "p50_ms": round(statistics.median(samples), 3),
        "p99_ms": round(samples[min(len(samples) - 1, int(len(samples) * 0.99))], 3),
        "rounds": rounds,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    load_start = os.getloadavg()
    url = args.database_url or f"sqlite:///{tempfile.mkdtemp()}/catalog.db"
    settings = Settings(environment=Environment.TEST, database_url=url, secret_key="bench-" + "x" * 48)
    platform = Platform(settings, database=Database(url))
    upgrade(platform.db.engine)
    with platform.uow() as uow:
        ensure_regions(uow.session)
    prepare_references(platform)

    started = time.perf_counter()
    report = seed_catalog(platform)
    first_load = time.perf_counter() - started
    started = time.perf_counter()
    seed_catalog(platform)
    reload_unchanged = time.perf_counter() - started

    def search() -> object:
        with platform.db.session() as session:
            return search_services(session, "二手房 一件事")

    client = TestClient(create_app(platform=platform))
    figures = {
        "database": platform.db.engine.dialect.name,
        "definitions": report.services,
        "load_all_files_s": round(first_load, 3),
        "reload_unchanged_s": round(reload_unchanged, 3),
        "search_function": timings(search, args.rounds),
        "healthz": timings(lambda: client.get("/healthz"), args.rounds),
        "browse_page": timings(lambda: client.get("/services?life_event=housing"), args.rounds),
        "search_page": timings(lambda: client.get("/services", params={"q": "ride hailing"}), args.rounds),
        "service_page": timings(lambda: client.get("/services/nr.second_hand_transfer"), args.rounds),
        "bundle_page": timings(lambda: client.get("/bundles/bundle.second_hand_housing"), args.rounds),
        "load_average_start": [round(x, 2) for x in load_start],
        "load_average_end": [round(x, 2) for x in os.getloadavg()],
    }
    name = "catalog" if figures["database"] == "sqlite" else f"catalog-{figures['database']}"
    path = write_result(name, figures)
    for key, value in figures.items():
        print(f"{key}: {value}")
    print(f"written to {path}")
    platform.close()


if __name__ == "__main__":
    main()
