"""The generated population: deterministic, valid identifiers, coherent families."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import numpy as np
import pytest

from onevisit.demo import logins
from onevisit.demo.population import REFERENCE_DATE, Population, generate_population
from onevisit.identity.idnumbers import parse_id_number
from onevisit.identity.regions import BY_CODE, CURRENT_COUNTIES

N = 3000


@pytest.fixture(scope="module")
def population() -> Population:
    return generate_population(np.random.default_rng(20180101), N)


def _birth(people: Population, row: int) -> dt.date:
    return dt.date.fromisoformat(str(people.birth_dates[row]))


def test_same_seed_same_people_other_seed_other_people(population: Population) -> None:
    again = generate_population(np.random.default_rng(20180101), N)
    assert again.names == population.names
    assert again.id_numbers == population.id_numbers
    assert again.phones == population.phones
    assert again.addresses == population.addresses
    assert again.relations.person.tolist() == population.relations.person.tolist()
    assert again.relations.kind.tolist() == population.relations.kind.tolist()
    other = generate_population(np.random.default_rng(7), N)
    assert len(set(other.id_numbers[logins.RESERVED_ROWS:]) & set(population.id_numbers)) < N // 100


def test_every_id_number_is_valid_and_tells_the_truth(population: Population) -> None:
    assert len(set(population.id_numbers)) == N
    for row, number in enumerate(population.id_numbers):
        parsed = parse_id_number(number, today=REFERENCE_DATE)
        assert parsed.gender == population.genders[row]
        assert parsed.birth_date == _birth(population, row)
        assert parsed.region_code == population.birth_regions[row]


def test_birth_regions_mix_home_counties_old_codes_and_other_provinces(population: Population) -> None:
    births = population.birth_regions.tolist()
    outside = sum(not code.startswith("33") for code in births) / N
    historical = sum(code in BY_CODE and not BY_CODE[code].current for code in births)
    assert 0.05 < outside < 0.15
    assert historical > 0
    current = {d.code for d in CURRENT_COUNTIES}
    assert set(population.regions.tolist()) <= current


def test_phones_are_valid_unique_and_held_by_most_adults(population: Population) -> None:
    phones = [p for p in population.phones if p is not None]
    assert len(set(phones)) == len(phones)
    assert all(len(p) == 11 and p[0] == "1" and p[1] in "3456789" for p in phones)
    adults = population.ages() >= 18
    with_phone = np.array([p is not None for p in population.phones])
    assert with_phone[adults].mean() > 0.85
    assert with_phone[population.ages() < 12].sum() == 0


def test_names_look_chinese_and_follow_surname_frequency(population: Population) -> None:
    assert all(2 <= len(name) <= 4 for name in population.names)
    top = [surname for surname, _ in Counter(name[0] for name in population.names).most_common(2)]
    assert set(top) == {"陈", "王"}


def test_families_have_both_directions_and_plausible_ages(population: Population) -> None:
    rel = population.relations
    ties = {(p, r): k for p, r, k in zip(rel.person.tolist(), rel.relative.tolist(), rel.kind.tolist(), strict=True)}
    assert len(ties) == len(rel)  # (person, relative) unique, as the table requires
    children = 0
    for (person, relative), kind in ties.items():
        back = ties[(relative, person)]
        if kind == "spouse":
            assert back == "spouse"
            assert population.genders[person] != population.genders[relative]
            assert population.household[person] == population.household[relative]
        elif kind == "child":
            children += 1
            assert back == ("father" if population.genders[person] == "M" else "mother")
            gap = (_birth(population, relative) - _birth(population, person)).days / 365.25
            assert 18 <= gap <= 41
        else:
            assert back == "child"
    assert children > N // 5


def test_demo_logins_are_fixed_people_in_the_first_households(population: Population) -> None:
    for login in logins.DEMO_LOGINS:
        assert population.id_numbers[login.row] == login.id_number
        assert population.phones[login.row] is not None
    rel = population.relations
    citizen_ties = {
        (r, k) for p, r, k in zip(rel.person.tolist(), rel.relative.tolist(), rel.kind.tolist(), strict=True) if p == 0
    }
    assert citizen_ties == {(1, "spouse"), (logins.CHILD_ROW, "child")}
    staff_ties = [p for p in rel.person.tolist() if p in logins.STAFF_ROWS]
    assert staff_ties == []


def test_smallest_demo_still_has_every_login() -> None:
    tiny = generate_population(np.random.default_rng(1), logins.RESERVED_ROWS)
    assert [tiny.id_numbers[login.row] for login in logins.DEMO_LOGINS] == [
        login.id_number for login in logins.DEMO_LOGINS
    ]
    with pytest.raises(ValueError, match="at least"):
        generate_population(np.random.default_rng(1), logins.RESERVED_ROWS - 1)
