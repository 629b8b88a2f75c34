"""The functions a rule may call: their arity and types. Each back end implements every one.

Dates: ``ADD_DAYS(d, n)``, ``DAYS_BETWEEN(a, b)`` (b − a in days), ``YEARS_BETWEEN(a, b)``
(whole years from a to b, as an age is counted), ``YEAR/MONTH/DAY(d)``, ``TODAY()``.
Numbers: ``ABS``, ``FLOOR``, ``CEIL`` (to whole numbers), ``LEAST``/``GREATEST`` (NULLs
are skipped; NULL only when every argument is NULL). Any type: ``COALESCE``. Text: ``LENGTH``
(in characters).
"""

from __future__ import annotations

from typing import Protocol

from sqlglot import exp

from onevisit.kernel.i18n import N_
from onevisit.rules import ir
from onevisit.rules.errors import RulesError
from onevisit.rules.ir import coerce_to
from onevisit.rules.schema import FieldType

#: name → (fewest, most) arguments; ``None`` is "any number"
FUNCTIONS: dict[str, tuple[int, int | None]] = {
    "ABS": (1, 1),
    "ADD_DAYS": (2, 2),
    "CEIL": (1, 1),
    "COALESCE": (2, None),
    "DAY": (1, 1),
    "DAYS_BETWEEN": (2, 2),
    "FLOOR": (1, 1),
    "GREATEST": (2, None),
    "LEAST": (2, None),
    "LENGTH": (1, 1),
    "MONTH": (1, 1),
    "TODAY": (0, 0),
    "YEAR": (1, 1),
    "YEARS_BETWEEN": (2, 2),
}

#: sqlglot parses some names into classes of its own
SQLGLOT_FUNCTIONS: dict[type[exp.Expr], str] = {
    exp.Abs: "ABS",
    exp.Ceil: "CEIL",
    exp.Coalesce: "COALESCE",
    exp.CurrentDate: "TODAY",
    exp.Day: "DAY",
    exp.Floor: "FLOOR",
    exp.Greatest: "GREATEST",
    exp.Least: "LEAST",
    exp.Length: "LENGTH",
    exp.Month: "MONTH",
    exp.Year: "YEAR",
}

_WRONG = N_("Expected %(expected_type)s here, but this is %(actual_type)s.")


class Checker(Protocol):
    def error(self, code: RulesError, message: str, where: exp.Expr, **params: object) -> Exception: ...

    def unify(self, results: list[tuple[ir.Node, exp.Expr]], node: exp.Expr) -> FieldType: ...


