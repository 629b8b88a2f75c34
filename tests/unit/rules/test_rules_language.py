"""The rules language: what it accepts, what it refuses (and where it points), what it means."""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
from typing import Any

import duckdb
import pytest

from onevisit import rules
from onevisit.rules import FieldType, RuleError, RulesError, Schema
from onevisit.rules.to_sql import column_type

ENTERPRISE = Schema.of(
    employees="integer",
    insured_employees="integer",
    revenue="decimal",
    industry="text",
    name="text",
    founded="date",
    high_tech="boolean",
    rent_fen="fen",
)
TODAY = dt.date(2026, 11, 20)


def parse(source: str, **kwargs: Any) -> rules.Rule:
    return rules.parse(source, ENTERPRISE, today=TODAY, **kwargs)


def refused(source: str, **kwargs: Any) -> RuleError:
    with pytest.raises(RuleError) as info:
        parse(source, **kwargs)
    return info.value


# -- accepted ---------------------------------------------------------------------------------


def test_a_typical_eligibility_rule() -> None:
    rule = parse("employees >= 10 AND industry IN ('C', 'I') AND YEARS_BETWEEN(founded, TODAY()) >= 3")
    assert rule.type is FieldType.BOOLEAN
    assert rule.fields == ["employees", "industry", "founded"]
    firm = {"employees": 12, "industry": "C", "founded": dt.date(2020, 5, 1)}
    assert rule.matches(firm)
    assert not rule.matches({**firm, "founded": dt.date(2024, 1, 1)})
    assert rule.evaluate({**firm, "employees": None}) is None  # unknown, not false
    assert not rule.matches({**firm, "employees": None})


def test_a_benefit_formula_is_a_value() -> None:
    rule = parse("LEAST(insured_employees * 100000, 5000000)", expect="value")
    assert rule.type is FieldType.INTEGER
    assert rule.evaluate({"insured_employees": 12}) == 1_200_000
    assert rule.evaluate({"insured_employees": 80}) == 5_000_000
    assert parse("revenue / employees", expect="value").type is FieldType.DECIMAL


def test_field_names_are_case_insensitive_unless_quoted() -> None:
    assert parse("Employees > 1").fields == ["employees"]
    assert refused('"Employees" > 1').code is RulesError.UNKNOWN_FIELD


def test_text_compared_with_a_date_is_read_as_a_date() -> None:
    rule = parse("founded < '2020-01-01'")
    assert rule.matches({"founded": dt.date(2019, 12, 31)})
    assert "DATE '2020-01-01'" in rule.to_sql("postgres")


def test_years_between_counts_whole_years_as_an_age_is_counted() -> None:
    rule = parse("YEARS_BETWEEN(founded, DATE '2026-03-01')", expect="value")
    assert rule.evaluate({"founded": dt.date(2016, 3, 1)}) == 10
    assert rule.evaluate({"founded": dt.date(2016, 3, 2)}) == 9
    assert rule.evaluate({"founded": dt.date(2016, 2, 29)}) == 10


# -- refused, with the place -----------------------------------------------------------------


def test_unknown_fields_are_all_named_with_a_suggestion_and_their_place() -> None:
    error = refused("employes >= 10 AND\n  industri = 'C' AND founded > '2020-01-01'")
    assert [p.code for p in error.problems] == [RulesError.UNKNOWN_FIELD] * 2
    first, second = error.problems
    assert (first.line, first.column, first.fragment) == (1, 1, "employes")
    assert (second.line, second.column, second.fragment) == (2, 3, "industri")
    assert first.text("en") == "Unknown field “employes”; did you mean “employees”?"
    assert first.text("zh") == "未知字段“employes”；您是不是要写“employees”？"
    assert "(line 2, column 3: industri)" in second.describe("en")
    assert second.caret("employes >= 10 AND\n  industri = 'C'") == "  industri = 'C'\n  ^^^^^^^^"
    assert [f.field for f in error.fields] == ["rule", "rule"]


