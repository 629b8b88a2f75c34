"""sqlglot's syntax tree → the checked, typed tree (``ir``), or a ``RuleError`` pointing at the problem.

Only an allow-list of constructs gets through: literals, declared fields, comparisons,
AND/OR/NOT, IN (constants), BETWEEN, IS [NOT] NULL, LIKE (a constant pattern), + - * /,
unary minus, CASE, and the functions in ``functions.py``. Anything else — subqueries, tables,
casts, unknown functions — is refused with the fragment it is about.
"""

from __future__ import annotations

import datetime as dt

from sqlglot import exp

from onevisit.kernel.i18n import N_
from onevisit.rules import ir
from onevisit.rules.errors import RuleError, RulesError, problem
from onevisit.rules.parser.checker import _Checker
from onevisit.rules.parser.syntax import _TABLE_LIKE, MAX_DEPTH, MAX_LENGTH, Expect, _source_order, _Stop, _syntax
from onevisit.rules.schema import FieldType, Schema
from onevisit.rules.simplify import simplify

__all__ = ["MAX_DEPTH", "MAX_LENGTH", "Expect", "parse"]


def parse(source: str, schema: Schema, *, expect: Expect = "condition", today: dt.date | None = None) -> ir.Node:
    """Check ``source`` against ``schema``; the typed tree, or ``RuleError`` listing the problems.

    ``expect="condition"`` insists on a true/false rule; ``"value"`` on a number, text or date
    (a benefit formula); ``"any"`` takes either. ``today`` is what ``TODAY()`` means.
    """
    if not source.strip():
        raise RuleError(source, [problem(source, RulesError.EMPTY, N_("The rule is empty."), 0, 0)])
    if len(source) > MAX_LENGTH:
        raise RuleError(
            source,
            [
                problem(
                    source,
                    RulesError.TOO_LONG,
                    N_("The rule is longer than %(limit)s characters."),
                    0,
                    0,
                    limit=MAX_LENGTH,
                )
            ],
        )
    tokens, tree = _syntax(source)
    checker = _Checker(source, schema, tokens, today)
    for part in _source_order(tree):
        if isinstance(part, _TABLE_LIKE) or (isinstance(part, exp.Column) and part.table):
            start, end = checker.span(part.parent if isinstance(part.parent, exp.Subquery) else part)
            message = N_("Subqueries and table access are not allowed in a rule.")
            raise RuleError(source, [problem(source, RulesError.NOT_ALLOWED, message, start, end)])
    unknown = checker.unknown_fields(tree)
    if unknown:
        raise RuleError(source, unknown)
    try:
        node = checker.check(tree)
        if expect == "condition" and node.type is not FieldType.BOOLEAN:
            raise checker.error(
                RulesError.NOT_A_CONDITION,
                N_("A rule must be a condition that is true or false, but this is %(actual_type)s."),
                tree,
                actual_type=str(node.type or "null"),
            )
        if expect == "value" and node.type in (FieldType.BOOLEAN, None):
            raise checker.error(
                RulesError.WRONG_TYPE,
                N_("Expected %(expected_type)s here, but this is %(actual_type)s."),
                tree,
                expected_type="decimal",
                actual_type=str(node.type or "null"),
            )
    except _Stop as stop:
        raise RuleError(source, [stop.problem]) from None
    return simplify(node)
