"""Limits, sqlglot tokenising/parsing with friendly syntax errors, and syntax-tree walking helpers."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Literal as Lit

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, SqlglotError, TokenError
from sqlglot.tokens import Token, TokenType  # type: ignore[attr-defined]

from onevisit.kernel.i18n import N_
from onevisit.rules.errors import Problem, RuleError, RulesError, problem
from onevisit.rules.functions import SQLGLOT_FUNCTIONS

MAX_LENGTH = 10_000
MAX_DEPTH = 60
Expect = Lit["condition", "value", "any"]

_DIALECT = sqlglot.Dialect.get_or_raise(None)
_KEYWORD_LEAVES = {TokenType.TRUE, TokenType.FALSE, TokenType.NULL, TokenType.CURRENT_DATE}
_COMPARISONS: dict[type[exp.Expr], str] = {
    exp.EQ: "=",
    exp.NEQ: "<>",
    exp.LT: "<",
    exp.LTE: "<=",
    exp.GT: ">",
    exp.GTE: ">=",
}
_ARITHMETIC: dict[type[exp.Expr], str] = {exp.Add: "+", exp.Sub: "-", exp.Mul: "*", exp.Div: "/"}
_TABLE_LIKE = (exp.Query, exp.Subquery, exp.Table, exp.Exists, exp.Star, exp.Into, exp.From)
_INTEGER = re.compile(r"^[0-9]+$")
_INT64_MAX = 2**63 - 1


class _Stop(Exception):
    """Raised inside the checker on the first type or construct problem."""

    def __init__(self, found: Problem) -> None:
        super().__init__(found.message)
        self.problem = found


def _syntax(source: str) -> tuple[list[Token], exp.Expr]:
    try:
        tokens = _DIALECT.tokenize(source)
        trees = _DIALECT.parser().parse(tokens, source)
    except TokenError:
        quote = _unclosed_quote(source)
        raise RuleError(
            source,
            [
                problem(
                    source,
                    RulesError.SYNTAX,
                    N_("A text value is not closed with a quote."),
                    quote,
                    len(source),
                )
            ],
        ) from None
    except ParseError as err:
        raise RuleError(source, [_parse_problem(source, err)]) from None
    except RecursionError:
        raise RuleError(
            source,
            [
                problem(
                    source,
                    RulesError.TOO_DEEP,
                    N_("The rule is nested too deeply (at most %(limit)s levels)."),
                    0,
                    0,
                    limit=MAX_DEPTH,
                )
            ],
        ) from None
    except SqlglotError:
        raise RuleError(
            source, [problem(source, RulesError.SYNTAX, N_("The rule could not be read."), 0, len(source))]
        ) from None
    statements = [t for t in trees if t is not None]
    if len(statements) != 1:
        semicolon = source.find(";")
        raise RuleError(
            source,
            [
                problem(
                    source,
                    RulesError.NOT_ALLOWED,
                    N_("A rule is one expression; remove the “;”."),
                    max(semicolon, 0),
                    max(semicolon, 0) + 1,
                )
            ],
        )
    return tokens, statements[0]


def _unclosed_quote(source: str) -> int:
    inside, at = False, 0
    for i, char in enumerate(source):
        if char == "'":
            inside = not inside
            if inside:
                at = i
    return at


def _parse_problem(source: str, err: ParseError) -> Problem:
    info = err.errors[0] if err.errors else {}
    highlight = str(info.get("highlight") or "")
    line = int(info.get("line") or 1)
    col = int(info.get("col") or 1)
    line_start = 0
    for _ in range(line - 1):
        line_start = source.find("\n", line_start) + 1
    end = min(line_start + col, len(source))
    start = max(end - len(highlight), 0)
    description = str(info.get("description") or "")
    if description.startswith("Expecting )"):
        message = N_("A closing parenthesis “)” is missing.")
    elif "missing" in description:
        message = N_("Something is missing after “%(fragment)s”.")
    else:
        message = N_("The rule could not be read at “%(fragment)s”.")
    found = problem(source, RulesError.SYNTAX, message, start, end)
    return Problem(found.code, found.message, {"fragment": found.fragment}, *_where(found))


def _where(found: Problem) -> tuple[int, int, int, int, str]:
    return found.start, found.end, found.line, found.column, found.fragment


def _flatten(node: exp.Expr, kind: type[exp.Expr]) -> Iterator[exp.Expr]:
    for side in (node.this, node.expression):
        inner = side
        while isinstance(inner, exp.Paren) and isinstance(inner.this, kind):
            inner = inner.this
        if isinstance(inner, kind):
            yield from _flatten(inner, kind)
        else:
            yield side


def _source_order(tree: exp.Expr) -> Iterator[exp.Expr]:
    stack = [tree]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(reversed(list(node.iter_expressions())))


def _function_parts(node: exp.Func) -> tuple[str | None, list[exp.Expr]]:
    """(allow-listed name, arguments) of a call, or (None, []) for a function not on the list."""
    if isinstance(node, exp.Anonymous):
        return str(node.this).upper(), list(node.expressions)
    name = SQLGLOT_FUNCTIONS.get(type(node))
    if name is None:
        return None, []
    args: list[exp.Expr] = []
    for key in node.arg_types:
        value = node.args.get(key)
        if isinstance(value, exp.Expr):
            args.append(value)
        elif isinstance(value, list):
            args.extend(v for v in value if isinstance(v, exp.Expr))
    return name, args
