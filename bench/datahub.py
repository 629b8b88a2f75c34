"""The public data platform at full size: dossiers with access logging, and a CSV import.

Targets (issue 4), with 1,000,000 citizens seeded (``seed_province`` + the datahub step):

* a 25-source dossier for one random citizen, access logging included (25 access-log rows
  written and committed per lookup): p50 <= 5 ms, p99 <= 20 ms, on SQLite and PostgreSQL;
* importing a 1,000,000-row CSV source (every row validated) in <= 60 s, with a progress bar.

It also times anchoring the access rows on the ledger (batches of 10,000).

    uv run python -m bench.datahub                       # 1,000,000 citizens on SQLite
    uv run python -m bench.datahub --quick               # 20,000 citizens, 100,000 CSV rows
    uv run python -m bench.datahub --postgres postgresql://postgres@127.0.0.1:5432
    uv run python -m bench.datahub --keep /tmp/dh.db     # keep (or reuse) the seeded SQLite file

Results: ``bench/results/datahub[-quick][-postgresql].json``.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy import create_engine, func, select, text

from bench.common import write_result
from onevisit import datahub
from onevisit.datahub.models import AccessLog, CatalogItem, DataUse
from onevisit.datahub.services import anchoring, catalogue, imports
from onevisit.demo.datahub import seed_datahub
from onevisit.demo.seed import seed_province
from onevisit.identity.models import Department, Person
from onevisit.identity.services.people import ID_KIND
from onevisit.kernel.actors import ActorKind, Principal, system_actor
from onevisit.kernel.migrate import upgrade
from onevisit.kernel.platform import Platform
from onevisit.kernel.settings import Settings

SECRET = "bench-secret-key-for-a-throwaway-database-0123456789"  # noqa: S105 - throwaway database
USE = "bench.full_dossier"
P50_MS, P99_MS, IMPORT_S = 5.0, 20.0, 60.0


@contextmanager
def _database(postgres: str | None, keep: str | None) -> Iterator[str]:
    if postgres:
        name = keep or f"onevisit_datahub_bench_{os.getpid()}"
        admin = create_engine(
            postgres.replace("postgresql://", "postgresql+psycopg://") + "/postgres", isolation_level="AUTOCOMMIT"
        )
        with admin.connect() as conn:
            if not conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first():
                conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield f"{postgres}/{name}"
        finally:
            if not keep:
                with admin.connect() as conn:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
        return
    if keep:
        yield f"sqlite:///{keep}"
        return
    with tempfile.TemporaryDirectory(prefix="onevisit-datahub-") as folder:
        yield f"sqlite:///{Path(folder) / 'datahub.db'}"


def _ms(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {
        "p50_ms": round(ordered[len(ordered) // 2] * 1000, 3),
        "p90_ms": round(ordered[int(len(ordered) * 0.9)] * 1000, 3),
        "p99_ms": round(ordered[min(int(len(ordered) * 0.99), len(ordered) - 1)] * 1000, 3),
        "mean_ms": round(statistics.fmean(ordered) * 1000, 3),
        "max_ms": round(ordered[-1] * 1000, 3),
    }


def _sample_people(platform: Platform, count: int, rng: random.Random) -> list[str]:
    """``count`` ID numbers of random people (all of them, shuffled, when that is most)."""
    with platform.db.session() as session:
        top = session.scalar(select(func.max(Person.id))) or 0
        if count > 20_000:
            rows = list(session.scalars(select(Person.id_number_enc)))
            rng.shuffle(rows)
        else:
            ids = rng.sample(range(1, top + 1), min(count, top))
            rows = list(session.scalars(select(Person.id_number_enc).where(Person.id.in_(ids))))
        return [platform.vault.open(bytes(r), kind=ID_KIND) for r in rows[:count]]


def reseed_datahub(platform: Platform, seed: int) -> dict[str, object]:
    """Empties the datahub tables and times the demo's datahub step alone."""
    with platform.db.engine.begin() as conn:
        for table in (
            "datahub_access_log",
            "datahub_conflicts",
            "datahub_records",
            "datahub_consents",
            "datahub_approvals",
            "datahub_uses",
            "datahub_items",
            "datahub_sources",
        ):
            conn.execute(text(f"DELETE FROM {table}"))
    started = time.perf_counter()
    report = seed_datahub(platform, seed=seed, progress=sys.stderr.isatty())
    return {
        "seconds": round(time.perf_counter() - started, 1),
        "records": report.records,
        "timings": {k: round(v, 2) for k, v in (report.timings or {}).items()},
    }


