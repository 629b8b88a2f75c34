"""How personal identifiers appear on screen: enough to recognise, not enough to misuse."""

from __future__ import annotations


def mask_id_number(value: str) -> str:
    """``330106199001011234`` → ``330106********1234``."""
    if len(value) <= 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_phone(value: str) -> str:
    """``13812345678`` → ``138****5678``."""
    if len(value) < 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_credit_code(value: str) -> str:
    """Unified social credit codes are public; shown in full."""
    return value
