"""GB 32100-2015 unified social credit codes."""

from __future__ import annotations

import pytest

from onevisit.identity.creditcodes import ALPHABET, check_character, make_credit_code, parse_credit_code
from onevisit.identity.errors import IdentityError
from onevisit.kernel.errors import InvalidInput


def _error(value: str) -> InvalidInput:
    with pytest.raises(InvalidInput) as caught:
        parse_credit_code(value)
    return caught.value


@pytest.mark.parametrize(
    "code",
    [
        "91350100M000100Y43",  # the example in GB 32100-2015, annex
        "91110108551385082Q",  # a registered enterprise's published code
        "911100001000044477",
    ],
)
def test_published_codes_are_valid(code: str) -> None:
    parsed = parse_credit_code(code)
    assert parsed.code == code
    assert parsed.region_code == code[2:8]
    assert (parsed.authority, parsed.entity_type) == (code[0], code[1])


def test_the_check_character_of_the_standards_example() -> None:
    assert check_character("91350100M000100Y4") == "3"


def test_lower_case_and_spaces_are_normalised() -> None:
    assert parse_credit_code(" 91350100m000100y43 ").code == "91350100M000100Y43"


def test_the_alphabet_has_31_characters_without_i_o_s_v_z() -> None:
    assert len(ALPHABET) == 31
    assert not set("IOSVZ") & set(ALPHABET)


@pytest.mark.parametrize("letter", list("IOSVZ"))
def test_forbidden_letters_are_a_format_error(letter: str) -> None:
    code = "91350100M000100Y43"
    assert _error(code[:9] + letter + code[10:]).code is IdentityError.CREDIT_CODE_FORMAT


def test_a_wrong_check_character_is_a_checksum_error() -> None:
    err = _error("91350100M000100Y44")
    assert err.code is IdentityError.CREDIT_CODE_CHECKSUM
    assert err.status == 422


@pytest.mark.parametrize(
    "value", ["", "91350100M000100Y4", "91350100M000100Y433", "91AB0100M000100Y43", "9135０100M000100Y43"]
)
def test_wrong_length_characters_or_region_shape_is_a_format_error(value: str) -> None:
    assert _error(value).code is IdentityError.CREDIT_CODE_FORMAT


def test_a_check_character_of_zero_is_written_as_0() -> None:
    # (31 - 0) mod 31 = 0: the mapping must not produce index 31 (out of the alphabet).
    for n in range(2000):
        code = make_credit_code("9", "1", "330106", f"MA{n:07d}")
        assert parse_credit_code(code).code == code


def test_make_credit_code_refuses_wrong_part_lengths() -> None:
    with pytest.raises(ValueError, match="17 chars"):
        make_credit_code("9", "1", "330106", "MA1")
