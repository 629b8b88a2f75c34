"""Synthetic enterprises: credit codes, names, legal representatives, size.

Most are limited companies (entity type 1), a quarter individual businesses (type 2) and a
few farmers' cooperatives (type 3), all registered by market regulation (authority 9) in
the county where they are registered. Codes issued since October 2015 carry "MA…" in their
organisation part; older ones embed a GB 11714 organisation code with its own check
character, as real converted codes do. Names read like real ones — city, a two-character
brand, an industry word, a legal form — and are unique, as registration requires. Sizes are
heavy-tailed: most firms are tiny, a few employ thousands.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from onevisit.demo import logins, numbers, places
from onevisit.demo.population import REF_YEAR, REFERENCE_DATE, Population
from onevisit.identity.regions import BY_CODE

#: (kind, entity type in the credit code, share)
KINDS = (
    ("limited_company", "1", 0.70),
    ("joint_stock_company", "1", 0.02),
    ("individual_business", "2", 0.25),
    ("farmers_cooperative", "3", 0.03),
)
#: GB/T 4754 sections for companies: (letter, share, words that name such a business).
INDUSTRIES: tuple[tuple[str, float, tuple[str, ...]], ...] = (
    ("C", 26, ("机械制造", "服饰", "纺织", "汽车零部件", "新材料", "五金制品", "塑料制品", "食品", "家具", "电器",
               "阀门", "轴承")),
    ("F", 28, ("贸易", "商贸", "进出口", "电子商务", "百货", "建材")),
    ("I", 8, ("网络科技", "信息技术", "软件", "数据科技", "智能科技")),
    ("L", 10, ("企业管理咨询", "商务咨询", "广告", "人力资源", "会展服务")),
    ("M", 6, ("检测技术", "工程设计", "生物科技", "环境科技")),
    ("E", 5, ("建设工程", "建筑工程", "装饰工程")),
    ("G", 4, ("物流", "运输", "供应链")),
    ("H", 3, ("餐饮管理", "酒店管理")),
    ("K", 3, ("房地产开发", "置业", "物业管理")),
    ("A", 2, ("农业开发", "生态农业", "茶业")),
    ("R", 2, ("文化传媒", "影视", "体育发展")),
    ("O", 1, ("家政服务", "汽车维修")),
    ("P", 1, ("教育科技", "职业技能培训")),
    ("Q", 0.5, ("医疗管理", "养老服务")),
    ("N", 0.5, ("园林绿化", "环境治理")),
    ("D", 0.5, ("能源", "燃气")),
    ("J", 0.3, ("融资租赁", "资产管理")),
)
#: Individual businesses: (section, shop word).
SHOPS = (("F", "便利店"), ("F", "五金店"), ("F", "服装店"), ("F", "水果店"), ("H", "小吃店"), ("H", "面馆"),
         ("O", "理发店"), ("O", "汽车修理部"), ("F", "日用品商行"), ("H", "餐馆"))
COOPERATIVE_WORDS = ("果蔬专业合作社", "茶叶专业合作社", "粮油专业合作社", "水产养殖专业合作社", "花卉苗木专业合作社")
BRAND_CHARS = np.array(list(
    "华鑫恒达宏远盛兴瑞泰丰隆安嘉德正信诚越之江钱新天宇中凯博创卓海润通汇永鼎金联合明光辰星云智优杰蓝锦绣易康乐百佳"
))
DEMO_ENTERPRISE_EMPLOYEES = 6
MA_SINCE = np.datetime64("2015-10-01")

StrArray = npt.NDArray[np.str_]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class Enterprises:
    credit_codes: list[str]
    names: list[str]
    kinds: StrArray
    legal_rep_rows: IntArray
    regions: StrArray
    industries: StrArray
    capital_fen: IntArray
    established: npt.NDArray[np.datetime64]
    employees: IntArray
    addresses: list[str]

    def __len__(self) -> int:
        return len(self.names)


def generate_enterprises(rng: np.random.Generator, m: int, people: Population) -> Enterprises:
    """``m`` enterprises; enterprise 0 is the demo representative's small trading company."""
    kind_index = rng.choice(len(KINDS), size=m, p=_shares([s for _, _, s in KINDS]))
    kind_index[0] = 0
    kinds = np.array([k for k, _, _ in KINDS])[kind_index]
    types = np.array([t for _, t, _ in KINDS])[kind_index]
    reps = _legal_representatives(rng, m, people)
    regions = np.where(rng.random(m) < 0.8, people.regions[reps], places.draw_counties(rng, m))
    regions[0] = people.regions[reps[0]]
    industries, words = _industries(rng, kinds)
    industries[0], words[0] = "F", "贸易"
    established = _established(rng, people.birth_dates[reps])
    employees = _employees(rng, kinds)
    employees[0] = DEMO_ENTERPRISE_EMPLOYEES
    return Enterprises(
        credit_codes=_credit_codes(rng, types, regions, established),
        names=_names(rng, kinds, regions, words),
        kinds=kinds,
        legal_rep_rows=reps,
        regions=regions,
        industries=industries,
        capital_fen=_capital_yuan(rng, kinds, employees) * 100,
        established=established,
        employees=employees,
        addresses=places.addresses(rng, regions),
    )


