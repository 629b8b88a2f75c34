"""The SQL back end: a rule as a fully parenthesised SQL expression for SQLite, PostgreSQL,
DuckDB or Spark SQL.

Identifiers and text literals are quoted by sqlglot for each dialect; the rest is written here,
because "the same" SQL does not mean the same thing everywhere and the rules must:

* decimals are double precision in every back end (literals and decimal columns are cast), and
  ``/`` divides decimals, giving NULL for a zero divisor (``NULLIF``);
* whole-number literals in arithmetic are BIGINT (PostgreSQL and Spark would use 32 bits);
* text orders by code point: PostgreSQL compares with ``COLLATE "C"``;
* LIKE is case-sensitive with no escape character: SQLite gets ``GLOB`` (its LIKE ignores
  case), the others an explicit ``ESCAPE`` when the pattern holds the default escape ``\\``;
* LEAST/GREATEST skip NULLs (SQLite's MIN/MAX do not: the arguments are COALESCEd);
* dates are ISO text in SQLite, DATE elsewhere; the date functions are each dialect's own.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal, get_args

from sqlglot import exp

from onevisit.rules import ir
from onevisit.rules.schema import FieldType

Dialect = Literal["sqlite", "postgres", "duckdb", "spark"]
DIALECTS: tuple[Dialect, ...] = get_args(Dialect)

_TYPES: dict[str, dict[FieldType, str]] = {
    "sqlite": {
        FieldType.INTEGER: "INTEGER",
        FieldType.DECIMAL: "REAL",
        FieldType.TEXT: "TEXT",
        FieldType.BOOLEAN: "INTEGER",
        FieldType.DATE: "TEXT",
    },
    "postgres": {
        FieldType.INTEGER: "BIGINT",
        FieldType.DECIMAL: "DOUBLE PRECISION",
        FieldType.TEXT: "TEXT",
        FieldType.BOOLEAN: "BOOLEAN",
        FieldType.DATE: "DATE",
    },
    "duckdb": {
        FieldType.INTEGER: "BIGINT",
        FieldType.DECIMAL: "DOUBLE",
        FieldType.TEXT: "VARCHAR",
        FieldType.BOOLEAN: "BOOLEAN",
        FieldType.DATE: "DATE",
    },
    "spark": {
        FieldType.INTEGER: "BIGINT",
        FieldType.DECIMAL: "DOUBLE",
        FieldType.TEXT: "STRING",
        FieldType.BOOLEAN: "BOOLEAN",
        FieldType.DATE: "DATE",
    },
}


def column_type(dialect: Dialect, kind: FieldType) -> str:
    """The column type a table should declare for a field of ``kind`` (tests and tools)."""
    return _TYPES[dialect][kind]


class SqlCompiler:
    def __init__(self, dialect: Dialect, column: Callable[[str], str] | None = None) -> None:
        if dialect not in DIALECTS:
            raise ValueError(f"unknown SQL dialect {dialect!r}; one of {', '.join(DIALECTS)}")
        self.dialect = dialect
        self.types = _TYPES[dialect]
        self.column = column or self.identifier

    def identifier(self, name: str) -> str:
        return exp.to_identifier(name, quoted=True).sql(dialect=self.dialect)

    def text(self, value: str) -> str:
        return exp.Literal.string(value).sql(dialect=self.dialect)

    def cast(self, sql: str, kind: FieldType) -> str:
        return f"CAST({sql} AS {self.types[kind]})"

    def compile(self, node: ir.Node, bare: bool = False) -> str:  # noqa: PLR0912
        """SQL for ``node``; ``bare`` allows a whole-number literal to stay untyped (comparisons)."""
        if isinstance(node, ir.Literal):
            return self.literal(node, bare=bare)
        if isinstance(node, ir.FieldRef):
            column = self.column(node.name)
            return self.cast(column, FieldType.DECIMAL) if node.type is FieldType.DECIMAL else column
        if isinstance(node, ir.ToDecimal):
            return self.cast(self.compile(node.operand), FieldType.DECIMAL)
        if isinstance(node, ir.Not):
            return f"(NOT {self.compile(node.operand)})"
        if isinstance(node, ir.And | ir.Or):
            joiner = " AND " if isinstance(node, ir.And) else " OR "
            return "(" + joiner.join(self.compile(i) for i in node.items) + ")"
        if isinstance(node, ir.Compare):
            left = self.ordered(self.compile(node.left, bare=True), node.left.type, node.op)
            return f"({left} {node.op} {self.compile(node.right, bare=True)})"
        if isinstance(node, ir.InList):
            items = ", ".join(self.compile(v, bare=True) for v in node.values)
            word = "NOT IN" if node.negated else "IN"
            return f"({self.compile(node.operand, bare=True)} {word} ({items}))"
        if isinstance(node, ir.Between):
            value = self.ordered(self.compile(node.operand, bare=True), node.operand.type, "<")
            word = "NOT BETWEEN" if node.negated else "BETWEEN"
            low, high = self.compile(node.low, bare=True), self.compile(node.high, bare=True)
            return f"({value} {word} {low} AND {high})"
        if isinstance(node, ir.IsNull):
            return f"({self.compile(node.operand)} IS {'NOT ' if node.negated else ''}NULL)"
        if isinstance(node, ir.Like):
            return self.like(node)
        if isinstance(node, ir.Arith):
            left, right = self.compile(node.left), self.compile(node.right)
            if node.op == "/":
                return f"({left} / NULLIF({right}, 0))"
            return f"({left} {node.op} {right})"
        if isinstance(node, ir.Neg):
            return f"(-{self.compile(node.operand)})"
        if isinstance(node, ir.Case):
            whens = " ".join(f"WHEN {self.compile(c)} THEN {self.compile(v)}" for c, v in node.whens)
            default = f" ELSE {self.compile(node.default)}" if node.default is not None else ""
            return f"(CASE {whens}{default} END)"
        if isinstance(node, ir.Call):
            return self.call(node)
        raise TypeError(f"no SQL form for {type(node).__name__}")  # pragma: no cover

    def literal(self, node: ir.Literal, *, bare: bool) -> str:
        value = node.value
        if value is None:
            return self.cast("NULL", node.type) if node.type is not None else "NULL"
        if node.type is FieldType.BOOLEAN:
            if self.dialect == "sqlite":
                return "1" if value else "0"
            return "TRUE" if value else "FALSE"
        if node.type is FieldType.INTEGER:
            text = f"({value})" if int(str(value)) < 0 else str(value)
            return text if bare or self.dialect == "sqlite" else self.cast(text, FieldType.INTEGER)
        if node.type is FieldType.DECIMAL:
            text = repr(float(str(value)))
            if self.dialect == "sqlite":
                return f"({text})" if text.startswith("-") else text
            return self.cast(text, FieldType.DECIMAL)
        if node.type is FieldType.DATE:
            iso = self.text(str(value))
            return iso if self.dialect == "sqlite" else f"DATE {iso}"
        return self.text(str(value))

    def ordered(self, sql: str, kind: FieldType | None, op: str) -> str:
        """PostgreSQL orders text by the database's collation; rules order by code point."""
        if self.dialect == "postgres" and kind is FieldType.TEXT and op not in ("=", "<>"):
            return f'{sql} COLLATE "C"'
        return sql

    def like(self, node: ir.Like) -> str:
        value = self.compile(node.operand)
        word = "NOT " if node.negated else ""
        if self.dialect == "sqlite":
            glob = "".join(
                "*" if c == "%" else "?" if c == "_" else f"[{c}]" if c in "*?[" else c for c in node.pattern
            )
            return f"({value} {word}GLOB {self.text(glob)})"
        if "\\" in node.pattern or "!" in node.pattern:
            pattern = node.pattern.replace("!", "!!")
            return f"({value} {word}LIKE {self.text(pattern)} ESCAPE '!')"
        return f"({value} {word}LIKE {self.text(node.pattern)})"

    def call(self, node: ir.Call) -> str:  # noqa: PLR0912 - one branch per function
        if node.body is not None:
            return self.compile(node.body)
        args = [self.compile(a) for a in node.args]
        name, sqlite = node.name, self.dialect == "sqlite"
        if name == "ABS":
            return f"ABS({args[0]})"
        if name in ("FLOOR", "CEIL"):
            if node.args[0].type is FieldType.INTEGER:
                return args[0]
            if sqlite:  # FLOOR/CEIL need SQLite's optional math functions; truncation does not
                whole = f"CAST({args[0]} AS INTEGER)"
                if name == "FLOOR":
                    return f"({whole} - ({args[0]} < {whole}))"
                return f"({whole} + ({args[0]} > {whole}))"
            return self.cast(f"{name}({args[0]})", FieldType.INTEGER)
        if name in ("LEAST", "GREATEST"):
            if sqlite:
                pick = "MIN" if name == "LEAST" else "MAX"
                spread = [f"COALESCE({', '.join([a, *args])})" for a in args]
                return f"{pick}({', '.join(spread)})"
            return f"{name}({', '.join(args)})"
        if name == "COALESCE":
            return f"COALESCE({', '.join(args)})"
        if name == "LENGTH":
            return f"LENGTH({args[0]})" if sqlite else self.cast(f"LENGTH({args[0]})", FieldType.INTEGER)
        if name in ("YEAR", "MONTH", "DAY"):
            if sqlite:
                code = {"YEAR": "%Y", "MONTH": "%m", "DAY": "%d"}[name]
                return f"CAST(STRFTIME('{code}', {args[0]}) AS INTEGER)"
            return self.cast(f"EXTRACT({name} FROM {args[0]})", FieldType.INTEGER)
        if name == "ADD_DAYS":
            day, days = args
            if sqlite:
                return f"DATE(JULIANDAY({day}) + {days})"
            if self.dialect == "spark":
                return f"DATE_ADD({day}, CAST({days} AS INT))"
            return f"CAST(({day} + CAST({days} AS INTEGER)) AS DATE)"
        if name == "DAYS_BETWEEN":
            first, second = args
            if sqlite:
                return f"CAST(JULIANDAY({second}) - JULIANDAY({first}) AS INTEGER)"
            if self.dialect == "spark":
                return self.cast(f"DATEDIFF({second}, {first})", FieldType.INTEGER)
            if self.dialect == "duckdb":
                return f"DATE_DIFF('day', {first}, {second})"
            return self.cast(f"({second} - {first})", FieldType.INTEGER)
        raise TypeError(f"no SQL form for {name}")  # pragma: no cover


def compile_sql(node: ir.Node, dialect: Dialect, column: Callable[[str], str] | None = None) -> str:
    return SqlCompiler(dialect, column).compile(node)