def check_call(
    checker: Checker,
    name: str,
    checked: list[tuple[ir.Node, exp.Expr]],
    node: exp.Expr,
    where: dict[str, int],
) -> ir.Node:
    fewest, most = FUNCTIONS[name]
    if len(checked) < fewest or (most is not None and len(checked) > most):
        expected = str(fewest) if fewest == most else f"{fewest}+"
        raise checker.error(
            RulesError.ARGUMENTS,
            N_("%(name)s takes %(expected)s arguments, not %(given)s."),
            node,
            name=name,
            expected=expected,
            given=len(checked),
        )

    def need(index: int, *kinds: FieldType) -> ir.Node:
        value, value_node = checked[index]
        if value.type is None:
            return ir.Literal(value=None, type=kinds[0], start=value.start, end=value.end)
        if value.type in kinds:
            return value
        if FieldType.DECIMAL in kinds and value.type is FieldType.INTEGER:
            return value
        raise checker.error(
            RulesError.WRONG_TYPE, _WRONG, value_node, expected_type=str(kinds[0]), actual_type=str(value.type)
        )

    if name in ("ABS", "FLOOR", "CEIL"):
        arg = need(0, FieldType.DECIMAL, FieldType.INTEGER)
        kind = arg.type if name == "ABS" else FieldType.INTEGER
        return ir.Call(name=name, args=(arg,), type=kind, start=where["start"], end=where["end"])
    if name in ("LEAST", "GREATEST", "COALESCE"):
        kind = checker.unify(checked, node)
        if name != "COALESCE" and kind in (FieldType.BOOLEAN, FieldType.TEXT):
            raise checker.error(RulesError.WRONG_TYPE, _WRONG, node, expected_type="decimal", actual_type=str(kind))
        args = tuple(coerce_to(value, kind) for value, _ in checked)
        return ir.Call(name=name, args=args, type=kind, start=where["start"], end=where["end"])
    if name == "LENGTH":
        return ir.Call(
            name=name, args=(need(0, FieldType.TEXT),), type=FieldType.INTEGER, start=where["start"], end=where["end"]
        )
    if name in ("YEAR", "MONTH", "DAY"):
        return ir.Call(
            name=name, args=(need(0, FieldType.DATE),), type=FieldType.INTEGER, start=where["start"], end=where["end"]
        )
    if name == "ADD_DAYS":
        args = (need(0, FieldType.DATE), need(1, FieldType.INTEGER))
        if args[1].type is not FieldType.INTEGER:
            raise checker.error(
                RulesError.WRONG_TYPE, _WRONG, checked[1][1], expected_type="integer", actual_type=str(args[1].type)
            )
        return ir.Call(name=name, args=args, type=FieldType.DATE, start=where["start"], end=where["end"])
    if name == "DAYS_BETWEEN":
        return ir.Call(
            name=name,
            args=(need(0, FieldType.DATE), need(1, FieldType.DATE)),
            type=FieldType.INTEGER,
            start=where["start"],
            end=where["end"],
        )
    if name == "YEARS_BETWEEN":
        first, second = need(0, FieldType.DATE), need(1, FieldType.DATE)
        return ir.Call(
            name=name,
            args=(first, second),
            type=FieldType.INTEGER,
            body=years_between(first, second, where),
            start=where["start"],
            end=where["end"],
        )
    raise AssertionError(name)  # pragma: no cover - every name in FUNCTIONS is handled above


def years_between(first: ir.Node, second: ir.Node, where: dict[str, int]) -> ir.Node:
    """Whole years from ``first`` to ``second``: the year difference, less one if the
    anniversary has not come yet (29 February counts as reached on 1 March)."""

    def part(fn: str, of: ir.Node) -> ir.Node:
        return ir.Call(name=fn, args=(of,), type=FieldType.INTEGER, start=where["start"], end=where["end"])

    def cmp(op: str, left: ir.Node, right: ir.Node) -> ir.Node:
        return ir.Compare(op=op, left=left, right=right, type=FieldType.BOOLEAN, start=where["start"], end=where["end"])

    before = ir.Or(
        items=(
            cmp("<", part("MONTH", second), part("MONTH", first)),
            ir.And(
                items=(
                    cmp("=", part("MONTH", second), part("MONTH", first)),
                    cmp("<", part("DAY", second), part("DAY", first)),
                ),
                type=FieldType.BOOLEAN,
                start=where["start"],
                end=where["end"],
            ),
        ),
        type=FieldType.BOOLEAN,
        start=where["start"],
        end=where["end"],
    )
    years = ir.Arith(
        op="-",
        left=part("YEAR", second),
        right=part("YEAR", first),
        type=FieldType.INTEGER,
        start=where["start"],
        end=where["end"],
    )
    one = ir.Literal(value=1, type=FieldType.INTEGER, start=where["start"], end=where["end"])
    zero = ir.Literal(value=0, type=FieldType.INTEGER, start=where["start"], end=where["end"])
    return ir.Arith(
        op="-",
        left=years,
        right=ir.Case(
            whens=((before, one),), default=zero, type=FieldType.INTEGER, start=where["start"], end=where["end"]
        ),
        type=FieldType.INTEGER,
        start=where["start"],
        end=where["end"],
    )