def _shares(weights: list[float]) -> npt.NDArray[np.float64]:
    array = np.array(weights, dtype=np.float64)
    shares: npt.NDArray[np.float64] = array / array.sum()
    return shares


def _legal_representatives(rng: np.random.Generator, m: int, people: Population) -> IntArray:
    """Adults aged 22–70, none of the demo logins except the one who represents enterprise 0."""
    ages = people.ages()
    eligible = (ages >= 22) & (ages <= 70)
    eligible[: logins.RESERVED_ROWS] = False
    candidates = np.flatnonzero(eligible)
    if len(candidates) == 0:
        candidates = np.array([logins.ENTERPRISE_REP_ROW])
    reps = rng.choice(candidates, size=m, replace=m > len(candidates)).astype(np.int64)
    reps[0] = logins.ENTERPRISE_REP_ROW
    return reps


def _industries(rng: np.random.Generator, kinds: StrArray) -> tuple[StrArray, StrArray]:
    m = len(kinds)
    letters = np.empty(m, dtype="<U1")
    words = np.empty(m, dtype="<U16")
    company = np.isin(kinds, ["limited_company", "joint_stock_company"])
    pick = rng.choice(len(INDUSTRIES), size=m, p=_shares([s for _, s, _ in INDUSTRIES]))
    word_pick = rng.random(m)
    for i, (letter, _, options) in enumerate(INDUSTRIES):
        mask = company & (pick == i)
        letters[mask] = letter
        words[mask] = np.array(options)[(word_pick[mask] * len(options)).astype(np.int64)]
    shops = rng.integers(0, len(SHOPS), size=m)
    individual = kinds == "individual_business"
    letters[individual] = np.array([s for s, _ in SHOPS])[shops[individual]]
    words[individual] = np.array([w for _, w in SHOPS])[shops[individual]]
    cooperative = kinds == "farmers_cooperative"
    letters[cooperative] = "A"
    chosen = rng.integers(0, len(COOPERATIVE_WORDS), size=int(cooperative.sum()))
    words[cooperative] = np.array(COOPERATIVE_WORDS)[chosen]
    return letters, words


def _established(rng: np.random.Generator, rep_births: npt.NDArray[np.datetime64]) -> npt.NDArray[np.datetime64]:
    """Recent years weigh more (the register keeps growing); the representative was 20+."""
    m = len(rep_births)
    years_back = np.minimum(np.floor(rng.exponential(7.0, size=m)), REF_YEAR - 1990).astype(np.int64)
    days_back = years_back * 365 + rng.integers(0, 365, size=m)
    dates = np.datetime64(REFERENCE_DATE) - days_back.astype("timedelta64[D]")
    earliest = rep_births + np.timedelta64(20 * 366, "D")
    return np.minimum(np.maximum(dates, earliest), np.datetime64(REFERENCE_DATE))


