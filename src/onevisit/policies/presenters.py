"""How policies and offers appear on screens: labels, explanation trees in words (amounts:
``kernel.money``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from onevisit.kernel.i18n import N_
from onevisit.policies.fields import BY_NAME, FIELDS

POLICY_STATUS: Mapping[str, str] = {
    "draft": N_("Draft"),
    "published": N_("Published"),
    "closed": N_("Closed"),
}
OFFER_STATUS: Mapping[str, str] = {
    "offered": N_("Waiting for your confirmation"),
    "confirmed": N_("Confirmed, being paid"),
    "paid": N_("Paid"),
    "clawed_back": N_("Clawed back"),
    "withdrawn": N_("Withdrawn (the policy closed)"),
}
RECURRENCE: Mapping[str, str] = {
    "once": N_("Once only"),
    "monthly": N_("Every month"),
    "quarterly": N_("Every quarter"),
    "yearly": N_("Every year"),
}
CONDITION_STATUS: Mapping[str, str] = {
    "held": N_("met"),
    "failed": N_("not met"),
    "unknown": N_("unknown (no data)"),
    "value": N_("value"),
}


def field_label(name: str, language: str) -> str:
    field = BY_NAME.get(name)
    if field is None:
        return name
    return field.label_zh if language == "zh" else field.label_en


def show_value(value: Any) -> str:
    if value is None:
        return "—"
    if value is True:
        return "✓"
    if value is False:
        return "✗"
    if isinstance(value, float):
        return f"{value:,.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def common() -> dict[str, Any]:
    return {
        "policy_statuses": POLICY_STATUS,
        "offer_statuses": OFFER_STATUS,
        "recurrences": RECURRENCE,
        "condition_statuses": CONDITION_STATUS,
        "field_label": field_label,
        "show_value": show_value,
        "policy_fields": FIELDS,
    }
