"""The vectorised identifier arithmetic agrees with the one-at-a-time validators."""

from __future__ import annotations

import datetime as dt

import numpy as np

from onevisit.demo import numbers
from onevisit.identity.creditcodes import make_credit_code, parse_credit_code
from onevisit.identity.idnumbers import make_id_number, parse_id_number


def test_id_numbers_match_make_id_number() -> None:
    rng = np.random.default_rng(5)
    regions = np.array([330106, 330181, 340102, 510822] * 50, dtype=np.int64)
    days = rng.integers(0, 36_000, size=len(regions))
    births = [dt.date(1920, 1, 1) + dt.timedelta(days=int(d)) for d in days]
    sequences = rng.integers(0, 1000, size=len(regions))
    keys = numbers.id_prefix_keys(
        regions,
        np.array([b.year for b in births]),
        np.array([b.month for b in births]),
        np.array([b.day for b in births]),
        sequences,
    )
    expected = [make_id_number(str(r), b, int(s)) for r, b, s in zip(regions, births, sequences, strict=True)]
    assert numbers.id_numbers(keys) == expected
    assert any(number.endswith("X") for number in expected + numbers.id_numbers(keys + 1))


def test_credit_codes_match_make_credit_code_old_and_new() -> None:
    rng = np.random.default_rng(6)
    n = 300
    organisations = np.concatenate([numbers.organisation_codes_new(rng, n), numbers.organisation_codes_old(rng, n)])
    types = np.array(["1", "2", "3"] * (2 * n // 3))
    regions = np.array(["330106", "331083"] * n)
    codes = numbers.credit_codes("9", types, regions, organisations)
    for code, org, kind, region in zip(codes, organisations, types, regions, strict=True):
        assert code == make_credit_code("9", str(kind), str(region), bytes(org).decode())
        assert parse_credit_code(code).code == code


def test_old_organisation_codes_carry_a_gb11714_check_character() -> None:
    org = numbers.organisation_codes_old(np.random.default_rng(1), 50)
    for row in org:
        text = bytes(row).decode()
        total = sum(int(c) * w for c, w in zip(text[:8], (3, 7, 9, 10, 5, 8, 4, 2), strict=True))
        value = 11 - total % 11
        assert text[8] == {10: "X", 11: "0"}.get(value, str(value))


def test_mobile_numbers_are_valid_distinct_and_avoid_taken_ones() -> None:
    rng = np.random.default_rng(2)
    taken = numbers.mobile_numbers(rng, 1000)
    fresh = numbers.mobile_numbers(rng, 5000, taken=taken)
    assert len(set(fresh.tolist())) == 5000
    assert not set(fresh.tolist()) & set(taken.tolist())
    for phone in fresh.astype(str):
        assert len(phone) == 11 and phone[0] == "1" and phone[1] in "3456789"


def test_duplicates_marks_only_later_occurrences() -> None:
    assert numbers.duplicates(np.array([3, 1, 3, 2, 1])).tolist() == [False, False, True, False, True]


def test_parse_accepts_a_generated_number_with_x_check() -> None:
    number = next(n for n in numbers.id_numbers(np.arange(33010619900101001, 33010619900101999)) if n.endswith("X"))
    assert parse_id_number(number).number == number