def _employees(rng: np.random.Generator, kinds: StrArray) -> IntArray:
    m = len(kinds)
    company = np.minimum(np.floor((rng.pareto(1.1, size=m) + 1) * 3), 60_000).astype(np.int64)
    employees = np.select(
        [kinds == "individual_business", kinds == "farmers_cooperative", kinds == "joint_stock_company"],
        [rng.integers(1, 9, size=m), rng.integers(3, 41, size=m), company * 10 + 50],
        company,
    )
    return employees.astype(np.int64)


def _capital_yuan(rng: np.random.Generator, kinds: StrArray, employees: IntArray) -> IntArray:
    m = len(kinds)
    company = np.exp(rng.normal(np.log(1_000_000), 1.1, size=m)) * (employees / 5) ** 0.4
    company = np.maximum(np.round(company, -4), 10_000)
    capital = np.select(
        [kinds == "individual_business", kinds == "farmers_cooperative", kinds == "joint_stock_company"],
        [np.round(rng.uniform(10_000, 300_000, size=m), -3), np.round(rng.uniform(100_000, 2_000_000, size=m), -4),
         np.maximum(company, 5_000_000)],
        company,
    )
    return capital.astype(np.int64)


def _credit_codes(
    rng: np.random.Generator, types: StrArray, regions: StrArray, established: npt.NDArray[np.datetime64]
) -> list[str]:
    """Unique GB 32100 codes: "MA…" organisation parts since late 2015, GB 11714 ones before."""
    new = established >= MA_SINCE
    organisations = np.where(new[:, None], numbers.organisation_codes_new(rng, len(types)),
                             numbers.organisation_codes_old(rng, len(types)))
    while True:
        codes = numbers.credit_codes("9", types, regions, organisations)
        clash = numbers.duplicates(np.array(codes))
        if not clash.any():
            return codes
        count = int(clash.sum())
        organisations[clash] = np.where(new[clash][:, None], numbers.organisation_codes_new(rng, count),
                                        numbers.organisation_codes_old(rng, count))


def _names(rng: np.random.Generator, kinds: StrArray, regions: StrArray, words: StrArray) -> list[str]:
    """City + brand + industry + legal form; county-level names for shops and cooperatives."""
    city_short = {code: places.city(code).name_zh.removesuffix("市") for code in places.COUNTY_CODES}
    county_full = {code: places.city(code).name_zh + BY_CODE[code].name_zh for code in places.COUNTY_CODES}
    region_list, kind_list, word_list = regions.tolist(), kinds.tolist(), words.tolist()
    m = len(kinds)
    brands = _brands(rng, m)
    while True:
        out = []
        for i in range(m):
            kind, region, brand = kind_list[i], region_list[i], brands[i]
            if kind in {"individual_business", "farmers_cooperative"}:
                out.append(f"{county_full[region]}{brand}{word_list[i]}")
            else:
                form = "股份有限公司" if kind == "joint_stock_company" else "有限公司"
                out.append(f"{city_short[region]}{brand}{word_list[i]}{form}")
        clash = numbers.duplicates(np.array(out))
        if not clash.any():
            return out
        for i, replacement in zip(np.flatnonzero(clash).tolist(), _brands(rng, int(clash.sum())), strict=True):
            brands[i] = replacement + BRAND_CHARS[rng.integers(0, len(BRAND_CHARS))]


def _brands(rng: np.random.Generator, m: int) -> list[str]:
    first = BRAND_CHARS[rng.integers(0, len(BRAND_CHARS), size=m)]
    second = BRAND_CHARS[rng.integers(0, len(BRAND_CHARS), size=m)]
    return [a + b for a, b in zip(first.tolist(), second.tolist(), strict=True)]