@pytest.mark.parametrize(
    ("source", "code", "fragment"),
    [
        ("industry > 5", RulesError.TYPE_MISMATCH, "industry > 5"),
        ("employees > 1 AND name", RulesError.WRONG_TYPE, "name"),
        ("employees + industry > 1", RulesError.WRONG_TYPE, "industry"),
        ("founded + 1 > founded", RulesError.WRONG_TYPE, "founded"),
        ("high_tech > FALSE", RulesError.TYPE_MISMATCH, "high_tech > FALSE"),
        ("employees = NULL", RulesError.NULL_COMPARISON, "employees = NULL"),
        ("industry IN ('C', NULL)", RulesError.NULL_COMPARISON, "NULL"),
        ("industry IN (name, 'C')", RulesError.NOT_ALLOWED, "name"),
        ("industry LIKE name", RulesError.NOT_ALLOWED, "name"),
        ("employees IN (SELECT 1)", RulesError.NOT_ALLOWED, None),
        ("employees > (SELECT MAX(x) FROM t)", RulesError.NOT_ALLOWED, "(SELECT MAX(x) FROM t)"),
        ("t.employees > 1", RulesError.NOT_ALLOWED, "t.employees"),
        ("UPPER(industry) = 'C'", RulesError.UNKNOWN_FUNCTION, "UPPER(industry)"),
        ("sleep(10) > 1", RulesError.UNKNOWN_FUNCTION, "sleep(10)"),
        ("ADD_DAYS(founded) > founded", RulesError.ARGUMENTS, "ADD_DAYS(founded)"),
        ("CAST(industry AS INT) > 1", RulesError.NOT_ALLOWED, "CAST(industry AS INT)"),
        ("high_tech IS TRUE", RulesError.NOT_ALLOWED, "high_tech IS TRUE"),
        ("founded > '2020-02-30'", RulesError.BAD_LITERAL, "'2020-02-30'"),
        ("employees % 2 = 0", RulesError.NOT_ALLOWED, "employees % 2"),
        ("employees > 1; DROP TABLE x", RulesError.NOT_ALLOWED, ";"),
        ("employees + 1", RulesError.NOT_A_CONDITION, "employees + 1"),
        ("(employees > 1", RulesError.SYNTAX, None),
        ("employees >= 10 AND AND high_tech", RulesError.SYNTAX, "AND"),
        ("industry = 'C", RulesError.SYNTAX, "'C"),
        ("   ", RulesError.EMPTY, ""),
        ("CASE WHEN high_tech THEN 'x' ELSE 1 END = 1", RulesError.TYPE_MISMATCH, "1"),
    ],
)
def test_refusals_point_at_the_offending_part(source: str, code: RulesError, fragment: str | None) -> None:
    problem = refused(source).problems[0]
    assert problem.code is code, problem.describe()
    if fragment is not None:
        assert problem.fragment == fragment, problem.describe()
    assert problem.text("zh") != problem.text("en"), "every refusal is translated"


def test_a_formula_must_be_a_value_and_a_rule_a_condition() -> None:
    assert refused("employees > 1", expect="value").code is RulesError.WRONG_TYPE
    assert refused("employees").code is RulesError.NOT_A_CONDITION


def test_very_long_or_deep_rules_are_refused_without_crashing() -> None:
    assert refused("employees > 1 AND " * 700 + "TRUE").code is RulesError.TOO_LONG
    deep = "(" * 200 + "employees > 1" + ")" * 200
    assert refused(deep).code in (RulesError.TOO_DEEP, RulesError.SYNTAX)


# -- the meaning, the same in every SQL back end ---------------------------------------------

PITFALLS: list[tuple[str, dict[str, Any], Any]] = [
    # SQLite's LIKE ignores case; the rules' LIKE does not
    ("name LIKE 'a%'", {"name": "Abc"}, False),
    ("name LIKE 'A_c'", {"name": "Abc"}, True),
    # a backslash is an ordinary character (PostgreSQL and Spark would read it as an escape)
    ("name LIKE 'a\\%'", {"name": "a\\bc"}, True),
    ("name LIKE '100!%'", {"name": "100!x"}, True),
    ("name LIKE '*'", {"name": "abc"}, False),  # GLOB's wildcard is plain text in LIKE
    # NULL in three-valued logic
    ("employees > 1 OR high_tech", {"employees": None, "high_tech": True}, True),
    ("employees > 1 AND high_tech", {"employees": None, "high_tech": False}, False),
    ("employees > 1 AND high_tech", {"employees": None, "high_tech": True}, None),
    ("NOT (employees > 1)", {"employees": None}, None),
    ("industry NOT IN ('C', 'I')", {"industry": None}, None),
    # long IN lists take another path in Polars (a hash lookup, not a chain of equalities)
    ("industry IN ('A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'I', 'J')", {"industry": "I"}, True),
    ("industry NOT IN ('A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'I', 'J')", {"industry": None}, None),
    ("employees NOT BETWEEN 1 AND 5", {"employees": None}, None),
    ("CASE WHEN employees > 1 THEN TRUE ELSE FALSE END", {"employees": None}, False),
    # LEAST/GREATEST skip NULLs (SQLite's MIN/MAX would not)
    ("LEAST(employees, insured_employees) = 3", {"employees": None, "insured_employees": 3}, True),
    # division: decimal, and NULL for a zero divisor
    ("employees / insured_employees = 0.5", {"employees": 1, "insured_employees": 2}, True),
    ("employees / insured_employees IS NULL", {"employees": 1, "insured_employees": 0}, True),
    # text orders by code point whatever the database's collation
    ("name < 'a'", {"name": "B"}, True),
    ("name > '中'", {"name": "文"}, True),
    ("LENGTH(name) = 2", {"name": "中文"}, True),
    # whole-number arithmetic is 64-bit everywhere
    ("employees * 1000000000 > 2000000000", {"employees": 3}, True),
    ("FLOOR(revenue) = -2 AND CEIL(revenue) = -1", {"revenue": -1.5}, True),
    ("ADD_DAYS(founded, 30) = DATE '2024-03-01'", {"founded": dt.date(2024, 1, 31)}, True),
    ("DAYS_BETWEEN(founded, DATE '2025-01-01') = 366", {"founded": dt.date(2024, 1, 1)}, True),
]


