"""The checked, typed tree every back end compiles from.

The checker (``parser.py``) builds it from sqlglot's syntax tree after the allow-list and type
checks, with implicit conversions made explicit (``ToDecimal``), ``AND``/``OR`` chains flattened
and every node's place in the source kept (``start``/``end``) for explanations.
``type`` is ``None`` only for a bare ``NULL`` literal.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from onevisit.rules.schema import FieldType

Value = int | float | str | bool | dt.date | None


@dataclass(frozen=True, slots=True, kw_only=True)
class Node:
    type: FieldType | None
    start: int
    end: int

    def children(self) -> tuple[Node, ...]:
        return ()

    def walk(self) -> Iterator[Node]:
        yield self
        for child in self.children():
            yield from child.walk()


@dataclass(frozen=True, slots=True, kw_only=True)
class Literal(Node):
    value: Value


@dataclass(frozen=True, slots=True, kw_only=True)
class FieldRef(Node):
    name: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ToDecimal(Node):
    """An implicit widening of a whole number where a decimal is needed."""

    operand: Node

    def children(self) -> tuple[Node, ...]:
        return (self.operand,)


@dataclass(frozen=True, slots=True, kw_only=True)
class Not(Node):
    operand: Node

    def children(self) -> tuple[Node, ...]:
        return (self.operand,)


@dataclass(frozen=True, slots=True, kw_only=True)
class And(Node):
    items: tuple[Node, ...]

    def children(self) -> tuple[Node, ...]:
        return self.items


@dataclass(frozen=True, slots=True, kw_only=True)
class Or(Node):
    items: tuple[Node, ...]

    def children(self) -> tuple[Node, ...]:
        return self.items


@dataclass(frozen=True, slots=True, kw_only=True)
class Compare(Node):
    op: str  #: one of = <> < <= > >=
    left: Node
    right: Node

    def children(self) -> tuple[Node, ...]:
        return (self.left, self.right)


@dataclass(frozen=True, slots=True, kw_only=True)
class InList(Node):
    operand: Node
    values: tuple[Literal, ...]
    negated: bool = False

    def children(self) -> tuple[Node, ...]:
        return (self.operand, *self.values)


@dataclass(frozen=True, slots=True, kw_only=True)
class Between(Node):
    operand: Node
    low: Node
    high: Node
    negated: bool = False

    def children(self) -> tuple[Node, ...]:
        return (self.operand, self.low, self.high)


@dataclass(frozen=True, slots=True, kw_only=True)
class IsNull(Node):
    operand: Node
    negated: bool = False

    def children(self) -> tuple[Node, ...]:
        return (self.operand,)


@dataclass(frozen=True, slots=True, kw_only=True)
class Like(Node):
    """``operand LIKE 'pattern'``: ``%`` any run of characters, ``_`` one character, all else literal."""

    operand: Node
    pattern: str
    negated: bool = False

    def children(self) -> tuple[Node, ...]:
        return (self.operand,)


@dataclass(frozen=True, slots=True, kw_only=True)
class Arith(Node):
    """``+ - *`` on whole numbers stay whole; ``/`` always works on decimals (operands widened)
    and gives NULL when dividing by zero."""

    op: str
    left: Node
    right: Node

    def children(self) -> tuple[Node, ...]:
        return (self.left, self.right)


@dataclass(frozen=True, slots=True, kw_only=True)
class Neg(Node):
    operand: Node

    def children(self) -> tuple[Node, ...]:
        return (self.operand,)


@dataclass(frozen=True, slots=True, kw_only=True)
class Case(Node):
    whens: tuple[tuple[Node, Node], ...]
    default: Node | None

    def children(self) -> tuple[Node, ...]:
        out: list[Node] = [n for pair in self.whens for n in pair]
        if self.default is not None:
            out.append(self.default)
        return tuple(out)


@dataclass(frozen=True, slots=True, kw_only=True)
class Call(Node):
    """A function from the allow-list (``functions.py``); ``body`` is set for functions defined
    in terms of others (``YEARS_BETWEEN``), which back ends compile instead of the call."""

    name: str
    args: tuple[Node, ...]
    body: Node | None = None

    def children(self) -> tuple[Node, ...]:
        return self.args


def field_names(node: Node) -> list[str]:
    """The fields a subtree reads, in order of first appearance."""
    seen: dict[str, None] = {}
    for item in node.walk():
        if isinstance(item, FieldRef):
            seen.setdefault(item.name, None)
        if isinstance(item, Call) and item.body is not None:
            for name in field_names(item.body):
                seen.setdefault(name, None)
    return list(seen)


def widen(node: Node) -> Node:
    if node.type is FieldType.INTEGER:
        if isinstance(node, Literal) and isinstance(node.value, int):
            return Literal(value=float(node.value), type=FieldType.DECIMAL, start=node.start, end=node.end)
        return ToDecimal(operand=node, type=FieldType.DECIMAL, start=node.start, end=node.end)
    return node


def widen_literal(node: Literal) -> Literal:
    if node.type is FieldType.INTEGER and isinstance(node.value, int):
        return Literal(value=float(node.value), type=FieldType.DECIMAL, start=node.start, end=node.end)
    return node


def coerce_to(node: Node, kind: FieldType) -> Node:
    """``node`` as ``kind``: a typed NULL for a bare NULL, a widened whole number for a decimal."""
    if node.type is None:
        return Literal(value=None, type=kind, start=node.start, end=node.end)
    if kind is FieldType.DECIMAL:
        return widen(node)
    return node
