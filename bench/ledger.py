"""Ledger benchmark: batch appends, proofs at 10M entries, verifying a 1M-entry export.

    uv run python -m bench.ledger                # full sizes (10M-entry SQLite log in /tmp)
    uv run python -m bench.ledger --quick        # small sizes, about a minute
    uv run python -m bench.ledger --pg-url postgresql://postgres@127.0.0.1:5432/ovbench

Every log here is built through the real service path (``append_many`` in batches, in a
unit of work per batch, committed): the 10M-entry log too, so its stored subtrees are
exactly what production would write (the ``(log, leaf_key)`` lookup index included).

Appends (500,000 entries in batches of 10,000 into a new log; 100,000 with ``--quick``) are
measured ``--rounds`` times on a fresh database each, interleaved with two baselines that
differ from production only in the schema, so a shared machine's load hits all three
alike: no lookup index at all, and the 32-byte ``(log, leaf_hash)`` index that migration
0006 replaced. Each run records its wall-clock rate, its rate in process CPU time (which
excludes waiting for a core) and the 1-minute load average before and after; the headline
figure is the median wall-clock rate of the production schema. Proof times are for
``prove_inclusion`` / ``prove_consistency`` / ``prove_inclusion_by_hash`` (the service call:
log lookup plus one query for all stored hashes, on the DB-API cursor), measured twice and
reported separately: **cold** (a fresh engine right after the file was dropped from the OS
page cache) and **warm** (the file read once and a round of untimed proofs first, as on a
server that has been up a while); a sample of each kind is verified (RFC 9162). Mean,
median, p99 and max. Writes bench/results/ledger.json (ledger-quick.json with ``--quick``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform as host
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import create_engine, text

from bench.common import write_result
from onevisit.kernel.db import Database
from onevisit.kernel.migrate import upgrade
from onevisit.kernel.platform import Platform
from onevisit.kernel.settings import Settings
from onevisit.ledger import append_many, latest_head, prove_consistency, prove_inclusion, sign_head
from onevisit.ledger.export import export_to_file
from onevisit.ledger.merkle import leaf_hash, verify_consistency, verify_inclusion
from onevisit.ledger.services.proofs import prove_inclusion_by_hash, root_at
from onevisit.ledger.verify import verify_export

SECRET = "benchmark-secret-key-0123456789abcdef"  # noqa: S105 - a throwaway benchmark database

#: Schemas the appends are measured on: production's, and two baselines (statements run on
#: a freshly migrated database; the code path is the same).
SCHEMAS: dict[str, tuple[str, ...]] = {
    "leaf_key_index": (),
    "no_lookup_index": ("DROP INDEX ix_ledger_entries_leaf_key",),
    "leaf_hash_32_byte_index": (
        "DROP INDEX ix_ledger_entries_leaf_key",
        "CREATE INDEX ix_bench_leaf_hash ON ledger_entries (log_id, leaf_hash)",
    ),
}


def _platform(url: str) -> Platform:
    settings = Settings(database_url=url, secret_key=SECRET)
    platform = Platform(settings, database=Database(url))
    upgrade(platform.db.engine)
    return platform


def fill(platform: Platform, log: str, total: int, batch: int, *, progress: bool = False) -> float:
    """Appends ``total`` small entries in batches; returns appends per second."""
    started = time.perf_counter()
    done = 0
    while done < total:
        size = min(batch, total - done)
        payloads = [b"entry-%d" % i for i in range(done, done + size)]
        with platform.uow() as uow:
            append_many(uow, log, payloads)
        done += size
        if progress and done % (batch * 20) == 0:
            rate = done / (time.perf_counter() - started)
            print(f"  {done:>11,} entries, {rate:,.0f}/s", file=sys.stderr, flush=True)
    return total / (time.perf_counter() - started)


def _load() -> float:
    return round(os.getloadavg()[0], 2)


def _append_run(platform: Platform, schema: str, total: int, batch: int) -> dict[str, object]:
    with platform.db.engine.begin() as conn:
        for statement in SCHEMAS[schema]:
            conn.exec_driver_sql(statement)
    load_before, cpu = _load(), time.process_time()
    rate = fill(platform, "receipts", total, batch)
    cpu = time.process_time() - cpu
    return {
        "appends_per_s": round(rate),
        "appends_per_cpu_s": round(total / cpu),
        "load_average_1min": [load_before, _load()],
    }


def measure_appends(
    fresh: Callable[[], Platform], total: int, batch: int, rounds: int, label: str
) -> dict[str, object]:
    """``rounds`` runs of each schema, interleaved, each on a fresh database from ``fresh``."""
    runs: dict[str, list[dict[str, object]]] = {schema: [] for schema in SCHEMAS}
    for _ in range(rounds):
        for schema in SCHEMAS:
            platform = fresh()
            try:
                run = _append_run(platform, schema, total, batch)
            finally:
                platform.close()
            runs[schema].append(run)
            print(f"{label} {schema}: {run}", flush=True)
    figures: dict[str, object] = {"entries": total, "batch": batch, "rounds": rounds}
    for schema, results in runs.items():
        figures[schema] = {
            "median_appends_per_s": round(statistics.median(int(str(r["appends_per_s"])) for r in results)),
            "median_appends_per_cpu_s": round(statistics.median(int(str(r["appends_per_cpu_s"])) for r in results)),
            "runs": results,
        }
    return figures


def _median_rate(figures: dict[str, object], schema: str) -> int:
    detail = figures[schema]
    assert isinstance(detail, dict)
    return int(detail["median_appends_per_s"])


def _summary(xs: list[float]) -> dict[str, float]:
    xs = sorted(xs)
    return {
        "mean_ms": round(statistics.fmean(xs) * 1000, 4),
        "p50_ms": round(xs[len(xs) // 2] * 1000, 4),
        "p99_ms": round(xs[min(len(xs) - 1, int(len(xs) * 0.99))] * 1000, 4),
        "max_ms": round(xs[-1] * 1000, 4),
    }


def _timed_proofs(
    platform: Platform, log: str, size: int, samples: int, seed: int, *, pragma: str = ""
) -> dict[str, object]:
    """``samples`` inclusion proofs, then ``samples`` consistency proofs and ``samples`` lookups
    by leaf hash, at random positions, each the full service call on one warm connection."""
    rng = random.Random(seed)
    cpu: dict[str, list[float]] = {"inclusion": [], "consistency": [], "inclusion_by_leaf_hash": []}
    load_before = os.getloadavg()[0]
    with platform.db.session() as session:
        if pragma:
            session.connection().exec_driver_sql(pragma)
        root = root_at(session, log, size)
        inclusion: list[float] = []
        for n in range(samples):
            index = rng.randrange(size)
            t0, c0 = time.perf_counter(), time.thread_time()
            proof = prove_inclusion(session, log, index, size)
            inclusion.append(time.perf_counter() - t0)
            cpu["inclusion"].append(time.thread_time() - c0)
            if n < 50:
                verify_inclusion(index, size, proof.leaf_hash, proof.path, root)
        consistency: list[float] = []
        for n in range(samples):
            first = rng.randrange(1, size)
            t0, c0 = time.perf_counter(), time.thread_time()
            cproof = prove_consistency(session, log, first, size)
            consistency.append(time.perf_counter() - t0)
            cpu["consistency"].append(time.thread_time() - c0)
            if n < 20:
                verify_consistency(first, size, root_at(session, log, first), root, cproof.path)
        by_hash: list[float] = []
        for n in range(samples // 2):
            index = rng.randrange(size)
            leaf = leaf_hash(b"entry-%d" % index)
            t0, c0 = time.perf_counter(), time.thread_time()
            hproof = prove_inclusion_by_hash(session, log, leaf, size)
            by_hash.append(time.perf_counter() - t0)
            cpu["inclusion_by_leaf_hash"].append(time.thread_time() - c0)
            if n < 20:
                assert hproof.index == index
                verify_inclusion(index, size, leaf, hproof.path, root)
    return {
        "samples": samples,
        "load_average_1min": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        "inclusion": _summary(inclusion),
        "consistency": _summary(consistency),
        "inclusion_by_leaf_hash": _summary(by_hash),
        "cpu_time": {name: _summary(xs) for name, xs in cpu.items()},
    }


def _sqlite_files(db: Path) -> list[Path]:
    return [p for p in (db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")) if p.exists()]


def evict_from_page_cache(db: Path) -> None:
    """Drops the database's clean pages from the OS page cache (no root needed)."""
    for path in _sqlite_files(db):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        finally:
            os.close(fd)