def _sql_backends() -> list[tuple[str, Any]]:
    found: list[tuple[str, Any]] = [("sqlite", sqlite3.connect(":memory:")), ("duckdb", duckdb.connect(":memory:"))]
    url = os.environ.get("ONEVISIT_TEST_DATABASE_URL", "")
    if url:
        import psycopg

        found.append(("postgres", psycopg.connect(url, autocommit=True)))
    return found


@pytest.mark.parametrize(("source", "record", "expected"), PITFALLS)
def test_each_back_end_agrees_on_the_classic_pitfalls(source: str, record: dict[str, Any], expected: Any) -> None:
    rule = parse(source)
    full = {name: record.get(name) for name in ENTERPRISE.fields}
    assert rule.evaluate(full) is expected
    frame_value = __import__("polars").DataFrame([full], schema=_polars_schema()).select(rule.to_polars()).item()
    assert frame_value is expected, rule.to_polars()
    for dialect, conn in _sql_backends():
        cur = conn.cursor()
        columns = ", ".join(f'"{n}" {column_type(dialect, f.type)}' for n, f in ENTERPRISE.fields.items())
        cur.execute(f"CREATE TEMP TABLE f ({columns})")
        marks = ", ".join(["%s" if dialect == "postgres" else "?"] * len(full))
        values = [v.isoformat() if dialect == "sqlite" and isinstance(v, dt.date) else v for v in full.values()]
        cur.execute(f"INSERT INTO f VALUES ({marks})", values)
        cur.execute(f"SELECT {rule.to_sql(dialect)} FROM f")
        got = cur.fetchone()[0]
        assert (None if got is None else bool(got)) is expected, (dialect, rule.to_sql(dialect))
        conn.close()


def _polars_schema() -> dict[str, Any]:
    from onevisit.rules.to_polars import DTYPES

    return {n: DTYPES[f.type] for n, f in ENTERPRISE.fields.items()}


def test_sql_is_quoted_for_each_dialect() -> None:
    rule = parse("name = 'it''s' AND name LIKE 'a\\b%'")
    assert rule.to_sql("spark") == "((`name` = 'it\\'s') AND (`name` LIKE 'a\\\\b%' ESCAPE '!'))"
    assert rule.to_sql("postgres") == "((\"name\" = 'it''s') AND (\"name\" LIKE 'a\\b%' ESCAPE '!'))"
    assert rule.to_sql("sqlite") == "((\"name\" = 'it''s') AND (\"name\" GLOB 'a\\b*'))"
    assert parse("employees > 1").to_sql("duckdb", column=lambda n: f"e.{n}") == "(e.employees > 1)"
    with pytest.raises(ValueError, match="unknown SQL dialect"):
        parse("employees > 1").to_sql("oracle")  # type: ignore[arg-type]


# -- explanations -----------------------------------------------------------------------------


def test_an_explanation_says_which_conditions_held_and_which_failed() -> None:
    rule = parse("employees >= 10 AND (industry IN ('C', 'I') OR high_tech) AND NOT revenue > 1000000")
    outcome = rule.explain({"employees": 8, "industry": "F", "high_tech": True, "revenue": None})
    assert outcome.status == "failed"
    assert [(leaf.text, leaf.status) for leaf in outcome.leaves()] == [
        ("employees >= 10", "failed"),
        ("industry IN ('C', 'I')", "failed"),
        ("high_tech", "held"),
        ("revenue > 1000000", "unknown"),
    ]
    first = outcome.children[0]
    assert first.inputs == {"employees": 8}
    assert [c.status for c in outcome.children] == ["failed", "held", "unknown"]
    assert outcome.children[2].text == "NOT revenue > 1000000"
    text = outcome.render("en")
    assert "✗ employees >= 10  — failed  [employees = 8]" in text
    assert "✓ high_tech  — held  [high_tech = TRUE]" in text
    zh = outcome.render("zh")
    assert "✗ employees >= 10  — 不满足  [employees = 8]" in zh
    data = outcome.as_dict()
    assert data["children"][1]["children"][1] == {
        "text": "high_tech",
        "status": "held",
        "value": True,
        "inputs": {"high_tech": True},
        "children": [],
    }


