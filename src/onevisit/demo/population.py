"""A synthetic population of households, generated with numpy in bulk.

People are generated household by household: single adults, and couples with none to three
children. Children are born when both parents are between about 21 and 39, take the
father's surname (sometimes the mother's) and mostly carry their home county in their ID
number. Everything is drawn from one seeded generator in a fixed order, so the same seed
gives the same people, and it is all array arithmetic: a million people take seconds.

The first households are reserved for the demo logins (``demo.logins``): the citizen's
family, then seven single adults on staff; their ID numbers are fixed, the rest is drawn.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from onevisit.demo import logins, names, numbers, places

#: Birth dates are drawn up to this day, so the province does not depend on when it is seeded.
REFERENCE_DATE = dt.date(2025, 12, 31)
REF_YEAR = REFERENCE_DATE.year

SINGLE, COUPLE = 0, 1
HEAD, SPOUSE, CHILD = 0, 1, 2
#: Household shapes and shares: (kind, people, share).
_SHAPES = ((SINGLE, 1, 0.27), (COUPLE, 2, 0.20), (COUPLE, 3, 0.33), (COUPLE, 4, 0.17), (COUPLE, 5, 0.03))

IntArray = npt.NDArray[np.int64]
StrArray = npt.NDArray[np.str_]


@dataclass(frozen=True, slots=True)
class Relations:
    """Family ties as parallel arrays of row numbers, one row per direction."""

    person: IntArray
    relative: IntArray
    kind: StrArray

    def __len__(self) -> int:
        return len(self.person)


@dataclass(frozen=True, slots=True)
class Population:
    """Everyone, as parallel columns indexed by row (row ``i`` becomes person id ``base + i``)."""

    names: list[str]
    genders: StrArray
    birth_dates: npt.NDArray[np.datetime64]
    birth_regions: StrArray
    regions: StrArray
    id_numbers: list[str]
    phones: list[str | None]
    addresses: list[str]
    household: IntArray
    relations: Relations

    def __len__(self) -> int:
        return len(self.names)

    def ages(self) -> IntArray:
        """Age in whole years on :data:`REFERENCE_DATE`."""
        return _ages(self.birth_dates)


def _ages(birth: npt.NDArray[np.datetime64]) -> IntArray:
    years = birth.astype("datetime64[Y]").astype(np.int64) + 1970
    before = (birth - birth.astype("datetime64[Y]")).astype(np.int64) > (
        np.datetime64(REFERENCE_DATE) - np.datetime64(f"{REF_YEAR}-01-01")
    ).astype(np.int64)
    ages: IntArray = (REF_YEAR - years - before).astype(np.int64)
    return ages


def generate_population(rng: np.random.Generator, n: int) -> Population:
    """``n`` people (at least :data:`logins.RESERVED_ROWS`) in households."""
    if n < logins.RESERVED_ROWS:
        raise ValueError(f"the demo needs at least {logins.RESERVED_ROWS} citizens")
    hh_kind, hh_start, hh_size = _plan_households(rng, n)
    household = np.repeat(np.arange(len(hh_kind)), hh_size)
    position = np.arange(n) - hh_start[household]
    role = np.where(hh_kind[household] == SINGLE, HEAD, np.minimum(position, CHILD))

    birth_years = _birth_years(rng, hh_kind, hh_size, household, role)
    genders = _genders(rng, hh_kind[household], role)
    birth_dates = _birth_dates(rng, birth_years)
    regions = places.draw_counties(rng, len(hh_kind))[household]
    birth_regions = _birth_regions(rng, regions, role, birth_years)
    _apply_demo_logins(genders, birth_dates, birth_regions, regions)
    birth_years = birth_dates.astype("datetime64[Y]").astype(np.int64) + 1970

    surnames = _surnames(rng, hh_kind, household, role)
    given = names.draw_given_names(rng, genders, birth_years)
    ids = _id_numbers(rng, birth_regions, birth_dates, genders)
    phones = _phones(rng, _ages(birth_dates))
    addresses = places.addresses(rng, regions[hh_start])
    return Population(
        names=names.full_names(surnames, given),
        genders=genders,
        birth_dates=birth_dates,
        birth_regions=birth_regions,
        regions=regions,
        id_numbers=ids,
        phones=phones,
        addresses=[addresses[h] for h in household.tolist()],
        household=household,
        relations=_relations(hh_kind, hh_start, household, role, genders),
    )


def _plan_households(rng: np.random.Generator, n: int) -> tuple[IntArray, IntArray, IntArray]:
    """Household kinds, first rows and sizes covering exactly ``n`` rows."""
    reserved_kind = [COUPLE] + [SINGLE] * len(logins.STAFF_ROWS)
    reserved_size = [len(logins.FAMILY_ROWS)] + [1] * len(logins.STAFF_ROWS)
    shares = np.array([s for _, _, s in _SHAPES])
    mean = float(np.dot(shares, [size for _, size, _ in _SHAPES]))
    draws = rng.choice(len(_SHAPES), size=int((n - logins.RESERVED_ROWS) / mean * 1.2) + 8, p=shares / shares.sum())
    kinds = np.concatenate([reserved_kind, np.array([k for k, _, _ in _SHAPES])[draws]]).astype(np.int64)
    sizes = np.concatenate([reserved_size, np.array([s for _, s, _ in _SHAPES])[draws]]).astype(np.int64)
    ends = np.cumsum(sizes)
    last = int(np.searchsorted(ends, n))  # the household that reaches row n - 1
    kinds, sizes = kinds[: last + 1], sizes[: last + 1]
    sizes[last] -= int(ends[last] - n)
    kinds[sizes == 1] = SINGLE  # a couple cut down to one person is a single adult
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
    return kinds, starts, sizes


def _birth_years(
    rng: np.random.Generator, hh_kind: IntArray, hh_size: IntArray, household: IntArray, role: IntArray
) -> IntArray:
    """Parents 21–90 (wives a little younger), children born when both were 21–39."""
    h = len(hh_kind)
    with_children = hh_size >= 3
    wife_age = np.where(with_children, rng.integers(24, 83, size=h), rng.integers(21, 91, size=h))
    gap = np.clip(np.rint(rng.normal(2.0, 2.5, size=h)), -3, 10).astype(np.int64)
    husband_age = np.maximum(wife_age + gap, 22)
    young = rng.random(h) < 0.6
    single_age = np.where(young, rng.integers(18, 41, size=h), rng.integers(18, 96, size=h))
    head_year = REF_YEAR - np.where(hh_kind == SINGLE, single_age, husband_age)
    wife_year = REF_YEAR - wife_age
    lo = np.maximum(head_year, wife_year) + 21
    hi = np.minimum(np.minimum(head_year, wife_year) + 39, REF_YEAR)
    child_year = lo[household] + np.floor(rng.random(len(household)) * (hi - lo + 1)[household]).astype(np.int64)
    child_year[logins.CHILD_ROW] = logins.CHILD_BIRTH_YEAR
    return np.select([role == HEAD, role == SPOUSE], [head_year[household], wife_year[household]], child_year)


def _birth_dates(rng: np.random.Generator, years: IntArray) -> npt.NDArray[np.datetime64]:
    starts = (years - 1970).astype("datetime64[Y]").astype("datetime64[D]")
    length = ((years + 1 - 1970).astype("datetime64[Y]").astype("datetime64[D]") - starts).astype(np.int64)
    offsets = np.floor(rng.random(len(years)) * length).astype(np.int64)
    dates: npt.NDArray[np.datetime64] = starts + offsets.astype("timedelta64[D]")
    return dates


def _genders(rng: np.random.Generator, kind: IntArray, role: IntArray) -> StrArray:
    random_gender = np.where(rng.random(len(role)) < 0.515, "M", "F")
    couple_gender = np.where(role == HEAD, "M", "F")
    return np.where((kind == COUPLE) & (role != CHILD), couple_gender, random_gender)


def _birth_regions(rng: np.random.Generator, regions: StrArray, role: IntArray, years: IntArray) -> StrArray:
    """Home county mostly; another Zhejiang county or province sometimes; old codes for the old."""
    n = len(regions)
    u = rng.random(n)
    adult = role != CHILD
    out = np.where(u < np.where(adult, 0.65, 0.9), regions, places.draw_counties(rng, n))
    migrants = adult & (u > 0.86)  # about one person in ten overall
    out[migrants] = places.other_province_codes(rng, int(migrants.sum()))
    return places.historical_birth_codes(out, years)


def _apply_demo_logins(
    genders: StrArray, births: npt.NDArray[np.datetime64], birth_regions: StrArray, regions: StrArray
) -> None:
    """The reserved rows get the fixed facts behind the documented ID numbers."""
    for login in logins.DEMO_LOGINS:
        genders[login.row] = login.gender
        births[login.row] = np.datetime64(login.birth_date)
        birth_regions[login.row] = login.birth_region
        regions[login.row] = login.household_region
    regions[logins.CHILD_ROW] = regions[logins.FAMILY_ROWS[0]]
    birth_regions[logins.CHILD_ROW] = regions[logins.FAMILY_ROWS[0]]


def _surnames(rng: np.random.Generator, hh_kind: IntArray, household: IntArray, role: IntArray) -> StrArray:
    h = len(hh_kind)
    father = names.draw_surnames(rng, h)
    mother = names.draw_surnames(rng, h)
    takes_mother = rng.random(len(role)) < 0.05
    child = np.where(takes_mother, mother[household], father[household])
    return np.select([role == HEAD, role == SPOUSE], [father[household], mother[household]], child)


def _id_numbers(
    rng: np.random.Generator, birth_regions: StrArray, births: npt.NDArray[np.datetime64], genders: StrArray
) -> list[str]:
    """Unique GB 11643 numbers; sequence parity follows sex; reserved rows keep theirs."""
    n = len(births)
    region_ints = birth_regions.astype(np.int64)
    years = births.astype("datetime64[Y]").astype(np.int64) + 1970
    months = births.astype("datetime64[M]").astype(np.int64) % 12 + 1
    days = (births - births.astype("datetime64[M]")).astype(np.int64) + 1
    parity = (genders == "M").astype(np.int64)
    sequences = rng.integers(1, 500, size=n) * 2 + parity
    for login in logins.DEMO_LOGINS:
        sequences[login.row] = login.sequence
    keys = numbers.id_prefix_keys(region_ints, years, months, days, sequences)
    fixed = np.zeros(n, dtype=bool)
    fixed[[login.row for login in logins.DEMO_LOGINS]] = True
    order = np.concatenate([np.flatnonzero(fixed), np.flatnonzero(~fixed)])  # fixed rows win clashes
    while True:
        clash = np.zeros(n, dtype=bool)
        clash[order] = numbers.duplicates(keys[order])
        if not clash.any():
            return numbers.id_numbers(keys)
        count = int(clash.sum())
        sequences[clash] = rng.integers(1, 500, size=count) * 2 + parity[clash]
        keys[clash] = numbers.id_prefix_keys(
            region_ints[clash], years[clash], months[clash], days[clash], sequences[clash]
        )


def _phones(rng: np.random.Generator, ages: IntArray) -> list[str | None]:
    """Most adults and half of teenagers have a mobile number; every demo login does."""
    n = len(ages)
    u = rng.random(n)
    has = ((ages >= 18) & (u < 0.93)) | ((ages >= 12) & (ages < 18) & (u < 0.5))
    has[[login.row for login in logins.DEMO_LOGINS]] = True
    drawn = numbers.mobile_numbers(rng, int(has.sum())).astype(str).tolist()
    out: list[str | None] = [None] * n
    for row, phone in zip(np.flatnonzero(has).tolist(), drawn, strict=True):
        out[row] = phone
    return out


def _relations(
    hh_kind: IntArray, hh_start: IntArray, household: IntArray, role: IntArray, genders: StrArray
) -> Relations:
    """Both directions of every tie, as ``services.people.relate`` would store them."""
    couples = hh_start[hh_kind == COUPLE]
    husbands, wives = couples, couples + 1
    children = np.flatnonzero(role == CHILD)
    fathers = hh_start[household[children]]
    mothers = fathers + 1
    person = np.concatenate([husbands, wives, fathers, children, mothers, children])
    relative = np.concatenate([wives, husbands, children, fathers, children, mothers])
    kinds = np.concatenate([
        np.full(2 * len(couples), "spouse"),
        np.full(len(children), "child"),
        np.where(genders[fathers] == "M", "father", "mother"),
        np.full(len(children), "child"),
        np.where(genders[mothers] == "M", "father", "mother"),
    ])
    return Relations(person=person.astype(np.int64), relative=relative.astype(np.int64), kind=kinds)
