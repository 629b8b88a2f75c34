"""Seeding the demo province at full size into a fresh database.

Target (issue 2): 1,000,000 citizens and 100,000 enterprises into SQLite in <= 3 minutes on
the 2-core reference machine, ID and phone numbers sealed exactly as for real people. The
database is a new temporary file (or, with ``--postgres``, a scratch database created on
that server and dropped afterwards), migrated first; migration time is not counted.

    uv run python -m bench.seed                                  # 1,000,000 / 100,000 on SQLite
    uv run python -m bench.seed --citizens 20000 --enterprises 2000
    uv run python -m bench.seed --postgres postgresql://postgres@127.0.0.1:5432
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text

from bench.common import write_result
from onevisit.demo.seed import SeedReport, seed_province
from onevisit.kernel.migrate import upgrade
from onevisit.kernel.platform import Platform
from onevisit.kernel.settings import Settings

TARGET_SECONDS = 180.0
SECRET = "bench-secret-key-for-a-throwaway-database-0123456789"  # noqa: S105 - throwaway database


@contextmanager
def _sqlite_file() -> Iterator[str]:
    with tempfile.TemporaryDirectory(prefix="onevisit-seed-") as folder:
        yield f"sqlite:///{Path(folder) / 'seed.db'}"


@contextmanager
def _scratch_postgres(server: str) -> Iterator[str]:
    name = f"onevisit_seed_bench_{os.getpid()}"
    admin = create_engine(server.replace("postgresql://", "postgresql+psycopg://") + "/postgres",
                          isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield f"{server}/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def run(url: str, citizens: int, enterprises: int, seed: int, progress: bool) -> tuple[SeedReport, float]:
    platform = Platform(Settings(database_url=url, secret_key=SECRET))
    try:
        upgrade(platform.db.engine)
        started = time.perf_counter()
        report = seed_province(platform, citizens=citizens, enterprises=enterprises, seed=seed, progress=progress)
        return report, time.perf_counter() - started
    finally:
        platform.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--citizens", type=int, default=1_000_000)
    parser.add_argument("--enterprises", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=20180101)
    parser.add_argument("--postgres", default="", help="server URL without database; a scratch one is made")
    parser.add_argument("--no-progress", action="store_true")
    args = parser.parse_args()

    backend = "postgresql" if args.postgres else "sqlite"
    database = _scratch_postgres(args.postgres.rstrip("/")) if args.postgres else _sqlite_file()
    with database as url:
        report, wall = run(url, args.citizens, args.enterprises, args.seed, not args.no_progress)

    rows = report.citizens + report.relations + report.enterprises
    print(f"Seeded {report.citizens:,} citizens, {report.relations:,} family ties, {report.enterprises:,} "
          f"enterprises into {backend} in {wall:.1f} s ({rows / wall:,.0f} rows/s overall).")
    for phase, seconds in report.timings.items():
        print(f"  {phase:<12} {seconds:7.1f} s")
    print(f"  people rate  {report.citizens / report.timings['people']:,.0f} persons/s (sealed and inserted)")
    full_size = args.citizens >= 1_000_000 and args.enterprises >= 100_000
    met = wall <= TARGET_SECONDS if backend == "sqlite" and full_size else None
    if met is not None:
        print(f"Target <= {TARGET_SECONDS:.0f} s on SQLite: {'met' if met else 'NOT met'}.")
    name = "seed" if backend == "sqlite" else "seed-postgresql"
    path = write_result(name, {
        "backend": backend,
        "citizens": report.citizens,
        "enterprises": report.enterprises,
        "relations": report.relations,
        "seconds": round(wall, 2),
        "rows_per_second": round(rows / wall),
        "phases": {k: round(v, 2) for k, v in report.timings.items()},
        "target_seconds": TARGET_SECONDS if backend == "sqlite" else None,
        "target_met": met,
        "command": " ".join(["uv run python -m bench.seed", *sys.argv[1:]]),
    })
    print(f"Written to {path}")
    return 0 if met is not False else 1


if __name__ == "__main__":
    sys.exit(main())
