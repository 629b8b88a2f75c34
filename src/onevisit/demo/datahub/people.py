"""Per-person records: read the seeded population back, then one builder per person item."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import text

from onevisit.demo.population import REFERENCE_DATE
from onevisit.kernel.platform import Platform

IntArray = npt.NDArray[np.int64]
REF = np.datetime64(REFERENCE_DATE, "D")
_PLATE = {
    "3301": "A",
    "3302": "B",
    "3303": "C",
    "3304": "F",
    "3305": "E",
    "3306": "D",
    "3307": "G",
    "3308": "H",
    "3309": "L",
    "3310": "J",
    "3311": "K",
}


@dataclass(slots=True)
class _People:
    ids: IntArray
    keys: list[bytes]
    names: list[str]
    male: npt.NDArray[np.bool_]
    birth: npt.NDArray[np.datetime64]
    regions: list[str]
    addresses: list[str]
    phone: npt.NDArray[np.bool_]
    spouse: IntArray
    father: IntArray
    mother: IntArray

    def __len__(self) -> int:
        return len(self.ids)


def read_people(platform: Platform) -> _People:
    with platform.db.engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT id, id_number_index, name, gender, birth_date, region_code, address, "
                "CASE WHEN phone_index IS NULL THEN 0 ELSE 1 END FROM persons ORDER BY id"
            )
        ).all()
        rels = conn.execute(text("SELECT person_id, relative_id, kind FROM person_relations")).all()
    ids = np.array([r[0] for r in rows], dtype=np.int64)
    n = len(ids)
    people = _People(
        ids=ids,
        keys=[bytes(r[1]) for r in rows],
        names=[r[2] for r in rows],
        male=np.array([r[3] == "M" for r in rows], dtype=bool),
        birth=np.array([str(r[4])[:10] for r in rows], dtype="datetime64[D]"),
        regions=[r[5] for r in rows],
        addresses=[r[6] for r in rows],
        phone=np.array([bool(r[7]) for r in rows], dtype=bool),
        spouse=np.full(n, -1, dtype=np.int64),
        father=np.full(n, -1, dtype=np.int64),
        mother=np.full(n, -1, dtype=np.int64),
    )
    if rels:
        person = np.searchsorted(ids, np.array([r[0] for r in rels], dtype=np.int64))
        relative = np.searchsorted(ids, np.array([r[1] for r in rels], dtype=np.int64))
        kinds = np.array([r[2] for r in rels])
        for kind, target in (("spouse", people.spouse), ("father", people.father), ("mother", people.mother)):
            mask = kinds == kind
            target[person[mask]] = relative[mask]
    return people


def _date(days: npt.NDArray[np.datetime64], i: int) -> str:
    return str(days[i])


def person_builders(  # noqa: PLR0915 - one builder per catalogue item, side by side
    rng: np.random.Generator, p: _People
) -> dict[str, tuple[IntArray, Callable[[int, int], dict[str, Any]]]]:
    """For each person item: how many records each person has, and how to build the k-th."""
    n = len(p)
    age = ((REF - p.birth).astype(np.int64) // 365.25).astype(np.int64)
    u = rng.random((24, n))
    adult = age >= 18
    one = np.ones(n, dtype=np.int64)

    def count(mask: npt.NDArray[np.bool_]) -> IntArray:
        return mask.astype(np.int64)

    def years(base: npt.NDArray[np.datetime64], add: npt.NDArray[np.float64]) -> npt.NDArray[np.datetime64]:
        out: npt.NDArray[np.datetime64] = np.minimum(base + (add * 365.25).astype("timedelta64[D]"), REF)
        return out

    role = np.where(p.father >= 0, "child", np.where(p.spouse >= 0, np.where(p.male, "head", "spouse"), "head"))
    born_1996 = p.birth >= np.datetime64("1996-01-01")
    couple = np.minimum(np.arange(n), np.where(p.spouse >= 0, p.spouse, np.arange(n)))
    married_on = years(
        np.maximum(p.birth, np.where(p.spouse >= 0, p.birth[np.maximum(p.spouse, 0)], p.birth)), 22 + 6 * u[0][couple]
    )
    licence = adult & (age <= 75) & (u[1] < np.where(p.male, 0.65, 0.45))
    licence_on = years(p.birth, 18 + np.minimum(age - 18, 20) * u[2])
    vehicles = np.where(licence & (u[3] < 0.55), np.where(u[4] < 0.1, 2, 1), 0)
    violations = licence & (u[5] < 0.15)
    criminal = adult & (u[6] < 0.007)
    licence_years = (REF - licence_on).astype(np.int64) // 365
    ride = licence & (age >= 22) & (age <= 60) & (licence_years >= 3) & ~criminal & (u[7] < 0.03)
    degree = (age >= 22) & (u[8] < np.where(age < 45, 0.55, 0.2))
    owned_on = years(p.birth, 25 + 10 * u[16])
    vehicle_on = years(licence_on, u[18] * 5)
    licence_until = licence_on + np.timedelta64(7305, "D")
    ride_on = years(licence_on, 3 + u[22] * 2)
    ride_until = ride_on + np.timedelta64(2191, "D")
    discharged_on = years(p.birth, 22 + 4 * u[9])
    birth_year = p.birth.astype("datetime64[Y]").astype(np.int64) + 1970
    working = (age >= 18) & (age < np.where(p.male, 60, 55))
    insured = working & (u[9] < 0.75)
    retired = ~working & adult & (u[9] < 0.6)
    moved = insured & (u[10] < 0.02)
    fund = insured & (u[11] < 0.55)
    taxed = insured & (u[12] < 0.7)
    owner = adult & (age >= 25) & ((role == "head") | ((p.spouse < 0) & (u[13] < 0.4))) & (u[14] < 0.75)
    contract = owner & (u[15] < 0.05)
    pick = rng.integers(0, n, n)
    levels = np.array(["专科", "本科", "硕士", "博士"])
    level = levels[np.searchsorted([0.35, 0.85, 0.97], u[16])]
    schools = (
        "浙江大学",
        "浙江工业大学",
        "杭州电子科技大学",
        "宁波大学",
        "浙江师范大学",
        "温州医科大学",
        "浙江工商大学",
        "中国计量大学",
        "浙江财经大学",
        "浙江理工大学",
    )
    models = (
        "吉利 帝豪",
        "比亚迪 秦PLUS",
        "大众 朗逸",
        "丰田 卡罗拉",
        "本田 雅阁",
        "特斯拉 Model 3",
        "零跑 C11",
        "五菱 宏光MINI",
    )
    jobs = ("电工", "焊工", "育婴员", "中式烹调师", "保育员", "汽车维修工", "美容师", "养老护理员")

    def plate(i: int, k: int) -> str:
        return f"浙{_PLATE.get(p.regions[i][:4], 'A')}{'DF'[k]}{(i * 7919 + k * 31) % 100000:05d}"

    b: dict[str, tuple[IntArray, Callable[[int, int], dict[str, Any]]]] = {}
    b["psb.household"] = (
        one,
        lambda i, k: {
            "name": p.names[i],
            "gender": "M" if p.male[i] else "F",
            "birth_date": _date(p.birth, i),
            "region_code": p.regions[i],
            "address": p.addresses[i],
            "role": str(role[i]),
        },
    )
    b["health.birth"] = (
        count(born_1996),
        lambda i, k: {
            "certificate_no": f"{chr(75 + (i % 10))}33{i:08d}",
            "birth_date": _date(p.birth, i),
            **({"father_name": p.names[p.father[i]]} if p.father[i] >= 0 else {}),
            **({"mother_name": p.names[p.mother[i]]} if p.mother[i] >= 0 else {}),
        },
    )
    b["ca.marriage"] = (
        count(p.spouse >= 0),
        lambda i, k: {
            "status": "married",
            "spouse_name": p.names[p.spouse[i]],
            "registered_on": _date(married_on, i),
            "certificate_no": f"J{p.regions[couple[i]]}-{str(married_on[i])[:4]}-{couple[i]:07d}",
        },
    )
    b["nr.real_estate"] = (
        count(owner),
        lambda i, k: {
            "certificate_no": f"浙({2005 + i % 20})不动产权第{i:07d}号",
            "location": p.addresses[i],
            "area_m2": f"{50 + 100 * u[17][i]:.2f}",
            "registered_on": _date(owned_on, i),
            **({"co_owner": p.names[p.spouse[i]]} if p.spouse[i] >= 0 else {}),
        },
    )
    b["psb.vehicle"] = (
        vehicles,
        lambda i, k: {
            "plate": plate(i, k),
            "model": models[(i + k) % len(models)],
            "registered_on": _date(vehicle_on, i),
        },
    )
    b["psb.driving_licence"] = (
        count(licence),
        lambda i, k: {
            "licence_class": "A2" if u[19][i] < 0.04 else "C1",
            "issued_on": _date(licence_on, i),
            "valid_until": _date(licence_until, i),
            "points": int(u[20][i] * 12) % 13,
        },
    )
    b["psb.traffic_violations"] = (
        count(violations),
        lambda i, k: {
            "violations_12m": 1 + int(u[21][i] * 5),
            "fines_yuan": 100 * (1 + int(u[21][i] * 5)),
            "unresolved": int(u[21][i] < 0.2),
        },
    )
    b["psb.no_criminal_record"] = (
        count(adult),
        lambda i, k: {"status": "on_record" if criminal[i] else "none", "checked_on": str(REF)},
    )
    b["trans.ride_hailing_driver"] = (
        count(ride),
        lambda i, k: {
            "certificate_no": f"330{i:012d}",
            "issued_on": _date(ride_on, i),
            "valid_until": _date(ride_until, i),
        },
    )
    b["edu.degree"] = (
        count(degree),
        lambda i, k: {
            "level": str(level[i]),
            "institution": schools[i % len(schools)],
            "graduated_on": f"{int(birth_year[i]) + 22}-06-30",
        },
    )
    b["hrss.social_insurance"] = (
        count(insured | retired),
        lambda i, k: {
            "status": "paying" if insured[i] else "retired",
            "months_paid": int(min(age[i] - 18, 40) * 12 * (0.5 + u[23][i] / 2)),
            "monthly_base_yuan": 4462 + int(u[23][i] * 20000),
            "employer": "灵活就业人员" if u[22][i] < 0.15 else "在职",
            "address": p.addresses[pick[i]] if moved[i] else p.addresses[i],
        },
    )
    b["hrss.qualification"] = (
        count((age >= 22) & (age <= 60) & (u[17] > 0.92)),
        lambda i, k: {"title": jobs[i % len(jobs)], "level": 1 + i % 5, "certificate_no": f"S{i:012d}"},
    )
    b["hsa.medical_insurance"] = (
        count(u[18] < 0.97),
        lambda i, k: {
            "scheme": "employee" if (insured[i] or retired[i]) else "resident",
            "status": "active",
            "since": _date(p.birth, i) if age[i] < 14 else "2012-01-01",
        },
    )
    b["hpf.provident_fund"] = (
        count(fund),
        lambda i, k: {
            "status": "depositing",
            "balance_yuan": int(u[19][i] * 200000),
            "monthly_yuan": 300 + int(u[20][i] * 3000),
        },
    )
    b["tax.income_tax"] = (
        count(taxed),
        lambda i, k: {
            "year": 2024,
            "income_yuan": 60000 + int(u[21][i] ** 2 * 600000),
            "tax_yuan": int(u[21][i] ** 2 * 90000),
        },
    )
    b["hurd.housing_contract"] = (
        count(contract),
        lambda i, k: {
            "contract_no": f"YS{i:010d}",
            "price_yuan": 1_000_000 + int(u[22][i] * 5_000_000),
            "filed_on": f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}",
        },
    )
    b["em.special_operations"] = (
        count(adult & (age <= 60) & p.male & (u[16] > 0.975)),
        lambda i, k: {
            "operation": ("电工作业", "焊接与热切割作业", "高处作业")[i % 3],
            "valid_until": f"{2026 + i % 6}-12-31",
        },
    )
    b["ct.tour_guide"] = (
        count((age >= 22) & (age <= 50) & (u[15] > 0.998)),
        lambda i, k: {"guide_no": f"D-3300-{i:06d}", "language": ("中文", "英语", "日语")[i % 3]},
    )
    b["fin.accountant"] = (
        count(degree & (u[14] > 0.95)),
        lambda i, k: {"level": ("初级", "中级", "高级")[i % 3], "obtained_on": f"{2000 + i % 25}-09-01"},
    )
    b["bdb.real_name"] = (
        count(p.phone),
        lambda i, k: {"level": "L3" if u[13][i] < 0.3 else "L2", "verified_on": f"{2019 + i % 7}-{1 + i % 12:02d}-15"},
    )
    b["court.dishonest_debtor"] = (
        count(adult & (u[12] > 0.997)),
        lambda i, k: {
            "case_no": f"(2024)浙0{i % 10}执{i % 9000 + 1000}号",
            "amount_yuan": 10000 + int(u[11][i] * 500000),
            "published_on": "2024-10-08",
        },
    )
    b["agri.land_contract"] = (
        count((age >= 30) & (u[11] > 0.92)),
        lambda i, k: {"contract_no": f"{p.regions[i]}{i:08d}J", "area_mu": f"{0.5 + 5 * u[10][i]:.1f}"},
    )
    b["dpf.disability"] = (
        count(u[10] > 0.98),
        lambda i, k: {
            "category": ("视力", "听力", "言语", "肢体", "智力", "精神")[i % 6],
            "grade": 1 + i % 4,
            "certificate_no": f"{i:010d}{1 + i % 4}",
        },
    )
    b["va.veteran"] = (
        count(p.male & (age >= 22) & (u[9] > 0.97)),
        lambda i, k: {"discharged_on": _date(discharged_on, i), "branch": ("陆军", "海军", "空军", "火箭军")[i % 4]},
    )
    b["ca.subsistence"] = (
        count((role == "head") & (u[8] > 0.99)),
        lambda i, k: {"monthly_yuan": 1000 + i % 300, "since": f"{2015 + i % 10}-01-01"},
    )
    b["jus.community_correction"] = (
        count(adult & (u[7] > 0.9995)),
        lambda i, k: {"started_on": "2025-03-01", "ends_on": "2026-09-01"},
    )
    return b
