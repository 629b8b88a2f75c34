"""Rule error codes, and the error that points at the part of the rule that is wrong.

Every problem carries where it is (line, column, character offsets) and the fragment of the
rule it is about, so a form can show ``employes >= 10`` under "Unknown field “employes”",
and the CLI can draw a caret line. Messages are English msgids translated when rendered.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from onevisit.kernel.errors import ErrorCode, FieldError, InvalidInput
from onevisit.kernel.i18n import N_, translator


class RulesError(ErrorCode):
    EMPTY = "rules.empty"
    TOO_LONG = "rules.too_long"
    TOO_DEEP = "rules.too_deep"
    SYNTAX = "rules.syntax"
    UNKNOWN_FIELD = "rules.field.unknown"
    NOT_ALLOWED = "rules.construct.not_allowed"
    UNKNOWN_FUNCTION = "rules.function.unknown"
    ARGUMENTS = "rules.function.arguments"
    TYPE_MISMATCH = "rules.type.mismatch"
    WRONG_TYPE = "rules.type.wrong"
    NOT_A_CONDITION = "rules.type.not_a_condition"
    NULL_COMPARISON = "rules.null.comparison"
    BAD_LITERAL = "rules.literal.invalid"
    RECORD_INVALID = "rules.record.invalid"


#: type names as shown to people (params named ``*_type`` are translated when rendered)
TYPE_WORDS = {
    "integer": N_("a whole number"),
    "decimal": N_("a number"),
    "text": N_("text"),
    "boolean": N_("true/false"),
    "date": N_("a date"),
    "null": N_("NULL"),
}

_AT = N_("%(message)s (line %(line)s, column %(column)s: %(fragment)s)")


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a rule, and where."""

    code: RulesError
    message: str  #: English msgid with %(name)s slots
    params: Mapping[str, object] = field(default_factory=dict)
    start: int = 0  #: character offset of the fragment in the rule (0-based)
    end: int = 0  #: offset just past the fragment
    line: int = 1
    column: int = 1  #: 1-based, in characters
    fragment: str = ""

    def text(self, language: str = "en") -> str:
        """The message alone, in ``language`` ("zh" or "en")."""
        gettext = translator(language)
        params = {
            key: gettext(TYPE_WORDS.get(str(value), str(value))) if key.endswith("_type") else value
            for key, value in self.params.items()
        }
        return gettext(self.message, **params)

    def describe(self, language: str = "en") -> str:
        """The message with where it is: ``… (line 1, column 12: industry > 5)``."""
        if not self.fragment:
            return self.text(language)
        return translator(language)(
            _AT, message=self.text(language), line=self.line, column=self.column, fragment=self.fragment
        )

    def caret(self, source: str) -> str:
        """The offending line of ``source`` with ``^^^`` under the fragment (for terminals)."""
        lines = source.splitlines() or [""]
        text = lines[min(self.line, len(lines)) - 1]
        width = max(1, min(self.end - self.start, len(text) - self.column + 1))
        return f"{text}\n{' ' * (self.column - 1)}{'^' * width}"

    def as_dict(self, language: str = "en") -> dict[str, object]:
        return {
            "code": str(self.code),
            "message": self.text(language),
            "line": self.line,
            "column": self.column,
            "start": self.start,
            "end": self.end,
            "fragment": self.fragment,
        }


class RuleError(InvalidInput):
    """A rule that cannot be accepted; ``problems`` lists everything found, in source order."""

    def __init__(self, source: str, problems: list[Problem], *, field_name: str = "rule") -> None:
        first = problems[0]
        super().__init__(
            first.code,
            first.message,
            params=first.params,
            fields=[FieldError(field_name, p.message, p.params) for p in problems],
        )
        self.source = source
        self.problems = problems

    def describe(self, language: str = "en") -> str:
        return "\n".join(p.describe(language) for p in self.problems)


def locate(source: str, start: int, end: int) -> tuple[int, int, str]:
    """(line, column, fragment) for the characters ``source[start:end]``."""
    start = max(0, min(start, len(source)))
    end = max(start, min(end, len(source)))
    line = source.count("\n", 0, start) + 1
    column = start - (source.rfind("\n", 0, start) + 1) + 1
    fragment = " ".join(source[start:end].split())
    if len(fragment) > 80:
        fragment = fragment[:77] + "…"
    return line, column, fragment


def problem(source: str, code: RulesError, message: str, start: int, end: int, **params: object) -> Problem:
    line, column, fragment = locate(source, start, end)
    return Problem(code, message, params, start, end, line, column, fragment)
