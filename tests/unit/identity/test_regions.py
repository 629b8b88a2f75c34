"""Zhejiang's administrative divisions (GB/T 2260)."""

from __future__ import annotations

from onevisit.identity.regions import BY_CODE, CURRENT_COUNTIES, DIVISIONS, PROVINCE_CODE, city_of, is_known_region


def test_the_province_has_11_cities_and_90_current_county_level_divisions() -> None:
    cities = [d for d in DIVISIONS if d.level == 2]
    assert len(cities) == 11
    assert {c.name_zh for c in cities} >= {"杭州市", "宁波市", "温州市", "丽水市", "舟山市"}
    assert len(CURRENT_COUNTIES) == 90


def test_codes_are_unique_and_every_county_sits_in_its_city() -> None:
    assert len(BY_CODE) == len(DIVISIONS)
    for division in DIVISIONS:
        assert len(division.code) == 6 and division.code.isdigit()
        if division.level == 3:
            assert division.parent == division.code[:4] + "00"
            assert BY_CODE[division.parent].level == 2
        if division.level == 2:
            assert division.parent == PROVINCE_CODE


def test_city_of_walks_up_from_a_county() -> None:
    city = city_of("330106")
    assert city is not None and city.name_en == "Hangzhou"
    assert city_of("999999") is None


def test_historical_codes_are_known_for_id_numbers_but_not_current() -> None:
    for code in ("330103", "330104", "330204", "330621"):
        assert is_known_region(code)
        assert not BY_CODE[code].current
        assert BY_CODE[code] not in CURRENT_COUNTIES


def test_other_provinces_are_known_by_prefix_but_unknown_zhejiang_codes_are_not() -> None:
    assert is_known_region("110105")  # Beijing, Chaoyang
    assert is_known_region("440524")
    assert not is_known_region("339999")  # looks like Zhejiang, is not a division
    assert not is_known_region(PROVINCE_CODE)  # a province is not a place of registration
    assert not is_known_region("110000")
    assert not is_known_region("990101")  # no such province
    assert not is_known_region("１１０１０５")
