"""Where things are: mapping syntax-tree nodes back to source spans, and unknown-field detection."""

from __future__ import annotations

import bisect
import datetime as dt
import difflib

from sqlglot import exp
from sqlglot.tokens import Token, TokenType  # type: ignore[attr-defined]

from onevisit.kernel.i18n import N_
from onevisit.rules.errors import Problem, RulesError, problem
from onevisit.rules.parser.syntax import _KEYWORD_LEAVES, _source_order, _Stop
from onevisit.rules.schema import Schema


class _Spans:
    def __init__(self, source: str, schema: Schema, tokens: list[Token], today: dt.date | None) -> None:
        self.source = source
        self.schema = schema
        self.tokens = tokens
        self.token_starts = [t.start for t in tokens]
        self.today = today
        self.spans: dict[int, tuple[int, int]] = {}
        self.keyword_spans: dict[int, tuple[int, int]] = {}
        self.depth_checked = False

    # -- where things are -----------------------------------------------------------------

    def _assign_keyword_leaves(self, tree: exp.Expr) -> None:
        leaves = [
            n
            for n in _source_order(tree)
            if isinstance(n, exp.Boolean | exp.Null | exp.CurrentDate) and "start" not in n.meta
        ]
        words = [t for t in self.tokens if t.token_type in _KEYWORD_LEAVES]
        if len(leaves) == len(words):
            for node, token in zip(leaves, words, strict=True):
                self.keyword_spans[id(node)] = (token.start, token.end + 1)

    def _prev(self, offset: int) -> int:
        """Index of the last token ending before ``offset`` (-1 if none)."""
        return bisect.bisect_left(self.token_starts, offset) - 1

    def _next(self, offset: int) -> int:
        """Index of the first token starting at or after ``offset`` (len if none)."""
        return bisect.bisect_left(self.token_starts, offset)

    def _is(self, index: int, *kinds: TokenType) -> bool:
        return 0 <= index < len(self.tokens) and self.tokens[index].token_type in kinds

    def _closing(self, open_index: int) -> int:
        depth = 0
        for i in range(open_index, len(self.tokens)):
            kind = self.tokens[i].token_type
            if kind is TokenType.L_PAREN:
                depth += 1
            elif kind is TokenType.R_PAREN:
                depth -= 1
                if depth == 0:
                    return i
        return len(self.tokens) - 1

    def span(self, node: exp.Expr) -> tuple[int, int]:  # noqa: PLR0912, PLR0915 - one widening per construct
        key = id(node)
        if key in self.spans:
            return self.spans[key]
        start: int | None = None
        end: int | None = None
        meta = node.meta
        if "start" in meta:
            start, end = int(meta["start"]), int(meta["end"]) + 1
        elif key in self.keyword_spans:
            start, end = self.keyword_spans[key]
        for child in node.iter_expressions():
            if isinstance(child, exp.DataType):
                continue
            cs, ce = self.span(child)
            if ce > cs:
                start = cs if start is None else min(start, cs)
                end = ce if end is None else max(end, ce)
        if start is None or end is None:
            self.spans[key] = (0, len(self.source))
            return self.spans[key]
        if isinstance(node, exp.Func) and not isinstance(
            node, exp.CurrentDate | exp.Case | exp.If | exp.Binary | exp.Cast
        ):
            name = self._next(start) if "start" in meta else self._prev(start) - 1
            if "start" not in meta and not self._is(name + 1, TokenType.L_PAREN):
                name = -1
            if 0 <= name < len(self.tokens) and self._is(name + 1, TokenType.L_PAREN):
                start = min(start, self.tokens[name].start)
                end = max(end, self.tokens[self._closing(name + 1)].end + 1)
        elif isinstance(node, exp.Select):
            i = self._prev(start)
            while i >= 0 and self.tokens[i].token_type is not TokenType.SELECT:
                i -= 1
            if i >= 0:
                start = self.tokens[i].start
        elif isinstance(node, exp.Paren | exp.Subquery):
            if self._is(self._prev(start), TokenType.L_PAREN):
                start = self.tokens[self._prev(start)].start
            if self._is(self._next(end), TokenType.R_PAREN):
                end = self.tokens[self._next(end)].end + 1
        elif (isinstance(node, exp.Not) and self._is(self._prev(start), TokenType.NOT)) or (
            isinstance(node, exp.Neg) and self._is(self._prev(start), TokenType.DASH)
        ):
            start = self.tokens[self._prev(start)].start
        elif isinstance(node, exp.Case):
            i = self._prev(start)
            while self._is(i, TokenType.WHEN, TokenType.CASE):
                start = self.tokens[i].start
                if self._is(i, TokenType.CASE):
                    break
                i -= 1
            if self._is(self._next(end), TokenType.END):
                end = self.tokens[self._next(end)].end + 1
        elif isinstance(node, exp.In) and self._is(self._next(end), TokenType.R_PAREN):
            end = self.tokens[self._next(end)].end + 1
        elif isinstance(node, exp.Cast):
            before = self._prev(start)
            if self._is(before, TokenType.DATE):
                start = self.tokens[before].start
            elif self._is(before, TokenType.L_PAREN) and self.tokens[before - 1].text.upper() == "CAST":
                start = self.tokens[before - 1].start
                end = self.tokens[self._closing(before)].end + 1
        self.spans[key] = (start, end)
        return start, end

    def error(self, code: RulesError, message: str, where: exp.Expr, **params: object) -> _Stop:
        start, end = self.span(where)
        return _Stop(problem(self.source, code, message, start, end, **params))

    # -- checks ---------------------------------------------------------------------------

    def unknown_fields(self, tree: exp.Expr) -> list[Problem]:
        self._assign_keyword_leaves(tree)
        found: list[Problem] = []
        for node in _source_order(tree):
            if isinstance(node, exp.Column) and not node.table and self._field_name(node) is None:
                start, end = self.span(node)
                close = difflib.get_close_matches(node.name.lower(), list(self.schema.fields), n=1)
                if close:
                    found.append(
                        problem(
                            self.source,
                            RulesError.UNKNOWN_FIELD,
                            N_("Unknown field “%(name)s”; did you mean “%(suggestion)s”?"),
                            start,
                            end,
                            name=node.name,
                            suggestion=close[0],
                        )
                    )
                else:
                    found.append(
                        problem(
                            self.source,
                            RulesError.UNKNOWN_FIELD,
                            N_("Unknown field “%(name)s”."),
                            start,
                            end,
                            name=node.name,
                        )
                    )
        return found

    def _field_name(self, node: exp.Column) -> str | None:
        identifier = node.this
        name = node.name if isinstance(identifier, exp.Identifier) and identifier.quoted else node.name.lower()
        return name if name in self.schema else None