def read_through(db: Path) -> None:
    """Reads every byte of the database once, as a server that has been up a while has it."""
    for path in _sqlite_files(db):
        with path.open("rb") as handle:
            while handle.read(16 << 20):
                pass


def time_proofs(url: str, db: Path, log: str, size: int, samples: int) -> dict[str, object]:
    """Cold (the file just dropped from the OS page cache, a fresh engine) and warm (the file
    read once, then a round of untimed proofs, as on a server that has been serving a while)."""
    checkpoint = create_engine(url)
    with checkpoint.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    checkpoint.dispose()
    evict_from_page_cache(db)
    platform = Platform(Settings(database_url=url, secret_key=SECRET), database=Database(url))
    cold = _timed_proofs(platform, log, size, samples // 2, 1)
    read_through(db)
    _timed_proofs(platform, log, size, samples, 2)  # warm-up, not reported
    warm = _timed_proofs(platform, log, size, samples, 9162)
    no_mmap = _timed_proofs(platform, log, size, samples, 6962, pragma="PRAGMA mmap_size=0")
    platform.close()
    return {
        "tree_size": size,
        "how": "the service call (log row + one query for all stored hashes, on the DB-API cursor) "
        "on one pooled connection with the kernel's SQLite pragmas; random positions. Wall-clock "
        "times; cpu_time is the same calls' thread CPU time (time.thread_time: excludes time the "
        "process was waiting for a core or for the disk), and load_average_1min the machine's "
        "load before and after, to tell the code's cost from a busy machine's",
        "cold": {
            "note": "a fresh engine right after the database file was dropped from the OS page cache "
            "(posix_fadvise DONTNEED): every proof starts with disk reads until the upper index pages are cached",
            **cold,
        },
        "warm": {
            "note": "the file read once into the OS page cache and a round of untimed proofs first, "
            "as a server that has been up a while has it; the proof path's PRAGMA mmap_size "
            "(ONEVISIT_LEDGER_SQLITE_MMAP_BYTES, default 4 GiB) in effect",
            **warm,
        },
        "warm_without_mmap": {
            "note": "as warm, with PRAGMA mmap_size=0 on that connection (SQLite's default: one pread per page "
            "not in its own 2 MB cache), for comparison",
            **no_mmap,
        },
    }


def _fresh_sqlite(work: Path) -> Callable[[], Platform]:
    def fresh() -> Platform:
        for path in _sqlite_files(work / "appends.db"):
            path.unlink()
        return _platform(f"sqlite:///{work / 'appends.db'}")

    return fresh


def _fresh_postgresql(url: str) -> Callable[[], Platform]:
    def fresh() -> Platform:
        admin = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
        with admin.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        admin.dispose()
        return _platform(url)

    return fresh


def main() -> None:  # noqa: PLR0915 - one linear script, section by section
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small sizes")
    parser.add_argument("--pg-url", default="", help="a PostgreSQL database to measure appends on (emptied)")
    parser.add_argument("--workdir", default="", help="where the SQLite files go (default: a temp dir in /tmp)")
    parser.add_argument("--rounds", type=int, default=3, help="append runs per schema, interleaved (default 3)")
    parser.add_argument("--appends-only", action="store_true", help="measure appends, skip the big log and export")
    args = parser.parse_args()
    append_total = 100_000 if args.quick else 500_000
    big = 200_000 if args.quick else 10_000_000
    verify_size = 100_000 if args.quick else 1_000_000
    batch = 10_000
    results: dict[str, object] = {
        "quick": args.quick,
        "cpu": f"{host.machine()} {host.processor() or ''}".strip(),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
    }
    with tempfile.TemporaryDirectory(dir=args.workdir or tempfile.gettempdir(), prefix="ovledger-bench-") as work:
        appends = measure_appends(_fresh_sqlite(Path(work)), append_total, batch, args.rounds, "SQLite")
        results["sqlite_appends_per_s"] = _median_rate(appends, "leaf_key_index")
        results["appends_sqlite"] = appends
        print(f"SQLite: {append_total:,} appends in batches of {batch:,}: {results['sqlite_appends_per_s']:,}/s")

        if args.pg_url:
            appends = measure_appends(_fresh_postgresql(args.pg_url), append_total, batch, args.rounds, "PostgreSQL")
            results["postgresql_appends_per_s"] = _median_rate(appends, "leaf_key_index")
            results["appends_postgresql"] = appends
            rate = results["postgresql_appends_per_s"]
            print(f"PostgreSQL: {append_total:,} appends in batches of {batch:,}: {rate:,}/s")
        if args.appends_only:
            _write(results, args.quick, appends_only=True)
            return

        url = f"sqlite:///{Path(work) / 'big.db'}"
        platform = _platform(url)
        print(f"building a {big:,}-entry log through append_many (batches of 50,000)…", flush=True)
        build_rate = fill(platform, "evidence", big, 50_000, progress=not args.quick)
        results["big_log_build_appends_per_s"] = round(build_rate)
        platform.close()
        db_bytes = (Path(work) / "big.db").stat().st_size
        results["big_log_sqlite_bytes"] = db_bytes
        print(f"  built at {build_rate:,.0f}/s; file {db_bytes / 2**30:.2f} GiB")
        proofs = time_proofs(url, Path(work) / "big.db", "evidence", big, 5000 if not args.quick else 2000)
        results["proofs_sqlite"] = proofs
        print(f"proofs at {big:,} entries: {json.dumps(proofs, indent=1)}")
        platform = _platform(url)

        fill(platform, "certificates", verify_size, 50_000)
        with platform.uow() as uow:
            sign_head(uow, "certificates")
        export = Path(work) / "certificates.jsonl"
        t0 = time.perf_counter()
        with platform.db.session() as session:
            export_to_file(session, "certificates", export)
            key = latest_head(session, "certificates").public_key
        export_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        report = verify_export(export, log_key=key, prove=[0, verify_size // 2, verify_size - 1])
        verify_s = time.perf_counter() - t0
        assert report.entries == verify_size
        results["export_seconds"] = round(export_s, 2)
        results["verify_export"] = {
            "entries": verify_size,
            "seconds": round(verify_s, 2),
            "bytes": export.stat().st_size,
        }
        print(f"export of {verify_size:,} entries: written in {export_s:.1f} s, verified offline in {verify_s:.2f} s")
        platform.close()
    _write(results, args.quick, appends_only=False)


def _write(results: dict[str, object], quick: bool, *, appends_only: bool) -> None:
    results["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    name = "ledger-quick" if quick else "ledger"
    if appends_only:  # keep the rest of the last full run's figures
        name += "-appends"
    print(f"wrote {write_result(name, results)}")


if __name__ == "__main__":
    main()
