"""One way to show money (``¥24,080.00``) and to read back what people type."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from onevisit.kernel.money import MAX_WHOLE_DIGITS, parse_yuan, yuan

#: every whole amount parse_yuan accepts, either way, in fen
AMOUNTS = st.integers(min_value=-(10**MAX_WHOLE_DIGITS) * 100 + 1, max_value=10**MAX_WHOLE_DIGITS * 100 - 1)


@pytest.mark.parametrize(
    ("fen", "text"),
    [
        (0, "¥0.00"),
        (5, "¥0.05"),
        (150, "¥1.50"),
        (8_000, "¥80.00"),
        (100_000, "¥1,000.00"),
        (2_408_000, "¥24,080.00"),
        (123_456_789_012, "¥1,234,567,890.12"),
        (-150, "-¥1.50"),
        (-2_408_000, "-¥24,080.00"),
    ],
)
def test_yuan_is_grouped_with_two_decimals_and_a_leading_minus(fen: int, text: str) -> None:
    assert yuan(fen) == text


@pytest.mark.parametrize(
    ("text", "fen"),
    [
        ("24080", 2_408_000),
        ("24,080.5", 2_408_050),
        ("¥24,080.00", 2_408_000),
        ("  ¥24,080.00  ", 2_408_000),
        ("￥24080.05", 2_408_005),
        ("￥２４，０８０．５", 2_408_050),  # full width, as a Chinese keyboard types it
        ("24080元", 2_408_000),
        ("0.1", 10),
        ("0", 0),
        ("007", 700),
        ("1,000,000", 100_000_000),
        ("-¥1.50", -150),
        ("¥-1.50", -150),
        ("-1.5", -150),
        ("+3", 300),
    ],
)
def test_parse_yuan_reads_what_people_type(text: str, fen: int) -> None:
    assert parse_yuan(text) == fen


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "¥",
        "-",
        "abc",
        "12a",
        "1.234",  # a third decimal is not a fen
        "1.",
        ".5",
        "1,23",  # groups of three or none
        "12,3456",
        ",123",
        "1 000",
        "--1",
        "-¥-1",
        "1e5",
        "NaN",
        "٣",  # a digit, but not one people type into this form
        "1" * (MAX_WHOLE_DIGITS + 1),
        "¥24,080.00¥",
    ],
)
def test_parse_yuan_refuses_anything_else(text: str) -> None:
    assert parse_yuan(text) is None


@given(AMOUNTS)
def test_what_yuan_shows_parses_back_to_the_same_fen(fen: int) -> None:
    assert parse_yuan(yuan(fen)) == fen


@given(AMOUNTS)
def test_plain_decimal_text_parses_too(fen: int) -> None:
    sign = "-" if fen < 0 else ""
    assert parse_yuan(f"{sign}{abs(fen) // 100}.{abs(fen) % 100:02d}") == fen
