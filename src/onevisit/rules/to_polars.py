"""The Polars back end: a rule as one ``pl.Expr`` over a frame with the schema's columns.

Polars' ``&``/``|`` already follow Kleene logic, comparisons propagate nulls and ``when`` skips
a null condition, so SQL's three-valued logic carries over; the few places where Polars differs
(division by zero gives inf, whole-number literals default to 32 bits) are spelled out here.
Whole-number fields are read as Int64 and decimals as Float64, as every other back end does.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import reduce
from typing import Any

import polars as pl

from onevisit.rules import ir
from onevisit.rules.evaluate import compile_python, like_pattern
from onevisit.rules.schema import FieldType

DTYPES: dict[FieldType, pl.DataType] = {
    FieldType.INTEGER: pl.Int64(),
    FieldType.DECIMAL: pl.Float64(),
    FieldType.TEXT: pl.String(),
    FieldType.BOOLEAN: pl.Boolean(),
    FieldType.DATE: pl.Date(),
}


def compile_polars(node: ir.Node, dtypes: Mapping[str, pl.DataType] | None = None) -> pl.Expr:
    """``node`` as a Polars expression. Parts that read no field are worked out once, here, and
    enter as literals (so they broadcast to the frame's height like any scalar).

    Numeric fields are cast to Int64/Float64 unless ``dtypes`` (a frame's schema) says they
    already are: the casts cost up to half the time of a numeric-heavy batch.
    """
    constant: set[int] = set()
    _find_constants(node, constant)
    return _Compiler(constant, dtypes or {}).compile(node)


def _find_constants(node: ir.Node, constant: set[int]) -> bool:
    children = [_find_constants(child, constant) for child in node.children()]
    if isinstance(node, ir.Call) and node.body is not None:
        _find_constants(node.body, constant)
    is_constant = not isinstance(node, ir.FieldRef) and all(children)
    if is_constant:
        constant.add(id(node))
    return is_constant


class _Compiler:
    def __init__(self, constant: set[int], dtypes: Mapping[str, pl.DataType]) -> None:
        self.constant = constant
        self.dtypes = dtypes

    def compile(self, node: ir.Node) -> pl.Expr:
        if id(node) in self.constant and not isinstance(node, ir.Literal):
            dtype = DTYPES[node.type] if node.type is not None else pl.Null()
            return pl.lit(compile_python(node)({}), dtype=dtype)
        return _compile(self, node)

    def coded(self, node: ir.Node) -> str | None:
        """The column name when ``node`` is a text field the frame holds as Categorical: those
        compare with text constants by their codes (5-40x faster) and are cast to String for
        everything else, so the meaning never depends on the encoding."""
        if isinstance(node, ir.FieldRef) and isinstance(self.dtypes.get(node.name), pl.Categorical):
            return node.name
        return None

    def compare(self, op: str, left: ir.Node, right: ir.Node) -> pl.Expr:
        if op in ("=", "<>"):
            for column, other in ((self.coded(left), right), (self.coded(right), left)):
                if column is not None and isinstance(other, ir.Literal) and isinstance(other.value, str):
                    return _compare(op, pl.col(column), pl.lit(other.value))
        # A literal on the left of a comparison whose right side is a ``when`` that takes no
        # branch comes out one row long in Polars 2.1; with the operands the other way round
        # it broadcasts. Comparisons are symmetric under the mirrored operator, so swap.
        if id(left) in self.constant and id(right) not in self.constant:
            return _compare(_MIRROR[op], self.compile(right), self.compile(left))
        return _compare(op, self.compile(left), self.compile(right))


def _compile(c: _Compiler, node: ir.Node) -> pl.Expr:  # noqa: PLR0912 - one branch per node type
    compile_polars = c.compile
    if isinstance(node, ir.Literal):
        dtype = DTYPES[node.type] if node.type is not None else pl.Null()
        return pl.lit(node.value, dtype=dtype)
    if isinstance(node, ir.FieldRef):
        column = pl.col(node.name)
        known = c.dtypes.get(node.name)
        if node.type in (FieldType.INTEGER, FieldType.DECIMAL) and known != DTYPES[node.type]:
            return column.cast(DTYPES[node.type])
        if node.type is FieldType.TEXT and known is not None and known != pl.String():
            return column.cast(pl.String)
        return column
    if isinstance(node, ir.ToDecimal):
        return compile_polars(node.operand).cast(pl.Float64)
    if isinstance(node, ir.Not):
        return ~compile_polars(node.operand)
    if isinstance(node, ir.And):
        return reduce(lambda a, b: a & b, (compile_polars(i) for i in node.items))
    if isinstance(node, ir.Or):
        return reduce(lambda a, b: a | b, (compile_polars(i) for i in node.items))
    if isinstance(node, ir.Compare):
        return c.compare(node.op, node.left, node.right)
    if isinstance(node, ir.InList):
        assert node.operand.type is not None  # noqa: S101 - the checker types IN operands
        coded = c.coded(node.operand)
        operand = pl.col(coded) if coded is not None else compile_polars(node.operand)
        dtype = DTYPES[node.operand.type]
        if coded is not None:  # a lookup of codes: faster than equalities here
            found = operand.is_in([str(v.value) for v in node.values])
        elif len(node.values) <= _SHORT_LIST:  # a few equalities beat hashing every row (2-3x on text)
            found = reduce(lambda a, b: a | b, (operand == pl.lit(v.value, dtype=dtype) for v in node.values))
        else:
            found = operand.is_in(pl.Series([v.value for v in node.values], dtype=dtype).implode())
        return ~found if node.negated else found
    if isinstance(node, ir.Between):
        inside = c.compare(">=", node.operand, node.low) & c.compare("<=", node.operand, node.high)
        return ~inside if node.negated else inside
    if isinstance(node, ir.IsNull):
        coded = c.coded(node.operand)
        inner = pl.col(coded) if coded is not None else compile_polars(node.operand)
        return inner.is_not_null() if node.negated else inner.is_null()
    if isinstance(node, ir.Like):
        coded = c.coded(node.operand)
        core = node.pattern.rstrip("%")
        if coded is not None and node.pattern.endswith("%") and not any(ch in core for ch in "%_"):
            matched = pl.col(coded).cat.starts_with(core)
        else:
            matched = _like(compile_polars(node.operand), node.pattern)
        return ~matched if node.negated else matched
    if isinstance(node, ir.Arith):
        left, right = compile_polars(node.left), compile_polars(node.right)
        if node.op == "/":
            return pl.when(right != 0).then(left / right)
        return {"+": left + right, "-": left - right, "*": left * right}[node.op]
    if isinstance(node, ir.Neg):
        return -compile_polars(node.operand)
    if isinstance(node, ir.Case):
        return _case(c, node)
    if isinstance(node, ir.Call):
        return _call(c, node)
    raise TypeError(f"no Polars form for {type(node).__name__}")  # pragma: no cover


_SHORT_LIST = 8
_MIRROR = {"=": "=", "<>": "<>", "<": ">", "<=": ">=", ">": "<", ">=": "<="}


def _compare(op: str, left: pl.Expr, right: pl.Expr) -> pl.Expr:
    if op == "=":
        return left == right
    if op == "<>":
        return left != right
    if op == "<":
        return left < right
    if op == "<=":
        return left <= right
    if op == ">":
        return left > right
    return left >= right


def _like(value: pl.Expr, pattern: str) -> pl.Expr:
    core = pattern.strip("%")
    if "_" not in core and "%" not in core:
        leading, trailing = pattern.startswith("%"), pattern.endswith("%")
        if leading and trailing and len(pattern) >= 2:
            return value.str.contains(core, literal=True)
        if trailing and not leading:
            return value.str.starts_with(core)
        if leading and not trailing:
            return value.str.ends_with(core)
        if not leading and not trailing:
            return value == pl.lit(pattern, dtype=pl.String())
    return value.str.contains("^(?s:" + like_pattern(pattern) + ")$")


def _case(c: _Compiler, node: ir.Case) -> pl.Expr:
    compile_polars = c.compile
    assert node.type is not None  # noqa: S101 - CASE always has a type after checking
    dtype = DTYPES[node.type]
    # every branch already has the CASE's type (the checker widened or typed them)
    first, *rest = node.whens
    chain: Any = pl.when(compile_polars(first[0])).then(compile_polars(first[1]))
    for condition, value in rest:
        chain = chain.when(compile_polars(condition)).then(compile_polars(value))
    default = compile_polars(node.default) if node.default is not None else pl.lit(None, dtype=dtype)
    result: pl.Expr = chain.otherwise(default)
    return result


def _call(c: _Compiler, node: ir.Call) -> pl.Expr:  # noqa: PLR0912 - one branch per function
    compile_polars = c.compile
    if node.body is not None:
        return compile_polars(node.body)
    args = [compile_polars(a) for a in node.args]
    name = node.name
    if name == "ABS":
        return args[0].abs()
    if name in ("FLOOR", "CEIL"):
        if node.args[0].type is FieldType.INTEGER:
            return args[0]
        rounded = args[0].floor() if name == "FLOOR" else args[0].ceil()
        return rounded.cast(pl.Int64)
    if name == "LEAST":
        return pl.min_horizontal(*args)
    if name == "GREATEST":
        return pl.max_horizontal(*args)
    if name == "COALESCE":
        return pl.coalesce(args)
    if name == "LENGTH":
        return args[0].str.len_chars().cast(pl.Int64)
    if name == "YEAR":
        return args[0].dt.year().cast(pl.Int64)
    if name == "MONTH":
        return args[0].dt.month().cast(pl.Int64)
    if name == "DAY":
        return args[0].dt.day().cast(pl.Int64)
    if name == "ADD_DAYS":
        return (args[0].cast(pl.Int32).cast(pl.Int64) + args[1]).cast(pl.Int32).cast(pl.Date)
    if name == "DAYS_BETWEEN":
        return args[1].cast(pl.Int32).cast(pl.Int64) - args[0].cast(pl.Int32).cast(pl.Int64)
    raise TypeError(f"no Polars form for {name}")  # pragma: no cover
