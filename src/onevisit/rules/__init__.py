"""``rules``: one small expression language for eligibility, instant approval, credit measures
and alert conditions (ARCHITECTURE.md §2).

SQL-style expressions over declared fields, parsed and checked with sqlglot against an
allow-list, compiled to a Python function for one record, a Polars expression for batches and
SQL for SQLite, PostgreSQL, DuckDB and Spark — with the same answers, NULLs included.

    schema = Schema.of(employees="integer", industry="text", founded="date")
    rule = parse("employees >= 10 AND industry IN ('C', 'I')", schema)
    rule.matches({"employees": 12, "industry": "C"})   # True
    frame.filter(rule.to_polars())
    rule.to_sql("postgres")
    rule.explain(record).render("zh")

See docs/rules.md for the language.
"""

from onevisit.rules.errors import Problem, RuleError, RulesError
from onevisit.rules.evaluate import Outcome
from onevisit.rules.functions import FUNCTIONS
from onevisit.rules.rule import Rule
from onevisit.rules.schema import Field, FieldType, Schema
from onevisit.rules.to_sql import DIALECTS, Dialect

parse = Rule.parse

__all__ = [
    "DIALECTS",
    "FUNCTIONS",
    "Dialect",
    "Field",
    "FieldType",
    "Outcome",
    "Problem",
    "Rule",
    "RuleError",
    "RulesError",
    "Schema",
    "parse",
]
