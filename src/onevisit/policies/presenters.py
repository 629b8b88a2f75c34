"""How policies and offers appear on screens: labels, yuan, explanation trees in words."""

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


def yuan(fen: int) -> str:
    """``¥12,345.60`` (amounts here run to millions: grouped for reading)."""
    sign = "-" if fen < 0 else ""
    return f"{sign}¥{abs(fen) // 100:,}.{abs(fen) % 100:02d}"


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
        "yuan": yuan,
        "policy_statuses": POLICY_STATUS,
        "offer_statuses": OFFER_STATUS,
        "recurrences": RECURRENCE,
        "condition_statuses": CONDITION_STATUS,
        "field_label": field_label,
        "show_value": show_value,
        "policy_fields": FIELDS,
    }


def parse_yuan(raw: str) -> int | None:
    """``"12,345.60"`` → 1234560 fen; None if it is not an amount with at most two decimals."""
    text = raw.strip().replace(",", "").replace("¥", "")
    if not text:
        return None
    sign = -1 if text.startswith("-") else 1
    text = text.lstrip("+-")
    whole, _, cents = text.partition(".")
    if not whole.isdigit() or (cents and (not cents.isdigit() or len(cents) > 2)):
        return None
    return sign * (int(whole) * 100 + int((cents or "0").ljust(2, "0")))
