from __future__ import annotations

from onevisit.kernel.masking import mask_credit_code, mask_id_number, mask_phone


def test_an_id_number_keeps_region_and_last_four_only() -> None:
    assert mask_id_number("11010519491231002X") == "110105********002X"


def test_a_phone_number_keeps_prefix_and_last_four_only() -> None:
    assert mask_phone("13812345678") == "138****5678"


def test_short_values_are_masked_completely() -> None:
    assert mask_id_number("1234567890") == "**********"
    assert mask_phone("123456") == "******"
    assert mask_id_number("") == ""


def test_credit_codes_are_public_and_shown_in_full() -> None:
    assert mask_credit_code("91350100M000100Y43") == "91350100M000100Y43"
