"""GB 11643-1999 resident ID numbers: published examples and each kind of mistake."""

from __future__ import annotations

import datetime as dt

import pytest

from onevisit.identity.errors import IdentityError
from onevisit.identity.idnumbers import check_character, make_id_number, parse_id_number
from onevisit.kernel.errors import InvalidInput

TODAY = dt.date(2026, 11, 20)


def _error(value: str, today: dt.date = TODAY) -> InvalidInput:
    with pytest.raises(InvalidInput) as caught:
        parse_id_number(value, today=today)
    return caught.value


@pytest.mark.parametrize(
    ("number", "region", "birth", "gender"),
    [
        # The two examples printed in GB 11643-1999 itself.
        ("11010519491231002X", "110105", dt.date(1949, 12, 31), "F"),
        ("440524188001010014", "440524", dt.date(1880, 1, 1), "M"),
    ],
)
def test_the_standards_own_examples_are_valid(number: str, region: str, birth: dt.date, gender: str) -> None:
    parsed = parse_id_number(number, today=TODAY)
    assert parsed.number == number
    assert parsed.region_code == region
    assert parsed.birth_date == birth
    assert parsed.gender == gender


def test_check_character_follows_the_iso_7064_weights() -> None:
    assert check_character("11010519491231002") == "X"
    assert check_character("44052418800101001") == "4"


@pytest.mark.parametrize(
    "typed", ["11010519491231002x", " 110105 19491231 002X ", "１１０１０５１９４９１２３１００２Ｘ"]
)
def test_lower_case_x_spaces_and_full_width_input_are_normalised(typed: str) -> None:
    assert parse_id_number(typed, today=TODAY).number == "11010519491231002X"


def test_a_wrong_check_character_is_a_checksum_error() -> None:
    err = _error("110105194912310021")
    assert err.code is IdentityError.ID_NUMBER_CHECKSUM
    assert err.status == 422


def test_one_mistyped_digit_is_caught_by_the_checksum() -> None:
    assert _error("11010519491231003X").code is IdentityError.ID_NUMBER_CHECKSUM


@pytest.mark.parametrize("region", ["000000", "990101", "330000", "339999", "110000"])
def test_an_unknown_region_is_a_region_error_that_names_the_code(region: str) -> None:
    first17 = region + "19900517123"
    err = _error(first17 + check_character(first17))
    assert err.code is IdentityError.ID_NUMBER_REGION
    assert err.params == {"region": region}


@pytest.mark.parametrize("birth", ["19900230", "19901301", "19900000", "18491231", "00000000"])
def test_an_impossible_birth_date_is_a_birth_date_error(birth: str) -> None:
    first17 = "330106" + birth + "123"
    err = _error(first17 + check_character(first17))
    assert err.code is IdentityError.ID_NUMBER_BIRTH_DATE
    assert err.params == {"date": birth}


def test_a_birth_date_in_the_future_is_refused_but_today_is_accepted() -> None:
    tomorrow = make_id_number("330106", TODAY + dt.timedelta(days=1), 123)
    assert _error(tomorrow).code is IdentityError.ID_NUMBER_BIRTH_DATE
    born_today = make_id_number("330106", TODAY, 123)
    assert parse_id_number(born_today, today=TODAY).birth_date == TODAY


@pytest.mark.parametrize(
    "value",
    [
        "",
        "11010519491231002",  # 17 characters
        "11010519491231002X0",  # 19 characters
        "1101051949123100XX",  # X only allowed last
        "11010519491231002Y",
        "1101051949123100-2",
        "ABCDEFGHIJKLMNOPQR",
        "1" * 5000,
    ],
)
def test_wrong_length_or_characters_is_a_format_error(value: str) -> None:
    assert _error(value).code is IdentityError.ID_NUMBER_FORMAT


def test_non_ascii_digits_are_a_format_error_not_a_crash() -> None:
    # Arabic-Indic digits pass str.isdigit(); they must not reach int() or the database.
    assert _error("١١٠١٠٥١٩٤٩١٢٣١٠٠٢X").code is IdentityError.ID_NUMBER_FORMAT
    assert _error("11010519491231٠٠2X").code is IdentityError.ID_NUMBER_FORMAT


def test_historical_zhejiang_codes_are_accepted_in_id_numbers() -> None:
    number = make_id_number("330103", dt.date(1975, 3, 9), 88)  # Xiacheng District, merged 2021
    assert parse_id_number(number, today=TODAY).region_code == "330103"


def test_make_id_number_round_trips_and_sequence_parity_gives_gender() -> None:
    woman = parse_id_number(make_id_number("330106", dt.date(1990, 5, 17), 122), today=TODAY)
    man = parse_id_number(make_id_number("330106", dt.date(1990, 5, 17), 123), today=TODAY)
    assert (woman.gender, man.gender) == ("F", "M")
    assert woman.sequence == 122
