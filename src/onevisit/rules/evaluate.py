"""The Python back end: a rule as a function of one record, and its explanation.

SQL's three-valued logic throughout: a comparison with NULL is NULL (``None``); AND is false
if any side is false, else NULL if any side is NULL; OR the mirror image; NOT NULL is NULL;
a CASE branch whose condition is NULL is not taken; ``/`` by zero is NULL.
"""

from __future__ import annotations

import datetime as dt
import math
import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from onevisit.kernel.i18n import N_, translator
from onevisit.rules import ir
from onevisit.rules.schema import FieldType

Record = Mapping[str, Any]
Fn = Callable[[Record], Any]

_OPS: dict[str, Callable[[Any, Any], Any]] = {
    "=": operator.eq,
    "<>": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
}


def kleene_and(values: list[Any]) -> bool | None:
    if any(v is False for v in values):
        return False
    if any(v is None for v in values):
        return None
    return True


def kleene_or(values: list[Any]) -> bool | None:
    if any(v is True for v in values):
        return True
    if any(v is None for v in values):
        return None
    return False


def kleene_not(value: Any) -> bool | None:
    return None if value is None else not value


@cache
def like_regex(pattern: str) -> re.Pattern[str]:
    """``%`` → any run, ``_`` → one character, everything else literal (no escape character)."""
    return re.compile(like_pattern(pattern), re.DOTALL)


def like_pattern(pattern: str) -> str:
    """The regular expression for a LIKE pattern, in the syntax Python's ``re`` and Rust's
    ``regex`` (Polars) share: ASCII punctuation is written ``\\xHH``."""
    parts = []
    for char in pattern:
        if char == "%":
            parts.append(".*")
        elif char == "_":
            parts.append(".")
        elif char.isalnum() or ord(char) > 127:
            parts.append(char)
        else:
            parts.append(f"\\x{ord(char):02x}")
    return "".join(parts)


def compile_python(node: ir.Node) -> Fn:  # noqa: PLR0912 - one branch per node type
    """``node`` as a function of one record (a mapping of field name → Python value)."""
    if isinstance(node, ir.Literal):
        value = node.value
        return lambda _record: value
    if isinstance(node, ir.FieldRef):
        name = node.name
        return lambda record: record.get(name)
    if isinstance(node, ir.ToDecimal):
        inner = compile_python(node.operand)
        return lambda record: _float(inner(record))
    if isinstance(node, ir.Not):
        inner = compile_python(node.operand)
        return lambda record: kleene_not(inner(record))
    if isinstance(node, ir.And):
        items = [compile_python(item) for item in node.items]
        return lambda record: _and(items, record)
    if isinstance(node, ir.Or):
        items = [compile_python(item) for item in node.items]
        return lambda record: _or(items, record)
    if isinstance(node, ir.Compare | ir.Arith):
        return _binary(node)
    if isinstance(node, ir.InList):
        inner = compile_python(node.operand)
        members = frozenset(v.value for v in node.values)
        negated = node.negated
        return lambda record: _in(inner(record), members, negated)
    if isinstance(node, ir.Between):
        subject, low, high = (compile_python(n) for n in (node.operand, node.low, node.high))
        negated = node.negated
        return lambda record: _between(subject(record), low(record), high(record), negated)
    if isinstance(node, ir.IsNull):
        inner = compile_python(node.operand)
        if node.negated:
            return lambda record: inner(record) is not None
        return lambda record: inner(record) is None
    if isinstance(node, ir.Like):
        inner = compile_python(node.operand)
        regex = like_regex(node.pattern)
        negated = node.negated
        return lambda record: _like(inner(record), regex, negated)
    if isinstance(node, ir.Neg):
        inner = compile_python(node.operand)
        return lambda record: _neg(inner(record))
    if isinstance(node, ir.Case):
        whens = [(compile_python(c), compile_python(v)) for c, v in node.whens]
        default = compile_python(node.default) if node.default is not None else None
        return lambda record: _case(whens, default, record)
    if isinstance(node, ir.Call):
        return _call(node)
    raise TypeError(f"no Python form for {type(node).__name__}")  # pragma: no cover


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def _neg(value: Any) -> Any:
    return None if value is None else -value


def _and(items: list[Fn], record: Record) -> bool | None:
    unknown = False
    for item in items:
        value = item(record)
        if value is False:
            return False
        if value is None:
            unknown = True
    return None if unknown else True


def _or(items: list[Fn], record: Record) -> bool | None:
    unknown = False
    for item in items:
        value = item(record)
        if value is True:
            return True
        if value is None:
            unknown = True
    return None if unknown else False


def _in(value: Any, members: frozenset[Any], negated: bool) -> bool | None:
    if value is None:
        return None
    return (value in members) is not negated


def _between(value: Any, low: Any, high: Any, negated: bool) -> bool | None:
    lower = None if value is None or low is None else value >= low
    upper = None if value is None or high is None else value <= high
    result = kleene_and([lower, upper])
    return kleene_not(result) if negated else result


def _like(value: Any, regex: re.Pattern[str], negated: bool) -> bool | None:
    if value is None:
        return None
    return (regex.fullmatch(value) is not None) is not negated


def _case(whens: list[tuple[Fn, Fn]], default: Fn | None, record: Record) -> Any:
    for condition, value in whens:
        if condition(record) is True:
            return value(record)
    return default(record) if default is not None else None


