"""Where demo people live and were born, and their street addresses.

Household regions are Zhejiang's current county-level divisions, weighted by each city's
population so Hangzhou and Wenzhou hold more people than Zhoushan. Birth regions are what
the resident ID number carries: usually the home county, sometimes another Zhejiang county,
about one person in ten from another province (their ID keeps that province's code), and,
for people born before a county was reorganised, the code it had then — a 1970-born
resident of Xiaoshan District carries 330181 (萧山市), exactly as real cards do.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import numpy.typing as npt

from onevisit.identity.regions import BY_CODE, CURRENT_COUNTIES, Division, city_of

#: Resident population by city, millions (2020 census, rounded): weights for households.
CITY_POPULATION = {
    "330100": 12.2, "330200": 9.4, "330300": 9.6, "330400": 5.4, "330500": 3.4, "330600": 5.3,
    "330700": 7.1, "330800": 2.3, "330900": 1.2, "331000": 6.6, "331100": 2.5,
}

#: (current code, first birth year under it, the code people born earlier carry).
HISTORICAL_BIRTH_CODES: tuple[tuple[str, int, str], ...] = (
    ("330102", 2021, "330104"),  # 上城区 absorbed 江干区
    ("330105", 2021, "330103"),  # 拱墅区 absorbed 下城区
    ("330109", 2001, "330181"),  # 萧山市 became a district
    ("330110", 2001, "330184"),  # 余杭市 became a district
    ("330113", 2001, "330184"),  # 临平区 was carved out of 余杭 in 2021
    ("330111", 2014, "330183"),
    ("330112", 2017, "330185"),
    ("330212", 2016, "330204"),  # 鄞州区 absorbed 江东区
    ("330213", 2016, "330283"),
    ("330305", 2015, "330322"),
    ("330603", 2013, "330621"),
    ("330604", 2013, "330682"),
    ("331083", 2017, "331021"),
)

#: Home provinces of people who moved to Zhejiang, roughly by their share of migrants.
MIGRANT_PROVINCES: tuple[tuple[str, float], ...] = (
    ("34", 22), ("36", 12), ("41", 12), ("52", 9), ("51", 9), ("43", 7), ("42", 5), ("32", 5),
    ("35", 4), ("53", 4), ("50", 4), ("37", 3), ("45", 3), ("31", 2),
)
_MUNICIPALITIES = np.array([11, 12, 31, 50])
_COUNTY_SUFFIXES = np.array([2, 3, 4, 21, 22, 23, 24, 25, 81, 82])

STREETS = (
    "人民路", "解放路", "中山路", "建设路", "文化路", "新华路", "环城北路", "江南大道", "学院路",
    "凤起路", "文三路", "延安路", "体育场路", "天目山路", "钱江路", "滨江路", "府前路", "东风路",
    "西山路", "南门街", "北大街", "和平路", "胜利路", "青年路", "迎宾大道", "工业大道", "湖滨路",
    "望江路", "桥西路", "五一路", "城东路", "江滨大道", "龙山路", "塔山路", "世纪大道", "科技路",
)

COUNTY_CODES: tuple[str, ...] = tuple(d.code for d in CURRENT_COUNTIES)
_COUNTY_ARRAY = np.array(COUNTY_CODES)


def city(code: str) -> Division:
    """The prefecture-level city a current county belongs to."""
    found = city_of(code)
    if found is None:
        raise KeyError(f"{code} is not a county in a known city")
    return found


def _county_weights() -> npt.NDArray[np.float64]:
    per_city = Counter(city(code).code for code in COUNTY_CODES)
    weights = [CITY_POPULATION[city(code).code] / per_city[city(code).code] for code in COUNTY_CODES]
    array = np.array(weights, dtype=np.float64)
    shares: npt.NDArray[np.float64] = array / array.sum()
    return shares


COUNTY_P = _county_weights()


def draw_counties(rng: np.random.Generator, n: int) -> npt.NDArray[np.str_]:
    """``n`` current county codes, weighted by population."""
    return _COUNTY_ARRAY[rng.choice(len(_COUNTY_ARRAY), size=n, p=COUNTY_P)]


def other_province_codes(rng: np.random.Generator, n: int) -> npt.NDArray[np.str_]:
    """Plausible county codes outside Zhejiang (province prefix + city + county digits)."""
    prefixes = np.array([int(p) for p, _ in MIGRANT_PROVINCES], dtype=np.int64)
    weights = np.array([w for _, w in MIGRANT_PROVINCES], dtype=np.float64)
    chosen = prefixes[rng.choice(len(prefixes), size=n, p=weights / weights.sum())]
    cities = np.where(np.isin(chosen, _MUNICIPALITIES), 1, rng.integers(1, 10, size=n))
    counties = _COUNTY_SUFFIXES[rng.integers(0, len(_COUNTY_SUFFIXES), size=n)]
    codes: npt.NDArray[np.str_] = (chosen * 10_000 + cities * 100 + counties).astype("<U6")
    return codes


def historical_birth_codes(codes: npt.NDArray[np.str_], birth_years: npt.NDArray[np.int64]) -> npt.NDArray[np.str_]:
    """Replaces a current code by the one in force when the person was born."""
    out = codes.copy()
    for current, since, old in HISTORICAL_BIRTH_CODES:
        out[(codes == current) & (birth_years < since)] = old
    return out


def addresses(rng: np.random.Generator, counties: npt.NDArray[np.str_]) -> list[str]:
    """Street addresses in each county: city + county + street + number, flats for most."""
    n = len(counties)
    streets = rng.integers(0, len(STREETS), size=n).tolist()
    numbers = rng.integers(1, 400, size=n).tolist()
    buildings = rng.integers(1, 30, size=n).tolist()
    units = rng.integers(1, 5, size=n).tolist()
    floors = rng.integers(1, 25, size=n).tolist()
    rooms = rng.integers(1, 5, size=n).tolist()
    houses = (rng.random(n) < 0.25).tolist()
    prefix = {code: _place_prefix(code) for code in COUNTY_CODES}
    out = []
    for i, county in enumerate(counties.tolist()):
        base = f"{prefix[county]}{STREETS[streets[i]]}{numbers[i]}号"
        if not houses[i]:
            base += f"{buildings[i]}幢{units[i]}单元{floors[i]}{rooms[i]:02d}室"
        out.append(base)
    return out


def _place_prefix(code: str) -> str:
    return city(code).name_zh + BY_CODE[code].name_zh
