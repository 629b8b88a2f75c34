"""Scale-out: the same matching on Spark (PySpark, local mode) through the SQL back end gives
exactly the answers of the Python function and the Polars expression.

One Spark session for the module (starting one takes ~10 s) and a handful of rules over a few
thousand synthetic enterprises, so the suite stays quick. Needs Java; skipped without it.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import shutil
from collections.abc import Iterator
from typing import Any

import polars as pl
import pytest

from onevisit import rules
from onevisit.rules import Schema
from onevisit.rules.to_polars import DTYPES

pytest.importorskip("pyspark")
if shutil.which("java") is None:  # pragma: no cover - CI installs default-jre-headless
    pytest.skip("Spark needs a Java runtime (scripts/ensure-system-deps.sh installs it)", allow_module_level=True)

SCHEMA = Schema.of(
    employees="integer",
    insured_employees="integer",
    revenue="decimal",
    rd_expense="decimal",
    industry="text",
    name="text",
    region="text",
    founded="date",
    high_tech="boolean",
    in_hardship="boolean",
)
TODAY = dt.date(2026, 11, 20)
RULES = [
    # realistic eligibility rules
    "employees >= 10 AND insured_employees >= 0.8 * employees AND industry IN ('C', 'I', 'M')",
    "high_tech AND rd_expense / revenue >= 0.05 AND YEARS_BETWEEN(founded, TODAY()) >= 3",
    "YEARS_BETWEEN(founded, TODAY()) < 3 AND region LIKE '3301%' AND NOT COALESCE(in_hardship, FALSE)",
    "(in_hardship OR revenue < 1000000) AND employees BETWEEN 1 AND 100 AND founded < '2024-01-01'",
    # the corners: NULLs, LIKE case and wildcards, code-point order, LEAST skipping NULLs, dates
    "name LIKE 'a_c%' OR name > 'Zz' OR LENGTH(name) = 2",
    "LEAST(employees, insured_employees) >= 5 OR GREATEST(revenue, rd_expense) IS NULL",
    "ADD_DAYS(founded, employees) > DATE '2020-06-30' AND MONTH(founded) IN (1, 2, 12)",
    "CASE WHEN industry = 'C' THEN FLOOR(revenue / 1000) ELSE CEIL(rd_expense) END >= 500",
]
NAMES = ["abc", "ABC", "abcd", "aXc", "Zz", "zz", "中文", "a_c", "a%c", None]


def enterprises(n: int, seed: int = 8) -> list[dict[str, Any]]:
    rng = random.Random(seed)

    def maybe(value: Any) -> Any:
        return None if rng.random() < 0.1 else value

    rows = []
    for _ in range(n):
        employees = rng.randint(0, 300)
        revenue = round(rng.uniform(0, 5_000_000), 2)
        rows.append(
            {
                "employees": maybe(employees),
                "insured_employees": maybe(rng.randint(0, employees)),
                "revenue": maybe(revenue),
                "rd_expense": maybe(round(revenue * rng.uniform(0, 0.12), 2)),
                "industry": maybe(rng.choice("ABCDEFGHIJKLMNOPQRST")),
                "name": rng.choice(NAMES),
                "region": maybe(rng.choice(["330102", "330106", "330205", "330302"])),
                "founded": maybe(dt.date(2005, 1, 1) + dt.timedelta(days=rng.randint(0, 7600))),
                "high_tech": maybe(rng.random() < 0.2),
                "in_hardship": maybe(rng.random() < 0.1),
            }
        )
    return rows


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master("local[1]")
        .appName("onevisit-rules-test")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "1")
        .config("spark.driver.memory", "512m")
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


def test_spark_sql_matches_exactly_what_python_and_polars_match(spark: Any) -> None:
    from pyspark.sql import types

    spark_types = {
        "integer": types.LongType(),
        "decimal": types.DoubleType(),
        "text": types.StringType(),
        "boolean": types.BooleanType(),
        "date": types.DateType(),
    }
    rows = enterprises(3000)
    compiled = [rules.parse(source, SCHEMA, today=TODAY) for source in RULES]
    schema = types.StructType(
        [types.StructField("id", types.LongType(), False)]
        + [types.StructField(f.name, spark_types[str(f.type)], True) for f in SCHEMA]
    )
    frame = spark.createDataFrame([(i, *row.values()) for i, row in enumerate(rows)], schema)
    frame.createOrReplaceTempView("enterprises")
    selected = ", ".join(f"{rule.to_sql('spark')} AS r{i}" for i, rule in enumerate(compiled))
    answers = spark.sql(f"SELECT id, {selected} FROM enterprises ORDER BY id").collect()

    polars_frame = pl.DataFrame(rows, schema={f.name: DTYPES[f.type] for f in SCHEMA})
    polars_answers = polars_frame.select([rule.to_polars().alias(f"r{i}") for i, rule in enumerate(compiled)])
    for i, rule in enumerate(compiled):
        on_spark = [row[f"r{i}"] for row in answers]
        in_python = [rule.evaluate(row) for row in rows]
        assert on_spark == in_python, (RULES[i], rule.to_sql("spark"))
        assert polars_answers[f"r{i}"].to_list() == in_python, RULES[i]
        matched = sum(1 for value in in_python if value is True)
        assert 0 < matched < len(rows), f"rule {i} should match some enterprises and not others"

    # the matching itself, as a batch job would run it: the ids each rule selects
    where = compiled[0].to_sql("spark")
    spark_ids = [row["id"] for row in spark.sql(f"SELECT id FROM enterprises WHERE {where} ORDER BY id").collect()]
    assert spark_ids == [i for i, row in enumerate(rows) if compiled[0].matches(row)]
