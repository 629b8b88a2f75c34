"""``Rule``: one checked expression and its three back ends (Python, Polars, SQL)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from functools import cached_property
from typing import Any

import polars as pl

from onevisit.rules import ir
from onevisit.rules.evaluate import Outcome, compile_python, explain
from onevisit.rules.parser import Expect, parse
from onevisit.rules.schema import FieldType, Schema
from onevisit.rules.to_polars import compile_polars
from onevisit.rules.to_sql import Dialect, compile_sql


class Rule:
    """A rule checked against a schema. Build one with ``Rule.parse`` (or ``rules.parse``).

    ``rule.evaluate(record)`` gives ``True``/``False``/``None`` (a condition) or a value (a
    formula); ``rule.matches(record)`` is true only when the condition is TRUE (NULL is not a
    match, as in a SQL ``WHERE``); ``rule.to_polars()`` and ``rule.to_sql(dialect)`` give the
    same answers over whole tables; ``rule.explain(record)`` says which conditions held.
    """

    def __init__(self, source: str, schema: Schema, node: ir.Node) -> None:
        self.source = source
        self.schema = schema
        self.node = node

    @classmethod
    def parse(cls, source: str, schema: Schema, *, expect: Expect = "condition", today: dt.date | None = None) -> Rule:
        return cls(source, schema, parse(source, schema, expect=expect, today=today))

    @property
    def type(self) -> FieldType:
        assert self.node.type is not None  # noqa: S101 - the checker rejects untyped rules
        return self.node.type

    @property
    def fields(self) -> list[str]:
        """The fields the rule reads, in order of first appearance."""
        return ir.field_names(self.node)

    @cached_property
    def _function(self) -> Callable[[Mapping[str, Any]], Any]:
        return compile_python(self.node)

    def to_python(self) -> Callable[[Mapping[str, Any]], Any]:
        """A function of one record (field name → Python value: int, float, str, bool, date, None)."""
        return self._function

    def evaluate(self, record: Mapping[str, Any]) -> Any:
        return self._function(record)

    def matches(self, record: Mapping[str, Any]) -> bool:
        return self._function(record) is True

    def to_polars(self, dtypes: Mapping[str, pl.DataType] | None = None) -> pl.Expr:
        """A Polars expression over a frame holding the rule's fields (nulls where unknown).

        Pass the frame's ``schema`` as ``dtypes`` to skip casting columns that already are
        Int64/Float64 (faster); without it every numeric field is cast, whatever its width.
        """
        return compile_polars(self.node, dtypes)

    def to_sql(self, dialect: Dialect, *, column: Callable[[str], str] | None = None) -> str:
        """SQL for ``dialect`` ("sqlite", "postgres", "duckdb", "spark"); ``column`` maps a field
        name to the SQL that reads it (default: the quoted field name)."""
        return compile_sql(self.node, dialect, column)

    def explain(self, record: Mapping[str, Any]) -> Outcome:
        return explain(self.node, self.source, record)

    def __repr__(self) -> str:
        return f"Rule({self.source!r})"
