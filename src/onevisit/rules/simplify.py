"""Rewrites of the checked tree that keep its meaning exactly and make batches faster.

``YEARS_BETWEEN(d, <constant date>) >= n`` (an enterprise's age against a threshold, the most
common clause in eligibility rules) becomes a comparison of ``d`` with one cut-off date, instead
of taking years, months and days apart on every row. The rewritten node keeps the place in the
source of the original, so explanations still show what the author wrote.

Why it is exact: YEARS_BETWEEN(d, K) = K.year − d.year − [(K.month, K.day) < (d.month, d.day)], so
YEARS_BETWEEN(d, K) >= n exactly when (d.year, d.month, d.day) <= (K.year − n, K.month, K.day),
that is when d <= the cut-off date (K.month, K.day) in the year K.year − n — 28 February when K
is 29 February and that year has none. ``> n`` is ``>= n + 1``, ``< n`` is ``NOT >= n`` (for a
non-NULL d: d > cut-off) and ``<= n`` is ``< n + 1``. NULL stays NULL either way.
"""

from __future__ import annotations

import calendar
import dataclasses
import datetime as dt

from onevisit.rules import ir
from onevisit.rules.schema import FieldType

_MIRROR = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "=": "=", "<>": "<>"}


def simplify(node: ir.Node) -> ir.Node:
    """``node`` with every rewritable part rewritten (bottom-up)."""
    replaced: dict[str, object] = {}
    for f in dataclasses.fields(node):
        value = getattr(node, f.name)
        if isinstance(value, ir.Node):
            replaced[f.name] = simplify(value)
        elif isinstance(value, tuple) and value and all(isinstance(v, ir.Node) for v in value):
            replaced[f.name] = tuple(simplify(v) for v in value)
        elif isinstance(value, tuple) and value and all(isinstance(v, tuple) for v in value):
            replaced[f.name] = tuple(tuple(simplify(x) for x in pair) for pair in value)
    if replaced:
        node = dataclasses.replace(node, **replaced)  # type: ignore[arg-type]
    if isinstance(node, ir.Compare):
        return _age_threshold(node) or node
    return node


def _age_threshold(node: ir.Compare) -> ir.Node | None:
    op, call, bound = node.op, node.left, node.right
    if isinstance(bound, ir.Call) and isinstance(call, ir.Literal):
        op, call, bound = _MIRROR[op], bound, call
    if not (
        isinstance(call, ir.Call)
        and call.name == "YEARS_BETWEEN"
        and isinstance(call.args[1], ir.Literal)
        and isinstance(call.args[1].value, dt.date)
        and isinstance(bound, ir.Literal)
        and isinstance(bound.value, int)
        and not isinstance(bound.value, bool)
        and op in ("<", "<=", ">", ">=")
    ):
        return None
    day, today, years = call.args[0], call.args[1].value, bound.value
    at_least = years + 1 if op in (">", "<=") else years  # "> n" is ">= n+1"; "<= n" is "< n+1"
    cutoff = _cutoff(today, at_least)
    if cutoff is None:
        return None
    literal = ir.Literal(value=cutoff, type=FieldType.DATE, start=node.start, end=node.end)
    compare = "<=" if op in (">", ">=") else ">"
    return ir.Compare(op=compare, left=day, right=literal, type=FieldType.BOOLEAN, start=node.start, end=node.end)


def _cutoff(today: dt.date, years: int) -> dt.date | None:
    year = today.year - years
    if not 1 <= year <= 9999:
        return None
    last = calendar.monthrange(year, today.month)[1]
    return dt.date(year, today.month, min(today.day, last))