def _prepare_use(platform: Platform) -> Principal:
    with platform.uow(system_actor("bench")) as uow:
        if uow.session.scalar(select(func.count()).where(DataUse.code == USE)) == 0:
            catalogue.register_use(
                uow, code=USE, name_zh="基准测试", name_en="Benchmark", department_code="ZJ-NR", requires_consent=False
            )
            for item in uow.session.scalars(select(CatalogItem).where(CatalogItem.sharing == "conditional")):
                catalogue.approve(uow, item_code=item.code, use_code=USE, legal_basis="bench")
        department = uow.session.scalars(select(Department).where(Department.code == "ZJ-NR")).one()
    return Principal(
        kind=ActorKind.STAFF,
        account_id=None,
        department_id=department.id,
        permissions=frozenset({"staff.portal"}),
        display_name="bench",
    )


def bench_dossiers(platform: Platform, lookups: int, rng: random.Random) -> dict[str, object]:
    actor = _prepare_use(platform)
    numbers = _sample_people(platform, lookups, rng)
    purpose = datahub.Purpose(use=USE, kind="staff_task", reference="T-1", legal_basis="bench")
    for number in numbers[:50]:  # warm the pool, the page cache and the statement caches
        datahub.read(platform, actor, subject=number, purpose=purpose)
    times: list[float] = []
    sources: list[int] = []
    records: list[int] = []
    started = time.perf_counter()
    for number in numbers:
        t0 = time.perf_counter()
        dossier = datahub.read(platform, actor, subject=number, purpose=purpose)
        times.append(time.perf_counter() - t0)
        sources.append(len(dossier.items))
        records.append(len(dossier.records))
    wall = time.perf_counter() - started
    return {
        "lookups": len(times),
        "sources_per_dossier": max(sources),
        "mean_records": round(statistics.fmean(records), 2),
        "access_rows_per_lookup": max(sources),
        "lookups_per_second": round(len(times) / wall, 1),
        **_ms(times),
    }


def bench_anchor(platform: Platform) -> dict[str, object]:
    with platform.db.session() as session:
        pending = session.scalar(select(func.count()).select_from(AccessLog).where(AccessLog.ledger_index.is_(None)))
    started = time.perf_counter()
    done = 0
    while True:
        with platform.uow(system_actor("bench")) as uow:
            n = anchoring.anchor_pending(uow)
        done += n
        if n < anchoring.BATCH:
            break
    seconds = time.perf_counter() - started
    return {
        "rows": done,
        "pending_before": pending,
        "seconds": round(seconds, 3),
        "us_per_row": round(seconds / max(done, 1) * 1e6, 1),
    }


