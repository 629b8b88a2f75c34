"""Form handling for pages, GOV.UK style: validate everything on the server with pydantic,
show every error at once in a summary linked to its field, and keep what the user typed."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from fastapi import Request
from pydantic import BaseModel, ValidationError

from onevisit.kernel.errors import AppError, FieldError
from onevisit.kernel.http.csrf import CSRF_FIELD
from onevisit.kernel.i18n import N_

M = TypeVar("M", bound=BaseModel)

# pydantic's error types mapped to translatable messages; ``%(…)s`` slots come from ctx.
_MESSAGES: Mapping[str, str] = {
    "missing": N_("Enter this information."),
    "string_too_short": N_("Enter this information."),
    "string_too_long": N_("Must be %(max_length)s characters or fewer."),
    "string_pattern_mismatch": N_("Not in the right format."),
    "int_parsing": N_("Enter a whole number."),
    "date_from_datetime_parsing": N_("Enter a real date."),
    "date_parsing": N_("Enter a real date."),
    "literal_error": N_("Choose one of the options."),
    "enum": N_("Choose one of the options."),
}


@dataclass
class FormState:
    """What a form page needs to re-render: the values typed and the errors found."""

    values: dict[str, str] = field(default_factory=dict)
    errors: list[FieldError] = field(default_factory=list)

    def error_for(self, name: str) -> FieldError | None:
        return next((e for e in self.errors if e.field == name), None)

    @property
    def has_errors(self) -> bool:
        return bool(self.errors)


def field_errors(exc: ValidationError) -> list[FieldError]:
    errors: list[FieldError] = []
    seen: set[str] = set()
    for err in exc.errors():
        name = ".".join(str(p) for p in err["loc"]) or "form"
        if name in seen:
            continue  # one message per field, the first is the most useful
        seen.add(name)
        ctx = dict(err.get("ctx") or {})
        if err["type"] == "value_error" and "error" in ctx:
            inner = ctx["error"]
            if isinstance(inner, AppError):
                errors.append(FieldError(name, inner.message, dict(inner.params)))
                continue
            message = str(inner)
        else:
            message = _MESSAGES.get(err["type"], err["msg"])
        errors.append(FieldError(name, message, ctx))
    return errors


async def read_form(request: Request, *, max_field_length: int | None = None) -> dict[str, str]:
    """The submitted fields as strings (files excluded; CSRF token removed)."""
    form = await request.form()
    limit = max_field_length or request.app.state.platform.settings.max_form_field_length
    values: dict[str, str] = {}
    for key, value in form.multi_items():
        if key == CSRF_FIELD or not isinstance(value, str):
            continue
        values[key] = value[: limit + 1]  # keep one extra char so validation can say "too long"
    return values


def validate(model: type[M], values: Mapping[str, Any]) -> tuple[M | None, FormState]:
    state = FormState(values={k: str(v) for k, v in values.items()})
    try:
        return model.model_validate(dict(values)), state
    except ValidationError as exc:
        state.errors = field_errors(exc)
        return None, state