def _binary(node: ir.Compare | ir.Arith) -> Fn:
    left, right = compile_python(node.left), compile_python(node.right)
    if node.op == "/":

        def divide(record: Record) -> Any:
            a, b = left(record), right(record)
            if a is None or b is None or b == 0:
                return None
            return a / b

        return divide
    op = _OPS[node.op]

    def apply(record: Record) -> Any:
        a, b = left(record), right(record)
        if a is None or b is None:
            return None
        return op(a, b)

    return apply


def _call(node: ir.Call) -> Fn:
    if node.body is not None:
        return compile_python(node.body)
    args = [compile_python(a) for a in node.args]
    name = node.name
    if name == "COALESCE":
        return lambda record: next((v for v in (a(record) for a in args) if v is not None), None)
    if name in ("LEAST", "GREATEST"):
        pick = min if name == "LEAST" else max
        return lambda record: _pick(pick, [a(record) for a in args])
    if name == "ADD_DAYS":
        day, days = args
        return lambda record: _add_days(day(record), days(record))
    if name == "DAYS_BETWEEN":
        first, second = args
        return lambda record: _days_between(first(record), second(record))
    unary = _UNARY[name]
    only = args[0]
    return lambda record: _unary(unary, only(record))


def _unary(fn: Callable[[Any], Any], value: Any) -> Any:
    return None if value is None else fn(value)


def _pick(pick: Callable[..., Any], values: list[Any]) -> Any:
    present = [v for v in values if v is not None]
    return pick(present) if present else None


def _add_days(day: dt.date | None, days: int | None) -> dt.date | None:
    if day is None or days is None:
        return None
    try:
        return day + dt.timedelta(days=days)
    except OverflowError:
        return None


def _days_between(first: dt.date | None, second: dt.date | None) -> int | None:
    if first is None or second is None:
        return None
    return (second - first).days


_UNARY: dict[str, Callable[[Any], Any]] = {
    "ABS": abs,
    "FLOOR": math.floor,
    "CEIL": math.ceil,
    "LENGTH": len,
    "YEAR": lambda d: d.year,
    "MONTH": lambda d: d.month,
    "DAY": lambda d: d.day,
}


# -- explanations -----------------------------------------------------------------------------

_CONNECTIVES = (ir.And, ir.Or, ir.Not)
HELD, FAILED, UNKNOWN = N_("held"), N_("failed"), N_("unknown: a value it needs is missing")


@dataclass(frozen=True, slots=True)
class Outcome:
    """One (sub-)condition of a rule, evaluated on one record.

    ``text`` is the part of the rule it is, ``value`` what it came to (``True``/``False``/``None``
    for conditions), ``inputs`` the field values it read (for the innermost conditions), and
    ``children`` the conditions AND, OR and NOT combined.
    """

    text: str
    value: Any
    start: int
    end: int
    children: tuple[Outcome, ...] = ()
    inputs: dict[str, Any] = field(default_factory=dict)

    @property
    def held(self) -> bool:
        return self.value is True

    @property
    def status(self) -> str:
        """``held``, ``failed`` or ``unknown`` (a condition), ``value`` (a formula)."""
        if self.value is True:
            return "held"
        if self.value is False:
            return "failed"
        if self.value is None:
            return "unknown"
        return "value"

    def leaves(self) -> list[Outcome]:
        """The innermost conditions, in the order they appear in the rule."""
        if not self.children:
            return [self]
        return [leaf for child in self.children for leaf in child.leaves()]

    def as_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "status": self.status,
            "value": _jsonable(self.value),
            "inputs": {k: _jsonable(v) for k, v in self.inputs.items()},
            "children": [c.as_dict() for c in self.children],
        }

    def render(self, language: str = "en", indent: int = 0) -> str:
        """An indented text tree: ``✓``/``✗``/``?`` for each condition, with the values it read."""
        gettext = translator(language)
        mark = {"held": "✓", "failed": "✗", "unknown": "?", "value": "="}[self.status]
        if self.status == "value":
            word = _show(self.value)
        else:
            word = gettext({"held": HELD, "failed": FAILED, "unknown": UNKNOWN}[self.status])
        line = f"{'  ' * indent}{mark} {self.text}  — {word}"
        if self.inputs:
            shown = ", ".join(f"{k} = {_show(v)}" for k, v in self.inputs.items())
            line += f"  [{shown}]"
        return "\n".join([line, *(c.render(language, indent + 1) for c in self.children)])


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _show(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    if isinstance(value, dt.date):
        return value.isoformat()
    return repr(value) if isinstance(value, float) else str(value)


def explain(node: ir.Node, source: str, record: Record) -> Outcome:
    """The tree of ``node``'s conditions and what each came to on ``record``."""
    text = " ".join(source[node.start : node.end].split())
    if isinstance(node, _CONNECTIVES) and node.type is FieldType.BOOLEAN:
        parts = (node.operand,) if isinstance(node, ir.Not) else node.items
        children = tuple(explain(part, source, record) for part in parts)
        values = [c.value for c in children]
        if isinstance(node, ir.And):
            value = kleene_and(values)
        elif isinstance(node, ir.Or):
            value = kleene_or(values)
        else:
            value = kleene_not(values[0])
        return Outcome(text, value, node.start, node.end, children)
    value = compile_python(node)(record)
    inputs = {name: record.get(name) for name in ir.field_names(node)}
    return Outcome(text, value, node.start, node.end, (), inputs)