def bench_import(platform: Platform, rows: int, rng: random.Random, folder: Path) -> dict[str, object]:
    with platform.uow(system_actor("bench")) as uow:
        if uow.session.scalar(select(func.count()).where(CatalogItem.code == "bench.csv")) == 0:
            catalogue.register_source(
                uow, department_code="ZJ-HRSS", code="bench.csv.file", name="Bench CSV", connector="csv"
            )
            catalogue.register_item(
                uow,
                source_code="bench.csv.file",
                code="bench.csv",
                name_zh="基准导入",
                name_en="Bench import",
                subject_kind="person",
                sharing="unconditional",
                frequency="daily",
                fields=[
                    {"name": "certificate_no"},
                    {"name": "issued_on", "type": "date"},
                    {"name": "amount_yuan", "type": "integer"},
                    {"name": "note", "required": False},
                ],
            )
    with platform.db.engine.begin() as conn:  # a fresh item each run (emptying it is not timed)
        conn.execute(
            text("DELETE FROM datahub_records WHERE item_id = (SELECT id FROM datahub_items WHERE code = 'bench.csv')")
        )
        conn.execute(text("UPDATE datahub_items SET record_count = 0 WHERE code = 'bench.csv'"))
    numbers = _sample_people(platform, rows, rng)
    path = folder / "bench.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id_number", "certificate_no", "issued_on", "amount_yuan", "note"])
        for i in range(rows):
            writer.writerow(
                [
                    numbers[i % len(numbers)],
                    f"C{i:09d}",
                    f"20{10 + i % 15}-0{1 + i % 9}-1{i % 9}",
                    1000 + i % 5000,
                    "" if i % 3 else "备注",
                ]
            )
    bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with bar:
        task = bar.add_task(f"Importing {rows:,} CSV rows", total=rows)
        report = imports.import_file(
            platform, system_actor("bench"), item_code="bench.csv", path=path, advance=lambda n: bar.advance(task, n)
        )
    return {
        "rows": rows,
        "loaded": report.rows_loaded,
        "bad": report.bad_rows,
        "seconds": round(report.seconds, 2),
        "rows_per_second": round(rows / report.seconds),
        "file_mb": round(path.stat().st_size / 1e6, 1),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="20,000 citizens and a 100,000-row CSV")
    parser.add_argument("--citizens", type=int)
    parser.add_argument("--enterprises", type=int)
    parser.add_argument("--lookups", type=int, default=2000)
    parser.add_argument("--csv-rows", type=int)
    parser.add_argument("--seed", type=int, default=20180101)
    parser.add_argument("--postgres", help="server URL without a database, e.g. postgresql://postgres@127.0.0.1:5432")
    parser.add_argument("--keep", help="SQLite file (or PostgreSQL database name) to seed once and reuse")
    parser.add_argument("--reseed-datahub", action="store_true", help="with --keep: redo (and time) the datahub step")
    args = parser.parse_args(argv)
    citizens = args.citizens or (20_000 if args.quick else 1_000_000)
    enterprises = args.enterprises or max(citizens // 10, 20)
    csv_rows = args.csv_rows or (100_000 if args.quick else 1_000_000)
    rng = random.Random(args.seed)
    figures: dict[str, object] = {
        "citizens": citizens,
        "enterprises": enterprises,
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
    }
    with _database(args.postgres, args.keep) as url, tempfile.TemporaryDirectory() as folder:
        platform = Platform(Settings(database_url=url, secret_key=SECRET))
        figures["database"] = platform.db.engine.dialect.name
        try:
            upgrade(platform.db.engine)
            with platform.db.session() as session:
                seeded = session.scalar(select(func.count()).select_from(Person)) or 0
            if not seeded:
                started = time.perf_counter()
                report = seed_province(
                    platform, citizens=citizens, enterprises=enterprises, seed=args.seed, progress=sys.stderr.isatty()
                )
                figures["seed"] = {
                    "seconds": round(time.perf_counter() - started, 1),
                    "timings": report.as_dict()["timings"],
                }
            elif args.reseed_datahub:
                figures["seed_datahub_only"] = reseed_datahub(platform, args.seed)
            print(f"seed: {figures.get('seed') or figures.get('seed_datahub_only') or 'reused'}")
            with platform.db.session() as session:
                figures["records"] = int(session.scalar(select(func.sum(CatalogItem.record_count))) or 0)
                figures["items"] = int(session.scalar(select(func.count()).select_from(CatalogItem)) or 0)
            figures["dossier"] = bench_dossiers(platform, args.lookups, rng)
            print(f"dossier: {figures['dossier']}")
            figures["anchor"] = bench_anchor(platform)
            print(f"anchor: {figures['anchor']}")
            figures["csv_import"] = bench_import(platform, csv_rows, rng, Path(folder))
            print(f"csv import: {figures['csv_import']}")
        finally:
            platform.close()
    dossier, imported = figures["dossier"], figures["csv_import"]
    assert isinstance(dossier, dict) and isinstance(imported, dict)
    figures["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    figures["targets"] = {
        "dossier_p50_ms": P50_MS,
        "dossier_p99_ms": P99_MS,
        "import_seconds": IMPORT_S,
        "met": dossier["p50_ms"] <= P50_MS and dossier["p99_ms"] <= P99_MS and imported["seconds"] <= IMPORT_S,
    }
    name = "datahub" + ("-quick" if args.quick else "") + ("-postgresql" if args.postgres else "")
    path = write_result(name, figures)
    print(f"targets met: {figures['targets']['met']}  ->  {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
