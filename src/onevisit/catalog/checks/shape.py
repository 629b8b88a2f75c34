"""Shape problems: pydantic validation errors mapped to the YAML's lines and fields."""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import ValidationError

from onevisit.catalog.errors import CatalogError, Problem
from onevisit.catalog.yamlsource import Source
from onevisit.kernel.i18n import N_

_MESSAGES: Mapping[str, str] = {
    "missing": N_("This is required."),
    "extra_forbidden": N_("Unknown key “%(key)s”."),
    "string_too_short": N_("Enter a value."),
    "string_too_long": N_("Must be %(max_length)s characters or fewer."),
    "too_short": N_("Give at least %(min_length)s."),
    "too_long": N_("Give at most %(max_length)s."),
    "literal_error": N_("Choose one of: %(expected)s."),
    "union_tag_invalid": N_("Choose one of: %(expected_tags)s."),
    "union_tag_not_found": N_("Say which kind this is: %(discriminator)s."),
    "int_type": N_("Enter a whole number."),
    "int_parsing": N_("Enter a whole number."),
    "int_from_float": N_("Enter a whole number."),
    "float_type": N_("Enter a number."),
    "float_parsing": N_("Enter a number."),
    "bool_type": N_("Enter true or false."),
    "bool_parsing": N_("Enter true or false."),
    "string_type": N_("Enter text."),
    "dict_type": N_("Expected a mapping (key: value)."),
    "model_type": N_("Expected a mapping (key: value)."),
    "model_attributes_type": N_("Expected a mapping (key: value)."),
    "list_type": N_("Expected a list."),
    "greater_than": N_("Must be greater than %(gt)s."),
    "greater_than_equal": N_("Must be %(ge)s or more."),
    "less_than_equal": N_("Must be %(le)s or less."),
}
_PATTERNS: Mapping[str, str] = {
    r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$": N_("a code is dotted lower-case words, such as tax.annual_filing"),
    r"^[a-z][a-z0-9_]{0,62}$": N_("a name is lower-case letters, digits and underscores, such as price_yuan"),
    r"^[A-Z][A-Z0-9-]{1,31}$": N_("a department code is upper case, such as ZJ-PSB"),
}
_PATTERN_MISMATCH = N_("“%(value)s” is not in the right format: %(expected)s.")


def shape_problems(source: Source, exc: ValidationError) -> list[Problem]:
    problems: list[Problem] = []
    for err in exc.errors():
        loc = tuple(err["loc"])
        kind = err["type"]
        ctx = dict(err.get("ctx") or {})
        path = source.resolve(loc)
        shown: tuple[object, ...] = path
        params: dict[str, object] = {}
        if kind == "missing":
            shown = (*path, loc[-1]) if loc and not isinstance(loc[-1], int) else path
            message = _MESSAGES[kind]
        elif kind == "extra_forbidden":
            params["key"] = str(loc[-1])[:64]
            message = _MESSAGES[kind]
        elif kind == "string_pattern_mismatch":
            message = _PATTERN_MISMATCH
            params = {"value": str(err.get("input"))[:64], "expected": _PATTERNS.get(str(ctx.get("pattern")), "")}
        elif kind == "value_error":
            inner = ctx.get("error")
            message = str(inner) if inner is not None else str(err["msg"])
        elif kind in _MESSAGES:
            message = _MESSAGES[kind]
            params = {k: (", ".join(map(str, v)) if isinstance(v, list | tuple) else v) for k, v in ctx.items()}
            for key in ("expected", "expected_tags"):
                if key in params:
                    params[key] = str(params[key]).replace("'", "")
            if kind in ("union_tag_invalid", "union_tag_not_found"):
                tag = str(ctx.get("discriminator", "")).strip("'")
                path = source.resolve((*loc, tag))
                shown = (*path, tag) if path == source.resolve(loc) else path
        else:
            message, params = N_("Not valid: %(detail)s"), {"detail": str(err["msg"])[:200]}
        problems.append(source.problem_at(path, shown, CatalogError.SCHEMA, message, params))
    problems.sort(key=lambda p: (p.line or 0, p.column or 0))
    return problems
