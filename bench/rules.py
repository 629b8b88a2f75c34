"""Policy matching at province scale: 100 eligibility rules against 10,000,000 enterprises.

Target (issue 8): matching 100 policies against 10,000,000 synthetic enterprise rows (Parquet)
in <= 5 s with Polars, printed beside an equivalent hand-written Polars filter in the same run
(goal: within 1.5x of it). DuckDB over the same Parquet file is timed for comparison.

"Matching" is what a batch run does: every rule evaluated on every enterprise, giving the
number of eligible enterprises per policy (the hand-written filters must find the same numbers,
which the benchmark checks). The frame is loaded once; loading is timed separately.

    uv run python -m bench.rules                # 10,000,000 rows (Parquet cached under /tmp)
    uv run python -m bench.rules --rows 1000000 # quicker
    uv run python -m bench.rules --no-duckdb

Results: ``bench/results/rules.json`` (``rules-<rows>.json`` for other sizes).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from bench.common import write_result
from onevisit import rules
from onevisit.rules import Schema

CACHE = Path(os.environ.get("ONEVISIT_BENCH_CACHE") or Path(tempfile.gettempdir()) / "onevisit-bench")
TODAY = dt.date(2026, 11, 20)
SCHEMA = Schema.of(
    employees="integer",
    insured_employees="integer",
    revenue="decimal",
    tax_paid="decimal",
    rd_expense="decimal",
    rent_area_m2="decimal",
    industry="text",
    region="text",
    credit_rating="text",
    founded="date",
    high_tech="boolean",
    exporter="boolean",
    in_hardship="boolean",
)
INDUSTRIES = list("ABCDEFGHIJKLMNOPQRST")
REGIONS = [f"33{city:02d}{district:02d}" for city in range(1, 12) for district in range(1, 10)]
RATINGS = ["A", "B", "C", "D"]


def make_enterprises(rows: int, seed: int = 8) -> pl.DataFrame:
    """Synthetic enterprises: skewed sizes, plausible finances, ~2 % unknown values in most fields;
    industry, region and credit rating as Categorical (Parquet keeps them dictionary-encoded)."""
    rng = np.random.default_rng(seed)
    employees = np.minimum(rng.lognormal(2.3, 1.2, rows).astype(np.int64), 20_000)
    insured = (employees * rng.uniform(0.4, 1.0, rows)).astype(np.int64)
    revenue = np.round(employees * rng.lognormal(12.3, 0.8, rows) + rng.uniform(1e4, 5e5, rows), 2)
    founded = (np.datetime64("1995-01-01") + rng.integers(0, 11_600, rows).astype("timedelta64[D]")).astype(
        "datetime64[D]"
    )

    def unknown(series: pl.Series, share: float = 0.02) -> pl.Series:
        mask = pl.Series(rng.random(rows) < share)
        return pl.select(pl.when(mask).then(None).otherwise(series)).to_series().alias(series.name)

    def pick(name: str, values: list[str], weights: list[float] | None = None) -> pl.Series:
        p = None if weights is None else np.array(weights) / sum(weights)
        codes = pl.Series(name, rng.choice(len(values), rows, p=p).astype(np.uint32))
        # low-cardinality codes are dictionary-encoded, as any column store keeps them
        return codes.replace_strict(dict(enumerate(values)), return_dtype=pl.String).cast(pl.Categorical)

    return pl.DataFrame(
        [
            pl.Series("id", np.arange(rows, dtype=np.int64)),
            unknown(pl.Series("employees", employees)),
            unknown(pl.Series("insured_employees", insured)),
            unknown(pl.Series("revenue", revenue)),
            unknown(pl.Series("tax_paid", np.round(revenue * rng.uniform(0.0, 0.08, rows), 2))),
            unknown(pl.Series("rd_expense", np.round(revenue * rng.beta(1.2, 20, rows), 2))),
            unknown(pl.Series("rent_area_m2", np.round(employees * rng.uniform(3, 40, rows), 1))),
            unknown(pick("industry", INDUSTRIES, [1, 1, 30, 2, 2, 8, 25, 6, 5, 7, 3, 4, 5, 2, 2, 1, 1, 2, 2, 1]), 0.01),
            unknown(pick("region", REGIONS), 0.01),
            unknown(pick("credit_rating", RATINGS, [35, 45, 15, 5]), 0.05),
            unknown(pl.Series("founded", founded)),
            unknown(pl.Series("high_tech", rng.random(rows) < 0.12)),
            unknown(pl.Series("exporter", rng.random(rows) < 0.18)),
            unknown(pl.Series("in_hardship", rng.random(rows) < 0.07)),
        ]
    )


def parquet_file(rows: int) -> Path:
    path = CACHE / f"rules-enterprises-v2-{rows}.parquet"
    if not path.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        make_enterprises(rows).write_parquet(path.with_suffix(".tmp"))
        path.with_suffix(".tmp").rename(path)
        print(f"wrote {path} ({path.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - started:.1f} s")
    return path


# -- 100 policies: ten families of realistic eligibility rules, ten variants each ---------------


@dataclass(frozen=True)
class Policy:
    name: str
    rule: str
    by_hand: pl.Expr


def _years_ago(years: int) -> dt.date:
    return TODAY.replace(year=TODAY.year - years)


def policies(seed: int = 8) -> list[Policy]:
    rng = random.Random(seed)
    c = pl.col
    out: list[Policy] = []
    for i in range(10):
        lo, hi = rng.choice([1, 5, 10]), rng.choice([50, 100, 300])
        ratio = rng.choice([0.6, 0.7, 0.8])
        city = rng.choice(REGIONS)[:4]
        out.append(
            Policy(
                f"rental subsidy for employees #{i}",
                f"employees BETWEEN {lo} AND {hi} AND insured_employees >= {ratio} * employees "
                f"AND region LIKE '{city}%'",
                c("employees").is_between(lo, hi)
                & (c("insured_employees") >= ratio * c("employees"))
                & c("region").cat.starts_with(city),
            )
        )
        industries = sorted(rng.sample(INDUSTRIES, 4))
        insured = rng.choice([5, 10, 20, 50])
        listed = ", ".join(f"'{x}'" for x in industries)
        out.append(
            Policy(
                f"employment-stabilisation refund #{i}",
                f"industry IN ({listed}) AND NOT in_hardship AND insured_employees >= {insured} "
                f"AND credit_rating IN ('A', 'B')",
                c("industry").is_in(industries)
                & ~c("in_hardship")
                & (c("insured_employees") >= insured)
                & c("credit_rating").is_in(["A", "B"]),
            )
        )
        share, minimum = rng.choice([0.03, 0.04, 0.05, 0.06]), rng.choice([1e6, 2e6, 5e6])
        out.append(
            Policy(
                f"R&D incentive #{i}",
                f"high_tech AND rd_expense >= {share} * revenue AND revenue >= {minimum:.0f}",
                c("high_tech") & (c("rd_expense") >= share * c("revenue")) & (c("revenue") >= minimum),
            )
        )
        years, staff = rng.choice([1, 2, 3, 5]), rng.choice([1, 3, 5])
        regions = sorted(rng.sample(REGIONS, 6))
        region_list = ", ".join(f"'{x}'" for x in regions)
        out.append(
            Policy(
                f"start-up grant #{i}",
                f"YEARS_BETWEEN(founded, TODAY()) < {years} AND employees >= {staff} AND region IN ({region_list})",
                (c("founded") > _years_ago(years)) & (c("employees") >= staff) & c("region").is_in(regions),
            )
        )
        small, turnover = rng.choice([10, 20, 50]), rng.choice([1e6, 3e6, 1e7])
        out.append(
            Policy(
                f"relief for small enterprises in hardship #{i}",
                f"in_hardship AND employees < {small} AND revenue < {turnover:.0f} AND tax_paid > 0",
                c("in_hardship") & (c("employees") < small) & (c("revenue") < turnover) & (c("tax_paid") > 0),
            )
        )
        low, high = rng.choice([5e5, 1e6]), rng.choice([5e7, 1e8])
        out.append(
            Policy(
                f"export credit insurance subsidy #{i}",
                f"exporter AND revenue BETWEEN {low:.0f} AND {high:.0f} AND credit_rating <> 'D' AND industry = 'C'",
                c("exporter")
                & c("revenue").is_between(low, high)
                & (c("credit_rating") != "D")
                & (c("industry") == "C"),
            )
        )
        staff = rng.choice([10, 30, 100])
        out.append(
            Policy(
                f"green manufacturing award #{i}",
                f"industry IN ('C', 'D') AND COALESCE(high_tech, FALSE) AND employees >= {staff} "
                f"AND founded < DATE '{_years_ago(3).isoformat()}'",
                c("industry").is_in(["C", "D"])
                & c("high_tech").fill_null(False)
                & (c("employees") >= staff)
                & (c("founded") < _years_ago(3)),
            )
        )
        area, per_head = rng.choice([100, 200, 500]), rng.choice([10, 15, 20])
        out.append(
            Policy(
                f"office rent subsidy #{i}",
                f"rent_area_m2 >= {area} AND rent_area_m2 <= {per_head} * GREATEST(employees, 1)",
                (c("rent_area_m2") >= area) & (c("rent_area_m2") <= per_head * pl.max_horizontal(c("employees"), 1)),
            )
        )
        tax, tech_rev, other_rev = rng.choice([1e5, 5e5]), rng.choice([1e6, 5e6]), rng.choice([1e7, 2e7])
        out.append(
            Policy(
                f"top taxpayer award #{i}",
                f"tax_paid >= {tax:.0f} AND CASE WHEN high_tech THEN revenue >= {tech_rev:.0f} "
                f"ELSE revenue >= {other_rev:.0f} END",
                (c("tax_paid") >= tax)
                & pl.when(c("high_tech")).then(c("revenue") >= tech_rev).otherwise(c("revenue") >= other_rev),
            )
        )
        graduates = rng.choice([0.9, 0.95])
        city = rng.choice(REGIONS)[:4]
        out.append(
            Policy(
                f"youth employment subsidy #{i}",
                f"insured_employees >= {graduates} * employees AND employees >= 3 AND region LIKE '{city}%' "
                f"AND credit_rating IS NOT NULL",
                (c("insured_employees") >= graduates * c("employees"))
                & (c("employees") >= 3)
                & c("region").cat.starts_with(city)
                & c("credit_rating").is_not_null(),
            )
        )
    return out


# -- timing -----------------------------------------------------------------------------------


def timed(run: Callable[[], object], repeats: int) -> tuple[list[float], object]:
    times, result = [], None
    for _ in range(repeats):
        started = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - started)
    return times, result


def counts(frame: pl.DataFrame | pl.LazyFrame, exprs: list[pl.Expr]) -> list[int]:
    """Eligible enterprises per policy: every rule on every row, through Polars' streaming
    engine (it works a slice of rows at a time, so 100 rules read each slice from cache rather
    than each rule re-reading 10M rows from memory)."""
    sums = [e.fill_null(False).sum().alias(f"p{i}") for i, e in enumerate(exprs)]
    row = frame.lazy().select(sums).collect(engine="streaming").row(0)
    return [int(x) for x in row]


def main(argv: list[str] | None = None) -> int:  # noqa: PLR0915 - one linear report
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-duckdb", action="store_true")
    args = parser.parse_args(argv)

    load_start = [round(x, 2) for x in os.getloadavg()]
    path = parquet_file(args.rows)
    chosen = policies()
    started = time.perf_counter()
    compiled = [rules.parse(p.rule, SCHEMA, today=TODAY) for p in chosen]
    compile_s = time.perf_counter() - started
    hand_exprs = [p.by_hand for p in chosen]

    started = time.perf_counter()
    frame = pl.read_parquet(path)
    load_s = time.perf_counter() - started
    rule_exprs = [r.to_polars(frame.schema) for r in compiled]
    print(
        f"{len(chosen)} policies, {frame.height:,} enterprises; parse+check+compile {compile_s * 1000:.0f} ms, "
        f"Parquet load {load_s:.2f} s  (load average {load_start[0]})"
    )

    # warm up both once (thread pools, allocations), then alternate
    counts(frame, rule_exprs[:5])
    counts(frame, hand_exprs[:5])
    rule_times: list[float] = []
    hand_times: list[float] = []
    rule_counts: list[int] = []
    hand_counts: list[int] = []
    for _ in range(args.repeats):
        t, result = timed(lambda: counts(frame, rule_exprs), 1)
        rule_times += t
        rule_counts = result  # type: ignore[assignment]
        t, result = timed(lambda: counts(frame, hand_exprs), 1)
        hand_times += t
        hand_counts = result  # type: ignore[assignment]
    if rule_counts != hand_counts:
        wrong = [chosen[i].name for i, (a, b) in enumerate(zip(rule_counts, hand_counts, strict=True)) if a != b]
        print(f"MISMATCH between compiled rules and hand-written filters: {wrong}", file=sys.stderr)
        return 1
    rule_best, hand_best = min(rule_times), min(hand_times)
    print(
        f"Polars, compiled rules:       {rule_best:6.2f} s best of {args.repeats} "
        f"(median {statistics.median(rule_times):.2f} s)"
    )
    print(
        f"Polars, hand-written filters: {hand_best:6.2f} s best of {args.repeats} "
        f"(median {statistics.median(hand_times):.2f} s)   ratio {rule_best / hand_best:.2f}x"
    )
    print(
        f"eligible enterprises per policy: min {min(rule_counts):,}, median {int(statistics.median(rule_counts)):,}, "
        f"max {max(rule_counts):,}; {sum(rule_counts):,} offers in all"
    )

    scan_times, scanned = timed(lambda: counts(pl.scan_parquet(path), rule_exprs), args.repeats)
    hand_scan_times, _ = timed(lambda: counts(pl.scan_parquet(path), hand_exprs), args.repeats)
    assert scanned == rule_counts
    scan_s = min(scan_times)
    print(
        f"Polars straight from Parquet (scan + match): compiled {scan_s:.2f} s, "
        f"hand-written {min(hand_scan_times):.2f} s (best of {args.repeats})"
    )

    figures: dict[str, object] = {
        "rows": frame.height,
        "policies": len(chosen),
        "target": "100 policies x 10,000,000 rows matched in <= 5 s with Polars; goal within 1.5x of hand-written",
        "load_average_at_start": load_start,
        "parse_check_compile_ms": round(compile_s * 1000, 1),
        "parquet_load_s": round(load_s, 3),
        "polars_rules_s": [round(t, 3) for t in rule_times],
        "polars_hand_written_s": [round(t, 3) for t in hand_times],
        "polars_rules_best_s": round(rule_best, 3),
        "polars_hand_written_best_s": round(hand_best, 3),
        "ratio_rules_to_hand_written": round(rule_best / hand_best, 3),
        "polars_rules_scan_and_match_s": [round(t, 3) for t in scan_times],
        "polars_hand_written_scan_and_match_s": [round(t, 3) for t in hand_scan_times],
        "engine": "polars streaming (LazyFrame.collect(engine='streaming')), same for both",
        "polars_version": pl.__version__,
        "eligible_per_policy": {"min": min(rule_counts), "max": max(rule_counts), "total": sum(rule_counts)},
        "same_answers_as_hand_written": True,
        "example_rules": [p.rule for p in chosen[:10]],
    }

    if not args.no_duckdb:
        import duckdb

        conn = duckdb.connect()
        selected = ", ".join(f"count_if({r.to_sql('duckdb')})" for r in compiled)
        query = f"SELECT {selected} FROM read_parquet('{path}')"
        conn.execute(query).fetchall()  # warm the file cache and the planner
        duck_times, duck_result = timed(lambda: conn.execute(query).fetchone(), args.repeats)
        assert [int(x) for x in duck_result] == rule_counts  # type: ignore[union-attr]
        print(f"DuckDB, compiled SQL from Parquet (scan + match): {min(duck_times):.2f} s best of {args.repeats}")
        figures["duckdb_sql_scan_and_match_s"] = [round(t, 3) for t in duck_times]
        figures["duckdb_threads"] = conn.execute("SELECT current_setting('threads')").fetchone()[0]  # type: ignore[index]

    figures["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    print(f"load average at start {load_start}, at end {figures['load_average_at_end']}")
    name = "rules" if args.rows == 10_000_000 else f"rules-{args.rows}"
    print(f"wrote {write_result(name, figures)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
