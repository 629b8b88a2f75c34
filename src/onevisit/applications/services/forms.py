"""Checking an application form against its definition: every field, every problem at
once, the values typed kept as they were. Returns the values as Python values of their
rule types (text, int, float, date, bool) for the rules."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation

from onevisit.catalog.definitions import FormField
from onevisit.identity.creditcodes import parse_credit_code
from onevisit.identity.idnumbers import parse_id_number
from onevisit.kernel.errors import AppError, FieldError
from onevisit.kernel.i18n import N_

_PHONE = re.compile(r"^1[3-9]\d{9}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
TRUE = {"1", "true", "yes", "on"}

_REQUIRED = N_("Enter this information.")
_CHOOSE = N_("Choose one of the options.")
_WHOLE = N_("Enter a whole number.")
_NUMBER = N_("Enter a number.")
_DATE = N_("Enter a real date.")
_PHONE_MSG = N_("Enter a mobile number of 11 digits, such as 13812345678.")
_EMAIL_MSG = N_("Enter an e-mail address such as name@example.com.")
_TOO_SHORT = N_("Must be at least %(min_length)s characters.")
_TOO_LONG = N_("Must be %(max_length)s characters or fewer.")
_FORMAT = N_("Not in the right format.")
_TOO_SMALL = N_("Must be %(min)s or more.")
_TOO_LARGE = N_("Must be %(max)s or less.")


def _number(form_field: FormField, text: str) -> tuple[object, str | None]:
    if form_field.type == "integer":
        try:
            return int(text), None
        except ValueError:
            return None, _WHOLE
    try:
        value = Decimal(text.replace(",", ""))
    except InvalidOperation:
        return None, _NUMBER
    return (float(value), None) if value.is_finite() else (None, _NUMBER)


def _text(form_field: FormField, text: str) -> tuple[object, str | None]:
    kind = form_field.type
    if kind == "choice":
        return (text, None) if text in {c.value for c in form_field.choices or []} else (None, _CHOOSE)
    if kind == "phone":
        return (text, None) if _PHONE.match(text) else (None, _PHONE_MSG)
    if kind == "email":
        return (text, None) if _EMAIL.match(text) else (None, _EMAIL_MSG)
    if kind == "id_number":
        try:
            return parse_id_number(text).number, None
        except AppError as err:
            return None, err.message
    if kind == "credit_code":
        try:
            return parse_credit_code(text).code, None
        except AppError as err:
            return None, err.message
    return text, None


def check_field(form_field: FormField, raw: str) -> tuple[object, FieldError | None]:
    """(the typed value or None, the problem or None)."""
    name = form_field.name
    text = raw.strip()
    if form_field.type == "boolean":
        return text.lower() in TRUE, None
    if not text:
        return None, FieldError(name, _REQUIRED) if form_field.required else None
    rules = form_field.validation
    if form_field.type in ("integer", "decimal", "money_yuan"):
        value, problem = _number(form_field, text)
        if problem is None and rules is not None and isinstance(value, int | float):
            if rules.min is not None and value < rules.min:
                return None, FieldError(name, _TOO_SMALL, {"min": _shown(rules.min)})
            if rules.max is not None and value > rules.max:
                return None, FieldError(name, _TOO_LARGE, {"max": _shown(rules.max)})
    elif form_field.type == "date":
        try:
            value, problem = dt.date.fromisoformat(text), None
        except ValueError:
            value, problem = None, _DATE
    else:
        value, problem = _text(form_field, text)
        if problem is None and rules is not None:
            found = _text_rules(form_field, text)
            if found is not None:
                return None, found
    return (None, FieldError(name, problem)) if problem is not None else (value, None)


def _text_rules(form_field: FormField, text: str) -> FieldError | None:
    rules = form_field.validation
    assert rules is not None  # noqa: S101 - called when there are rules
    if rules.min_length is not None and len(text) < rules.min_length:
        return FieldError(form_field.name, _TOO_SHORT, {"min_length": rules.min_length})
    if rules.max_length is not None and len(text) > rules.max_length:
        return FieldError(form_field.name, _TOO_LONG, {"max_length": rules.max_length})
    if rules.pattern is not None and not re.fullmatch(rules.pattern, text):
        return FieldError(form_field.name, _FORMAT)
    return None


def _shown(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else str(number)


def check_form(fields: Sequence[FormField], values: Mapping[str, str]) -> tuple[dict[str, object], list[FieldError]]:
    """Every field checked; (typed values, every problem found, in form order)."""
    typed: dict[str, object] = {}
    errors: list[FieldError] = []
    for form_field in fields:
        value, problem = check_field(form_field, str(values.get(form_field.name, "")))
        typed[form_field.name] = value
        if problem is not None:
            errors.append(problem)
    return typed, errors
