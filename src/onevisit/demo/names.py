"""Plausible Chinese personal names, drawn in bulk.

Surnames follow their approximate frequency in Zhejiang (陈 and 王 lead; 金, 应, 楼, 俞, 屠
and 诸葛 are far commoner here than nationally), so a demo page listing a hundred people looks
like a hundred people from Zhejiang. Given names have one or two characters, chosen from
pools that differ by sex and by generation: a woman born in 1950 is more likely 秀英 than
梓萱, and the reverse for a girl born in 2015. Everything is drawn from a seeded numpy
generator so the same seed names the same people.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

#: (surname, weight per mille in Zhejiang, rounded). Compound surnames are rare but real.
SURNAMES: tuple[tuple[str, float], ...] = (
    ("陈", 78), ("王", 66), ("张", 47), ("李", 40), ("吴", 36), ("徐", 32), ("周", 30), ("刘", 28),
    ("杨", 23), ("黄", 23), ("金", 21), ("朱", 20), ("林", 19), ("胡", 18), ("方", 16), ("叶", 15),
    ("郑", 15), ("沈", 14), ("潘", 13), ("何", 12), ("蒋", 11), ("孙", 11), ("赵", 10), ("应", 9),
    ("钱", 8), ("俞", 8), ("许", 8), ("高", 8), ("楼", 7), ("邵", 7), ("郭", 7), ("汪", 7),
    ("章", 7), ("毛", 7), ("马", 6), ("董", 6), ("谢", 6), ("施", 6), ("洪", 6), ("陆", 5),
    ("杜", 5), ("姚", 5), ("蔡", 5), ("卢", 5), ("冯", 5), ("余", 5), ("丁", 5), ("戴", 5),
    ("罗", 5), ("梁", 4), ("倪", 4), ("袁", 4), ("程", 4), ("傅", 4), ("项", 4), ("夏", 4),
    ("屠", 3), ("邱", 3), ("宋", 3), ("唐", 3), ("曹", 3), ("范", 3), ("鲍", 3), ("柴", 3),
    ("严", 3), ("姜", 3), ("韩", 3), ("童", 3), ("钟", 3), ("顾", 3), ("翁", 3), ("葛", 2),
    ("孔", 2), ("厉", 2), ("骆", 2), ("虞", 2), ("贾", 2), ("魏", 2), ("彭", 2), ("曾", 2),
    ("吕", 2), ("任", 2), ("田", 2), ("石", 2), ("邹", 2), ("江", 2), ("雷", 2), ("龚", 2),
    ("诸葛", 0.2), ("欧阳", 0.3), ("司马", 0.1), ("上官", 0.1),
)

# Given-name character pools: (born before 1970, 1970–1999, 2000 on) for each sex.
_MALE = (
    "建国华民军德福根明荣林生文伟忠祥富贵清海平才兴华金水友良永",
    "伟强军磊涛斌杰勇峰鹏浩宇俊明华辉波刚超飞鑫晨凯毅振海林东阳斌锋健彬",
    "子轩睿泽博豪航铭宸瑞诚哲成天宇浩然一诺俊逸梓晨锦程嘉皓煜铭景",
)
_FEMALE = (
    "秀英兰珍桂凤芳玉琴美华菊梅娟月仙香素莲金彩翠花凤英淑",
    "芳娟敏静丽艳燕霞玲婷雪倩颖琳洁莉丹萍红梅慧佳晶蕾晓",
    "欣怡雨涵萱梓诗琪悦妍可馨思雅婉一诺语桐梦瑶若汐依沫",
)
#: How often a given name has a single character, by generation.
_SINGLE_SHARE = (0.22, 0.32, 0.12)


def _pools(text: str) -> npt.NDArray[np.str_]:
    return np.array(list(dict.fromkeys(text)))  # deduplicated, order kept (determinism)


_POOLS = {
    ("M", era): _pools(chars) for era, chars in enumerate(_MALE)
} | {("F", era): _pools(chars) for era, chars in enumerate(_FEMALE)}

_SURNAME_TABLE = np.array([s for s, _ in SURNAMES])
_SURNAME_P = np.array([w for _, w in SURNAMES], dtype=np.float64)
_SURNAME_P /= _SURNAME_P.sum()


def draw_surnames(rng: np.random.Generator, n: int) -> npt.NDArray[np.str_]:
    """``n`` surnames distributed like Zhejiang's."""
    return _SURNAME_TABLE[rng.choice(len(_SURNAME_TABLE), size=n, p=_SURNAME_P)]


def era_of(birth_years: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """0 before 1970, 1 for 1970–1999, 2 from 2000: naming fashions changed with them."""
    return np.digitize(birth_years, [1970, 2000]).astype(np.int64)


def draw_given_names(
    rng: np.random.Generator, genders: npt.NDArray[np.str_], birth_years: npt.NDArray[np.int64]
) -> npt.NDArray[np.str_]:
    """One- or two-character given names fitting each person's sex and generation."""
    n = len(genders)
    eras = era_of(birth_years)
    first = np.empty(n, dtype="<U1")
    second = np.empty(n, dtype="<U1")
    single = np.zeros(n, dtype=bool)
    for (gender, era), pool in _POOLS.items():
        mask = (genders == gender) & (eras == era)
        count = int(mask.sum())
        if count == 0:
            continue
        first[mask] = pool[rng.integers(0, len(pool), size=count)]
        second[mask] = pool[rng.integers(0, len(pool), size=count)]
        single[mask] = rng.random(count) < _SINGLE_SHARE[era]
    second[single] = ""
    given: npt.NDArray[np.str_] = np.char.add(first, second)
    return given


def full_names(surnames: npt.NDArray[np.str_], given: npt.NDArray[np.str_]) -> list[str]:
    """Surname first, as Chinese names are written."""
    return [s + g for s, g in zip(surnames.tolist(), given.tolist(), strict=True)]
