"""Generated enterprises: valid unique credit codes, adult representatives, plausible names."""

from __future__ import annotations

import numpy as np
import pytest

from onevisit.demo import logins
from onevisit.demo.enterprises import DEMO_ENTERPRISE_EMPLOYEES, Enterprises, generate_enterprises
from onevisit.demo.population import Population, generate_population
from onevisit.identity.creditcodes import parse_credit_code

M = 1500


@pytest.fixture(scope="module")
def province() -> tuple[Population, Enterprises]:
    rng = np.random.default_rng(11)
    people = generate_population(rng, 3000)
    return people, generate_enterprises(rng, M, people)


def test_credit_codes_are_valid_unique_and_name_the_county(province: tuple[Population, Enterprises]) -> None:
    _, firms = province
    assert len(set(firms.credit_codes)) == M
    types = {"limited_company": "1", "joint_stock_company": "1", "individual_business": "2", "farmers_cooperative": "3"}
    for code, region, kind in zip(firms.credit_codes, firms.regions.tolist(), firms.kinds.tolist(), strict=True):
        parsed = parse_credit_code(code)
        assert parsed.authority == "9"
        assert parsed.entity_type == types[kind]
        assert parsed.region_code == region
    assert (firms.kinds == "limited_company").mean() > 0.6


def test_recent_codes_use_ma_and_older_ones_an_organisation_code(province: tuple[Population, Enterprises]) -> None:
    _, firms = province
    for code, established in zip(firms.credit_codes, firms.established.tolist(), strict=True):
        assert (code[8:10] == "MA") == (str(established) >= "2015-10-01")


def test_representatives_are_adults_and_not_other_demo_logins(province: tuple[Population, Enterprises]) -> None:
    people, firms = province
    ages = people.ages()
    reps = firms.legal_rep_rows
    assert (ages[reps] >= 22).all()
    assert reps[0] == logins.ENTERPRISE_REP_ROW
    assert not set(reps[1:].tolist()) & set(range(logins.RESERVED_ROWS))
    founded_at = (firms.established - people.birth_dates[reps]).astype(int) / 365.25
    assert (founded_at >= 20).all()


def test_names_are_unique_and_read_like_registrations(province: tuple[Population, Enterprises]) -> None:
    _, firms = province
    assert len(set(firms.names)) == M
    for name, kind in zip(firms.names, firms.kinds.tolist(), strict=True):
        if kind == "limited_company":
            assert name.endswith("有限公司") and not name.endswith("股份有限公司")
        elif kind == "joint_stock_company":
            assert name.endswith("股份有限公司")
        elif kind == "farmers_cooperative":
            assert name.endswith("专业合作社")


def test_sizes_are_heavy_tailed_and_the_demo_firm_is_small(province: tuple[Population, Enterprises]) -> None:
    _, firms = province
    assert firms.employees[0] == DEMO_ENTERPRISE_EMPLOYEES
    assert np.median(firms.employees) < 10
    assert firms.employees.max() > 100
    assert (firms.capital_fen >= 1_000_000).all()  # at least 10,000 yuan
    assert set(firms.industries.tolist()) <= set("ABCDEFGHIJKLMNOPQRST")