def test_a_formula_explains_to_its_value() -> None:
    outcome = parse("LEAST(insured_employees * 1000, 50000)", expect="value").explain({"insured_employees": 7})
    assert (outcome.status, outcome.value, outcome.inputs) == ("value", 7000, {"insured_employees": 7})


# -- schemas ----------------------------------------------------------------------------------


def test_schemas_from_json_and_record_coercion() -> None:
    schema = Schema.from_json(
        [
            {"name": "employees", "type": "integer", "required": True},
            {"name": "revenue", "type": "decimal"},
            {"name": "founded", "type": "date", "label_zh": "成立日期"},
            {"name": "industry", "type": "string"},
        ]
    )
    assert schema.fields["industry"].type is FieldType.TEXT
    assert not schema.fields["employees"].nullable
    assert schema.fields["founded"].label("zh") == "成立日期"
    record = schema.coerce({"employees": "12", "revenue": "1234.50", "founded": "2020-01-02"})
    assert record == {"employees": 12, "revenue": 1234.5, "founded": dt.date(2020, 1, 2), "industry": None}
    with pytest.raises(ValueError, match="founded: not a date"):
        schema.coerce({"founded": "yesterday"})
    with pytest.raises(ValueError, match="employees: not a whole number"):
        schema.coerce({"employees": True})
    with pytest.raises(ValueError, match="declared twice"):
        Schema([rules.Field("a", FieldType.TEXT), rules.Field("a", FieldType.TEXT)])


@pytest.mark.parametrize("op", ["<", "<=", ">", ">=", "="])
@pytest.mark.parametrize("today", [dt.date(2024, 2, 29), dt.date(2026, 3, 1), dt.date(2026, 2, 28)])
def test_age_thresholds_are_rewritten_to_a_cutoff_date_without_changing_a_single_answer(
    op: str, today: dt.date
) -> None:
    fast = rules.parse(f"YEARS_BETWEEN(founded, TODAY()) {op} 3", ENTERPRISE, today=today)
    slow = rules.parse(f"YEARS_BETWEEN(founded, TODAY()) + 0 {op} 3", ENTERPRISE, today=today)
    assert ("EXTRACT" in fast.to_sql("postgres")) is (op == "=")  # only the inequalities are rewritten
    mirror = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "=": "="}[op]
    mirrored = rules.parse(f"3 {mirror} YEARS_BETWEEN(founded, TODAY())", ENTERPRISE, today=today)
    day = dt.date(2019, 1, 1)
    while day < dt.date(2023, 12, 31):
        record = {"founded": day}
        assert fast.evaluate(record) is slow.evaluate(record), (op, today, day)
        assert mirrored.evaluate(record) is slow.evaluate(record), (op, today, day)
        day += dt.timedelta(days=1)
    assert fast.evaluate({"founded": None}) is None
    assert fast.explain({"founded": day}).text == f"YEARS_BETWEEN(founded, TODAY()) {op} 3"


def test_text_held_as_categorical_gives_the_same_answers() -> None:
    import polars as pl

    frame = pl.DataFrame(
        {"industry": ["C", "I", None, "Z", "c"], "name": ["Abc", "abc", None, "ab", "中文"]},
        schema={"industry": pl.String, "name": pl.String},
    )
    coded = frame.with_columns(pl.col("industry", "name").cast(pl.Categorical))
    sources = [
        "industry IN ('A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'I', 'J')",
        "industry NOT IN ('C', 'I')",
        "industry = 'C' OR 'I' = industry",
        "industry <> 'C'",
        "industry < 'D'",
        "name LIKE 'ab%'",
        "name LIKE '%c'",
        "name LIKE '%' AND LENGTH(name) >= 2",
    ]
    for source in sources:
        rule = parse(source)
        expected = [rule.evaluate(row) for row in frame.to_dicts()]
        assert frame.select(rule.to_polars(frame.schema)).to_series().to_list() == expected, source
        assert coded.select(rule.to_polars(coded.schema)).to_series().to_list() == expected, source
