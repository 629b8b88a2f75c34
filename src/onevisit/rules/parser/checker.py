"""The allow-list and type checker that turns sqlglot's syntax tree into the typed ``ir`` tree."""

from __future__ import annotations

import datetime as dt
import math
import re

from sqlglot import exp

from onevisit.kernel.i18n import N_
from onevisit.rules import ir
from onevisit.rules.errors import RulesError
from onevisit.rules.functions import FUNCTIONS, check_call
from onevisit.rules.ir import coerce_to, widen, widen_literal
from onevisit.rules.parser.spans import _Spans
from onevisit.rules.parser.syntax import (
    _ARITHMETIC,
    _COMPARISONS,
    _INT64_MAX,
    _INTEGER,
    _TABLE_LIKE,
    MAX_DEPTH,
    _flatten,
    _function_parts,
    _Stop,
)
from onevisit.rules.schema import FieldType


class _Checker(_Spans):
    def check(self, node: exp.Expr, depth: int = 0) -> ir.Node:  # noqa: PLR0912
        if depth > MAX_DEPTH:
            raise self.error(
                RulesError.TOO_DEEP,
                N_("The rule is nested too deeply (at most %(limit)s levels)."),
                node,
                limit=MAX_DEPTH,
            )
        start, end = self.span(node)
        where = {"start": start, "end": end}
        depth += 1
        if isinstance(node, exp.Paren):
            return self.check(node.this, depth)
        if isinstance(node, exp.Column):
            return self._column(node, where)
        if isinstance(node, exp.Literal):
            return self._literal(node, where)
        if isinstance(node, exp.Boolean):
            return ir.Literal(value=bool(node.this), type=FieldType.BOOLEAN, **where)
        if isinstance(node, exp.Null):
            return ir.Literal(value=None, type=None, **where)
        if isinstance(node, exp.Cast):
            return self._date_literal(node, where)
        if isinstance(node, exp.Neg):
            operand = self.number(node.this, depth)
            if isinstance(operand, ir.Literal) and isinstance(operand.value, int | float):
                return ir.Literal(value=-operand.value, type=operand.type, **where)
            return ir.Neg(operand=operand, type=operand.type, **where)
        if isinstance(node, exp.Not):
            return self._not(node, depth, where)
        if isinstance(node, exp.And | exp.Or):
            items = tuple(self.condition(item, depth) for item in _flatten(node, type(node)))
            if isinstance(node, exp.And):
                return ir.And(items=items, type=FieldType.BOOLEAN, **where)
            return ir.Or(items=items, type=FieldType.BOOLEAN, **where)
        if type(node) in _COMPARISONS:
            return self.compare(_COMPARISONS[type(node)], node.this, node.expression, node, depth)
        if isinstance(node, exp.In):
            return self._in(node, depth, where, negated=False)
        if isinstance(node, exp.Between):
            return self._between(node, depth, where, negated=False)
        if isinstance(node, exp.Is):
            return self._is_null(node, depth, where, negated=False)
        if isinstance(node, exp.Like):
            return self._like(node, depth, where)
        if type(node) in _ARITHMETIC:
            return self._arith(_ARITHMETIC[type(node)], node, depth, where)
        if isinstance(node, exp.Case):
            return self._case(node, depth, where)
        if isinstance(node, exp.Alias):
            alias = node.args.get("alias")
            raise self.error(
                RulesError.SYNTAX,
                N_("The rule could not be read at “%(fragment)s”: is an operator missing?"),
                alias if isinstance(alias, exp.Expr) else node,
                fragment=self.source[slice(*self.span(alias if isinstance(alias, exp.Expr) else node))],
            )
        if isinstance(node, _TABLE_LIKE):
            raise self.error(RulesError.NOT_ALLOWED, N_("Subqueries and table access are not allowed in a rule."), node)
        if isinstance(node, exp.Func):
            return self._call(node, depth, where)
        raise self.error(
            RulesError.NOT_ALLOWED,
            N_("“%(fragment)s” is not allowed in a rule."),
            node,
            fragment=" ".join(self.source[start:end].split())[:80],
        )

    def wrong_type(self, node: exp.Expr, expected: str, checked: ir.Node) -> _Stop:
        """ "Expected boolean here, but this is text": the error for a node of the wrong type."""
        return self.error(
            RulesError.WRONG_TYPE,
            N_("Expected %(expected_type)s here, but this is %(actual_type)s."),
            node,
            expected_type=expected,
            actual_type=str(checked.type or "null"),
        )

    def condition(self, node: exp.Expr, depth: int) -> ir.Node:
        checked = self.check(node, depth)
        if checked.type is not FieldType.BOOLEAN:
            raise self.wrong_type(node, "boolean", checked)
        return checked

    def number(self, node: exp.Expr, depth: int) -> ir.Node:
        checked = self.check(node, depth)
        if checked.type is None or not checked.type.numeric:
            raise self.wrong_type(node, "decimal", checked)
        return checked

    def expect(self, node: exp.Expr, kind: FieldType, depth: int) -> ir.Node:
        """``node`` checked and of type ``kind`` (a whole number is widened where a decimal is asked for)."""
        checked = self.check(node, depth)
        if checked.type is kind:
            return checked
        if kind is FieldType.DECIMAL and checked.type is FieldType.INTEGER:
            return widen(checked)
        if checked.type is None:
            return ir.Literal(value=None, type=kind, start=checked.start, end=checked.end)
        raise self.wrong_type(node, str(kind), checked)

    def _column(self, node: exp.Column, where: dict[str, int]) -> ir.Node:
        if node.table:
            raise self.error(RulesError.NOT_ALLOWED, N_("Subqueries and table access are not allowed in a rule."), node)
        name = self._field_name(node)
        if name is None:  # reported by unknown_fields already
            raise self.error(RulesError.UNKNOWN_FIELD, N_("Unknown field “%(name)s”."), node, name=node.name)
        return ir.FieldRef(name=name, type=self.schema.fields[name].type, **where)

    def _literal(self, node: exp.Literal, where: dict[str, int]) -> ir.Node:
        text = str(node.this)
        if node.is_string:
            return ir.Literal(value=text, type=FieldType.TEXT, **where)
        if _INTEGER.match(text):
            value = int(text)
            if value > _INT64_MAX:
                raise self.error(RulesError.BAD_LITERAL, N_("The number %(value)s is too large."), node, value=text)
            return ir.Literal(value=value, type=FieldType.INTEGER, **where)
        try:
            number = float(text)
        except ValueError:
            raise self.error(RulesError.BAD_LITERAL, N_("“%(value)s” is not a number."), node, value=text) from None
        if math.isnan(number) or number in (float("inf"), float("-inf")):
            raise self.error(RulesError.BAD_LITERAL, N_("The number %(value)s is too large."), node, value=text)
        return ir.Literal(value=number, type=FieldType.DECIMAL, **where)

    def _date_literal(self, node: exp.Cast, where: dict[str, int]) -> ir.Node:
        target = node.args.get("to")
        inner = node.this
        if (
            isinstance(target, exp.DataType)
            and target.is_type(exp.DataType.Type.DATE)
            and isinstance(inner, exp.Literal)
            and inner.is_string
        ):
            return ir.Literal(value=self._parse_date(str(inner.this), node), type=FieldType.DATE, **where)
        raise self.error(
            RulesError.NOT_ALLOWED,
            N_("Conversions are not allowed in a rule; numbers, text and dates are compared as they are."),
            node,
        )

    def _parse_date(self, text: str, node: exp.Expr) -> dt.date:
        try:
            if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
                raise ValueError(text)
            return dt.date.fromisoformat(text)
        except ValueError:
            message = N_("“%(value)s” is not a date (YYYY-MM-DD).")
            raise self.error(RulesError.BAD_LITERAL, message, node, value=text) from None

    def _not(self, node: exp.Not, depth: int, where: dict[str, int]) -> ir.Node:
        inner = node.this
        if isinstance(inner, exp.In):
            return self._in(inner, depth, where, negated=True)
        if isinstance(inner, exp.Between):
            return self._between(inner, depth, where, negated=True)
        if isinstance(inner, exp.Is):
            return self._is_null(inner, depth, where, negated=True)
        return ir.Not(operand=self.condition(inner, depth), type=FieldType.BOOLEAN, **where)

    def compare(self, op: str, left_node: exp.Expr, right_node: exp.Expr, node: exp.Expr, depth: int) -> ir.Node:
        left = self.check(left_node, depth)
        right = self.check(right_node, depth)
        for side in (left, right):
            if side.type is None:
                raise self.error(
                    RulesError.NULL_COMPARISON,
                    N_("A comparison with NULL is never true; use IS NULL or IS NOT NULL."),
                    node,
                )
        left, right = self.comparable(left, right, left_node, right_node, node)
        if left.type is FieldType.BOOLEAN and op not in ("=", "<>"):
            raise self.error(
                RulesError.TYPE_MISMATCH,
                N_("True/false values can only be compared with = or <>."),
                node,
            )
        start, end = self.span(node)
        return ir.Compare(op=op, left=left, right=right, type=FieldType.BOOLEAN, start=start, end=end)

    def comparable(
        self,
        left: ir.Node,
        right: ir.Node,
        left_node: exp.Expr,
        right_node: exp.Expr,
        node: exp.Expr,
    ) -> tuple[ir.Node, ir.Node]:
        """Both sides of a comparison made the same type, or a type mismatch error."""
        lt, rt = left.type, right.type
        if lt is not None and rt is not None and lt.numeric and rt.numeric:
            if lt is rt:
                return left, right
            return widen(left), widen(right)
        if lt is FieldType.DATE and rt is FieldType.TEXT and isinstance(right, ir.Literal):
            return left, self._date_from_text(right, right_node)
        if rt is FieldType.DATE and lt is FieldType.TEXT and isinstance(left, ir.Literal):
            return self._date_from_text(left, left_node), right
        if lt is rt:
            return left, right
        raise self.error(
            RulesError.TYPE_MISMATCH,
            N_("Cannot compare %(left_type)s with %(right_type)s."),
            node,
            left_type=str(lt),
            right_type=str(rt),
        )

    def _date_from_text(self, literal: ir.Literal, node: exp.Expr) -> ir.Literal:
        return ir.Literal(
            value=self._parse_date(str(literal.value), node), type=FieldType.DATE, start=literal.start, end=literal.end
        )

    def _in(self, node: exp.In, depth: int, where: dict[str, int], *, negated: bool) -> ir.Node:
        if node.args.get("query") is not None or node.args.get("unnest") is not None or node.args.get("field"):
            raise self.error(RulesError.NOT_ALLOWED, N_("Subqueries and table access are not allowed in a rule."), node)
        items = node.expressions
        if not items:
            raise self.error(RulesError.SYNTAX, N_("The list after IN is empty."), node)
        operand = self.check(node.this, depth)
        values: list[ir.Literal] = []
        for item in items:
            checked = self.check(item, depth)
            if not isinstance(checked, ir.Literal):
                raise self.error(RulesError.NOT_ALLOWED, N_("The list after IN may hold only constants."), item)
            if checked.type is None:
                raise self.error(
                    RulesError.NULL_COMPARISON,
                    N_("A comparison with NULL is never true; use IS NULL or IS NOT NULL."),
                    item,
                )
            left, right = self.comparable(operand, checked, node.this, item, item)
            operand = left
            assert isinstance(right, ir.Literal)  # noqa: S101 - comparable keeps literals literal
            values.append(right)
        if operand.type is FieldType.DECIMAL:
            values = [widen_literal(v) for v in values]
            operand = widen(operand)
        return ir.InList(operand=operand, values=tuple(values), negated=negated, type=FieldType.BOOLEAN, **where)

    def _between(self, node: exp.Between, depth: int, where: dict[str, int], *, negated: bool) -> ir.Node:
        if node.args.get("symmetric"):
            raise self.error(
                RulesError.NOT_ALLOWED, N_("“%(fragment)s” is not allowed in a rule."), node, fragment="SYMMETRIC"
            )
        operand = self.check(node.this, depth)
        low = self.check(node.args["low"], depth)
        high = self.check(node.args["high"], depth)
        if None in (operand.type, low.type, high.type):
            raise self.error(
                RulesError.NULL_COMPARISON,
                N_("A comparison with NULL is never true; use IS NULL or IS NOT NULL."),
                node,
            )
        operand, low = self.comparable(operand, low, node.this, node.args["low"], node)
        operand, high = self.comparable(operand, high, node.this, node.args["high"], node)
        operand, low = self.comparable(operand, low, node.this, node.args["low"], node)
        if operand.type is FieldType.BOOLEAN:
            raise self.error(RulesError.TYPE_MISMATCH, N_("True/false values can only be compared with = or <>."), node)
        return ir.Between(operand=operand, low=low, high=high, negated=negated, type=FieldType.BOOLEAN, **where)

    def _is_null(self, node: exp.Is, depth: int, where: dict[str, int], *, negated: bool) -> ir.Node:
        if not isinstance(node.expression, exp.Null):
            raise self.error(RulesError.NOT_ALLOWED, N_("Only IS NULL and IS NOT NULL are allowed."), node)
        operand = self.check(node.this, depth)
        return ir.IsNull(operand=operand, negated=negated, type=FieldType.BOOLEAN, **where)

    def _like(self, node: exp.Like, depth: int, where: dict[str, int]) -> ir.Node:
        if node.args.get("escape") is not None or isinstance(node.parent, exp.Escape):
            raise self.error(
                RulesError.NOT_ALLOWED, N_("“%(fragment)s” is not allowed in a rule."), node, fragment="ESCAPE"
            )
        operand = self.expect(node.this, FieldType.TEXT, depth)
        pattern = node.expression
        if not (isinstance(pattern, exp.Literal) and pattern.is_string):
            raise self.error(RulesError.NOT_ALLOWED, N_("The pattern after LIKE must be a text constant."), pattern)
        return ir.Like(
            operand=operand,
            pattern=str(pattern.this),
            negated=bool(node.args.get("negate")),
            type=FieldType.BOOLEAN,
            **where,
        )

    def _arith(self, op: str, node: exp.Expr, depth: int, where: dict[str, int]) -> ir.Node:
        left_node, right_node = node.this, node.expression
        left = self.check(left_node, depth)
        right = self.check(right_node, depth)
        for side, side_node in ((left, left_node), (right, right_node)):
            if side.type is FieldType.DATE:
                raise self.error(
                    RulesError.WRONG_TYPE,
                    N_("Dates are not added or subtracted with + and -; use ADD_DAYS or DAYS_BETWEEN."),
                    side_node,
                )
            if side.type is None or not side.type.numeric:
                raise self.wrong_type(side_node, "decimal", side)
        if op == "/" or FieldType.DECIMAL in (left.type, right.type):
            return ir.Arith(op=op, left=widen(left), right=widen(right), type=FieldType.DECIMAL, **where)
        return ir.Arith(op=op, left=left, right=right, type=FieldType.INTEGER, **where)

    def _case(self, node: exp.Case, depth: int, where: dict[str, int]) -> ir.Node:
        subject = node.this
        whens: list[tuple[ir.Node, ir.Node]] = []
        results: list[tuple[ir.Node, exp.Expr]] = []
        for branch in node.args.get("ifs") or []:
            if subject is not None:
                condition = self.compare("=", subject, branch.this, branch.this, depth)
            else:
                condition = self.condition(branch.this, depth)
            value_node = branch.args["true"]
            results.append((self.check(value_node, depth), value_node))
            whens.append((condition, results[-1][0]))
        default_node = node.args.get("default")
        if default_node is not None:
            results.append((self.check(default_node, depth), default_node))
        kind = self.unify(results, node)
        values = [coerce_to(value, kind) for value, _ in results]
        pairs = tuple((cond, values[i]) for i, (cond, _) in enumerate(whens))
        default = values[len(whens)] if default_node is not None else None
        return ir.Case(whens=pairs, default=default, type=kind, **where)

    def unify(self, results: list[tuple[ir.Node, exp.Expr]], node: exp.Expr) -> FieldType:
        """The one type several values share (whole numbers and decimals make decimals)."""
        kind: FieldType | None = None
        for value, value_node in results:
            if value.type is None:
                continue
            if kind is None or kind is value.type:
                kind = value.type
            elif kind.numeric and value.type.numeric:
                kind = FieldType.DECIMAL
            else:
                raise self.error(
                    RulesError.TYPE_MISMATCH,
                    N_("These values have different types: %(left_type)s and %(right_type)s."),
                    value_node,
                    left_type=str(kind),
                    right_type=str(value.type),
                )
        if kind is None:
            raise self.error(RulesError.WRONG_TYPE, N_("At least one of these values must not be NULL."), node)
        return kind

    def _call(self, node: exp.Func, depth: int, where: dict[str, int]) -> ir.Node:
        name, args = _function_parts(node)
        if name is None:
            start, _ = self.span(node)
            token = self.tokens[self._next(start)] if self._next(start) < len(self.tokens) else None
            name = (token.text if token is not None else node.sql_name()).upper()
            raise self.error(
                RulesError.UNKNOWN_FUNCTION,
                N_("Unknown function %(name)s; the functions allowed are %(allowed)s."),
                node,
                name=name,
                allowed=", ".join(sorted(FUNCTIONS)),
            )
        if name not in FUNCTIONS:
            raise self.error(
                RulesError.UNKNOWN_FUNCTION,
                N_("Unknown function %(name)s; the functions allowed are %(allowed)s."),
                node,
                name=name,
                allowed=", ".join(sorted(FUNCTIONS)),
            )
        if name == "TODAY" and not args:
            if self.today is None:
                self.today = dt.datetime.now(dt.UTC).astimezone(dt.timezone(dt.timedelta(hours=8))).date()
            return ir.Literal(value=self.today, type=FieldType.DATE, **where)
        checked = [(self.check(arg, depth), arg) for arg in args]
        return check_call(self, name, checked, node, where)
