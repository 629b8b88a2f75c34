"""Every back end gives the same answers: hypothesis writes random well-typed rules (as text, so
the parser is exercised too) and random records with NULLs, and the Python function, the Polars
expression and the SQL on SQLite and DuckDB — and PostgreSQL when ONEVISIT_TEST_DATABASE_URL is
set — must agree on every record, value for value.
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
from collections.abc import Callable, Iterator
from functools import cache
from typing import Any

import duckdb
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from onevisit import rules
from onevisit.rules import FieldType, Schema
from onevisit.rules.to_polars import DTYPES
from onevisit.rules.to_sql import Dialect, column_type

PG_URL = os.environ.get("ONEVISIT_TEST_DATABASE_URL", "")
FIELDS: dict[str, FieldType] = {
    "i1": FieldType.INTEGER,
    "i2": FieldType.INTEGER,
    "d1": FieldType.DECIMAL,
    "d2": FieldType.DECIMAL,
    "t1": FieldType.TEXT,
    "t2": FieldType.TEXT,
    "b1": FieldType.BOOLEAN,
    "b2": FieldType.BOOLEAN,
    "day1": FieldType.DATE,
    "day2": FieldType.DATE,
}
SCHEMA = Schema.of({name: str(kind) for name, kind in FIELDS.items()})
TODAY = dt.date(2026, 11, 20)
# upper and lower case (SQLite's LIKE ignores case), CJK (LENGTH counts characters), the LIKE
# wildcards and escape characters as data, and a quote (literal escaping)
ALPHABET = "aAbB%_\\!'中文 "
# texts and patterns that tell the back ends apart when one gets LIKE or ordering wrong
TEXTS = ["", "a", "A", "ab", "aB", "Ab", "b", "中", "中文", "a%b", "a_b", "a\\b", "a!b", "it's", " a"]
PATTERNS = [
    "a",
    "A",
    "a%",
    "A%",
    "%b",
    "%B",
    "_",
    "__",
    "a_",
    "_b",
    "%",
    "a\\b",
    "a!b",
    "a!%",
    "%\\%",
    "中%",
    "_文",
    "it's",
]
MIN_DATE, MAX_DATE = dt.date(1995, 1, 1), dt.date(2030, 12, 31)

Kind = FieldType


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _signed(number: str) -> str:
    return f"({number})" if number.startswith("-") else number


def fields_of(kind: Kind) -> list[str]:
    return [name for name, k in FIELDS.items() if k is kind]


def literal(kind: Kind) -> st.SearchStrategy[str]:
    if kind is FieldType.INTEGER:
        return st.integers(-30, 30).map(lambda n: _signed(str(n)))
    if kind is FieldType.DECIMAL:
        return st.integers(-3000, 3000).map(lambda n: _signed(f"{n / 100:.2f}"))
    if kind is FieldType.TEXT:
        return st.one_of(st.sampled_from(TEXTS), st.text(ALPHABET, max_size=3)).map(_quote)
    if kind is FieldType.BOOLEAN:
        return st.sampled_from(["TRUE", "FALSE"])
    return st.dates(MIN_DATE, MAX_DATE).map(lambda d: f"DATE '{d.isoformat()}'")


def leaf(kind: Kind) -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(fields_of(kind)), literal(kind))


def like_pattern() -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(PATTERNS), st.text(ALPHABET + "%%__", max_size=4)).map(_quote)


@cache
def expression(kind: Kind, depth: int) -> st.SearchStrategy[str]:
    if depth == 0:
        return leaf(kind)
    sub: Callable[[Kind], st.SearchStrategy[str]] = lambda k: expression(k, depth - 1)  # noqa: E731
    same = sub(kind)
    general = [
        same,
        st.tuples(sub(FieldType.BOOLEAN), same, same).map(lambda t: f"CASE WHEN {t[0]} THEN {t[1]} ELSE {t[2]} END"),
        st.tuples(sub(FieldType.BOOLEAN), same).map(lambda t: f"CASE WHEN {t[0]} THEN {t[1]} END"),
        st.lists(same, min_size=2, max_size=3).map(lambda xs: f"COALESCE({', '.join(xs)})"),
    ]
    if kind is FieldType.INTEGER:
        small = leaf(FieldType.INTEGER)
        return st.one_of(
            *general,
            st.tuples(same, st.sampled_from(["+", "-"]), same).map(" ".join),
            st.tuples(same, small).map(lambda t: f"{t[0]} * {t[1]}"),
            same.map(lambda x: f"ABS({x})"),
            same.map(lambda x: f"-({x})"),
            st.tuples(st.sampled_from(["LEAST", "GREATEST"]), st.lists(same, min_size=2, max_size=3)).map(
                lambda t: f"{t[0]}({', '.join(t[1])})"
            ),
            st.tuples(st.sampled_from(["FLOOR", "CEIL"]), expression(FieldType.DECIMAL, min(depth - 1, 1))).map(
                lambda t: f"{t[0]}({t[1]})"
            ),
            sub(FieldType.TEXT).map(lambda x: f"LENGTH({x})"),
            st.tuples(st.sampled_from(["YEAR", "MONTH", "DAY"]), sub(FieldType.DATE)).map(lambda t: f"{t[0]}({t[1]})"),
            st.tuples(st.sampled_from(["DAYS_BETWEEN", "YEARS_BETWEEN"]), sub(FieldType.DATE), sub(FieldType.DATE)).map(
                lambda t: f"{t[0]}({t[1]}, {t[2]})"
            ),
        )
    if kind is FieldType.DECIMAL:
        number = st.one_of(same, sub(FieldType.INTEGER))
        return st.one_of(
            *general,
            st.tuples(number, st.sampled_from(["+", "-", "*", "/"]), number).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
            same.map(lambda x: f"ABS({x})"),
            st.tuples(st.sampled_from(["LEAST", "GREATEST"]), same, number).map(lambda t: f"{t[0]}({t[1]}, {t[2]})"),
        )
    if kind is FieldType.DATE:
        return st.one_of(
            *general,
            st.tuples(same, st.one_of(st.sampled_from(fields_of(FieldType.INTEGER)), literal(FieldType.INTEGER))).map(
                lambda t: f"ADD_DAYS({t[0]}, {t[1]})"
            ),
            st.tuples(st.sampled_from(["LEAST", "GREATEST"]), st.lists(same, min_size=2, max_size=3)).map(
                lambda t: f"{t[0]}({', '.join(t[1])})"
            ),
            st.just("TODAY()"),
        )
    if kind is FieldType.TEXT:
        return st.one_of(*general)
    return st.one_of(*general, *_conditions(sub))


def _conditions(inner: Callable[[Kind], st.SearchStrategy[str]]) -> list[st.SearchStrategy[str]]:
    def sub(kind: Kind) -> st.SearchStrategy[str]:
        return inner(kind).map(lambda x: f"({x})")

    ops = st.sampled_from(["=", "<>", "<", "<=", ">", ">="])
    comparisons = [
        st.tuples(sub(k), ops, sub(k)).map(" ".join)
        for k in (FieldType.INTEGER, FieldType.DECIMAL, FieldType.TEXT, FieldType.DATE)
    ]
    mixed = st.tuples(sub(FieldType.INTEGER), ops, sub(FieldType.DECIMAL)).map(" ".join)
    booleans = st.tuples(sub(FieldType.BOOLEAN), st.sampled_from(["=", "<>"]), sub(FieldType.BOOLEAN)).map(" ".join)
    logic = [
        st.tuples(sub(FieldType.BOOLEAN), st.sampled_from(["AND", "OR"]), sub(FieldType.BOOLEAN)).map(
            lambda t: f"({t[0]} {t[1]} {t[2]})"
        ),
        st.lists(sub(FieldType.BOOLEAN), min_size=3, max_size=4).map(lambda xs: "(" + " AND ".join(xs) + ")"),
        sub(FieldType.BOOLEAN).map(lambda x: f"NOT ({x})"),
    ]
    in_lists = [
        st.tuples(sub(k), st.sampled_from(["IN", "NOT IN"]), st.lists(literal(k), min_size=1, max_size=4)).map(
            lambda t: f"{t[0]} {t[1]} ({', '.join(t[2])})"
        )
        for k in (FieldType.INTEGER, FieldType.DECIMAL, FieldType.TEXT, FieldType.DATE)
    ]
    betweens = [
        st.tuples(sub(k), st.sampled_from(["BETWEEN", "NOT BETWEEN"]), sub(k), sub(k)).map(
            lambda t: f"{t[0]} {t[1]} {t[2]} AND {t[3]}"
        )
        for k in (FieldType.INTEGER, FieldType.DECIMAL, FieldType.TEXT, FieldType.DATE)
    ]
    nulls = st.tuples(st.one_of(*(sub(k) for k in FIELDS.values())), st.sampled_from(["IS NULL", "IS NOT NULL"])).map(
        " ".join
    )
    likes = st.tuples(sub(FieldType.TEXT), st.sampled_from(["LIKE", "NOT LIKE"]), like_pattern()).map(" ".join)
    return [*comparisons, mixed, booleans, *logic, *in_lists, *betweens, nulls, likes]


def value(kind: Kind) -> st.SearchStrategy[Any]:
    if kind is FieldType.INTEGER:
        return st.integers(-40, 40)
    if kind is FieldType.DECIMAL:
        return st.integers(-4000, 4000).map(lambda n: n / 100)
    if kind is FieldType.TEXT:
        return st.one_of(st.sampled_from(TEXTS), st.text(ALPHABET, max_size=4))
    if kind is FieldType.BOOLEAN:
        return st.booleans()
    return st.dates(MIN_DATE, MAX_DATE)


# a quarter of the values NULL: enough to exercise three-valued logic, few enough that the
# conditions still see data
ROW = st.fixed_dictionaries(
    {name: st.one_of(st.none(), value(kind), value(kind), value(kind)) for name, kind in FIELDS.items()}
)
RULES = st.one_of(
    expression(FieldType.BOOLEAN, 3),
    expression(FieldType.BOOLEAN, 2),
    st.sampled_from([FieldType.INTEGER, FieldType.DECIMAL, FieldType.TEXT, FieldType.DATE]).flatmap(
        lambda k: expression(k, 2)
    ),
)

# text is where back ends differ most (case in LIKE, escapes, collation): a focused generator
_TEXT_LEAF = leaf(FieldType.TEXT)
_TEXT_CONDITION = st.one_of(
    st.tuples(_TEXT_LEAF, st.sampled_from(["LIKE", "NOT LIKE"]), like_pattern()).map(" ".join),
    st.tuples(_TEXT_LEAF, st.sampled_from(["=", "<>", "<", "<=", ">", ">="]), _TEXT_LEAF).map(" ".join),
    st.tuples(_TEXT_LEAF, _TEXT_LEAF, _TEXT_LEAF).map(lambda t: f"{t[0]} BETWEEN {t[1]} AND {t[2]}"),
    st.tuples(_TEXT_LEAF, st.lists(literal(FieldType.TEXT), min_size=1, max_size=3)).map(
        lambda t: f"{t[0]} IN ({', '.join(t[1])})"
    ),
    st.tuples(_TEXT_LEAF, st.sampled_from(["<", ">"]), st.just("LENGTH(t2)")).map(
        lambda t: f"LENGTH({t[0]}) {t[1]} {t[2]}"
    ),
)
TEXT_RULES = st.lists(_TEXT_CONDITION, min_size=1, max_size=3).map(lambda xs: " OR ".join(f"({x})" for x in xs))


# -- back ends --------------------------------------------------------------------------------


def normalise(kind: FieldType, raw: Any) -> Any:
    if raw is None:
        return None
    if kind is FieldType.BOOLEAN:
        return bool(raw)
    if kind is FieldType.DATE and isinstance(raw, str):
        return dt.date.fromisoformat(raw)
    if kind is FieldType.DECIMAL:
        return float(raw)
    if kind is FieldType.INTEGER:
        assert raw == int(raw), raw
        return int(raw)
    return raw


class SqlBackend:
    placeholder = "?"

    def __init__(self, dialect: Dialect, connect: Callable[[], Any]) -> None:
        self.dialect = dialect
        self.conn = connect()
        columns = ", ".join(f'"{n}" {column_type(dialect, k)}' for n, k in FIELDS.items())
        self.create = f"CREATE TEMP TABLE facts (id INTEGER, {columns})"

    def run(self, rule: rules.Rule, rows: list[dict[str, Any]]) -> list[Any]:
        cur = self.conn.cursor()
        cur.execute("DROP TABLE IF EXISTS facts")
        cur.execute(self.create)
        marks = ", ".join([self.placeholder] * (len(FIELDS) + 1))
        cur.executemany(
            f"INSERT INTO facts VALUES ({marks})",
            [(i, *(self.encode(row[n]) for n in FIELDS)) for i, row in enumerate(rows)],
        )
        cur.execute(f"SELECT {rule.to_sql(self.dialect)} FROM facts ORDER BY id")
        return [normalise(rule.type, r[0]) for r in cur.fetchall()]

    def encode(self, raw: Any) -> Any:
        if self.dialect == "sqlite" and isinstance(raw, dt.date):
            return raw.isoformat()
        return raw


class PostgresBackend(SqlBackend):
    placeholder = "%s"


def python_results(rule: rules.Rule, rows: list[dict[str, Any]]) -> list[Any]:
    return [rule.evaluate(row) for row in rows]


def polars_results(rule: rules.Rule, rows: list[dict[str, Any]]) -> list[Any]:
    frame = pl.DataFrame(rows, schema={n: DTYPES[k] for n, k in FIELDS.items()})
    answers = frame.with_columns(rule.to_polars().alias("result"))["result"].to_list()
    uncast = frame.with_columns(rule.to_polars(frame.schema).alias("result"))["result"].to_list()
    assert uncast == answers, "knowing the frame's types must change nothing but speed"
    coded = frame.with_columns(pl.col("t1", "t2").cast(pl.Categorical))
    from_codes = coded.with_columns(rule.to_polars(coded.schema).alias("result"))["result"].to_list()
    assert from_codes == answers, "text held as Categorical must mean the same"
    return answers


@pytest.fixture(scope="module")
def backends() -> Iterator[dict[str, SqlBackend]]:
    found: dict[str, SqlBackend] = {
        "sqlite": SqlBackend("sqlite", lambda: sqlite3.connect(":memory:")),
        "duckdb": SqlBackend("duckdb", lambda: duckdb.connect(":memory:")),
    }
    if PG_URL:
        import psycopg

        found["postgres"] = PostgresBackend("postgres", lambda: psycopg.connect(PG_URL, autocommit=True))
    yield found
    for backend in found.values():
        backend.conn.close()


@settings(
    max_examples=int(os.environ.get("RULES_EXAMPLES", "250")),
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(source=RULES, rows=st.lists(ROW, min_size=1, max_size=8))
def test_every_back_end_gives_the_same_answers(
    backends: dict[str, SqlBackend], source: str, rows: list[dict[str, Any]]
) -> None:
    rule = rules.parse(source, SCHEMA, expect="any", today=TODAY)
    expected = python_results(rule, rows)
    assert polars_results(rule, rows) == expected, ("polars", source, rule.to_polars())
    for name, backend in backends.items():
        assert backend.run(rule, rows) == expected, (name, source, rule.to_sql(backend.dialect))


@settings(max_examples=int(os.environ.get("RULES_EXAMPLES", "250")) // 2, deadline=None, database=None)
@given(source=TEXT_RULES, rows=st.lists(ROW, min_size=1, max_size=8))
def test_text_conditions_agree_across_back_ends(
    backends: dict[str, SqlBackend], source: str, rows: list[dict[str, Any]]
) -> None:
    check = test_every_back_end_gives_the_same_answers.hypothesis.inner_test  # type: ignore[attr-defined]
    check(backends, source, rows)
