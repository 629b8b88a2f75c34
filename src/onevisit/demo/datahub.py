"""The demo province's public data platform: 34 catalogue items from all 27 departments,
derived from the seeded population so that every department tells the same story.

Everything is read back from the database the province was just loaded into (people,
family ties, enterprises), so marriage records name the spouse ``person_relations`` holds,
birth records the parents, business registrations the enterprises' own rows, and so on.
Attributes are drawn from one generator seeded with ``(seed, 4)``, indexed by person row,
so the same province always gets the same records. Records are generated in blocks of
people taken in subject-key order and inserted in primary-key order (append-only B-tree
writes), sealed with the vault like any other load.

A few things are planted for the data-quality features: about 2 % of social-insurance
records carry an older contact address than household registration (flagged as a
conflict, never merged), about 1 % of enterprise tax records an older registered address,
and the land-contract source was last loaded 90 days ago although it declares a monthly
update (shown as stale).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import text

from onevisit.datahub.services import catalogue, consents
from onevisit.datahub.services.access import seal_record
from onevisit.datahub.services.records import RECORD_COLUMNS, insert_rows
from onevisit.demo.population import REFERENCE_DATE
from onevisit.demo.progress import Progress
from onevisit.identity.regions import PROVINCE_CODE
from onevisit.kernel.actors import system_actor
from onevisit.kernel.platform import Platform

IntArray = npt.NDArray[np.int64]
BLOCK = 50_000
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

F = tuple[str, str, str, str, str | None]  # name, type, label_zh, label_en, concept


@dataclass(frozen=True, slots=True)
class ItemSpec:
    code: str
    department: str
    name_zh: str
    name_en: str
    subject: str
    sharing: str
    frequency: str
    fields: tuple[F, ...]


def _f(name: str, kind: str, zh: str, en: str, concept: str | None = None) -> F:
    return (name, kind, zh, en, concept)


ADDRESS = _f("address", "string", "住址", "Address", "residential_address")
ITEMS: tuple[ItemSpec, ...] = (
    ItemSpec(
        "psb.household",
        "ZJ-PSB",
        "户籍信息",
        "Household registration",
        "person",
        "unconditional",
        "daily",
        (
            _f("name", "string", "姓名", "Name"),
            _f("gender", "string", "性别", "Sex"),
            _f("birth_date", "date", "出生日期", "Date of birth"),
            _f("region_code", "string", "户籍地区划", "Registered county"),
            ADDRESS,
            _f("role", "string", "与户主关系", "Relation to head of household"),
        ),
    ),
    ItemSpec(
        "health.birth",
        "ZJ-HEALTH",
        "出生医学证明",
        "Birth certificate",
        "person",
        "unconditional",
        "daily",
        (
            _f("certificate_no", "string", "证明编号", "Certificate number"),
            _f("birth_date", "date", "出生日期", "Date of birth"),
            _f("father_name", "string", "父亲姓名", "Father"),
            _f("mother_name", "string", "母亲姓名", "Mother"),
        ),
    ),
    ItemSpec(
        "ca.marriage",
        "ZJ-CA",
        "婚姻登记",
        "Marriage registration",
        "person",
        "conditional",
        "daily",
        (
            _f("status", "string", "婚姻状况", "Status"),
            _f("spouse_name", "string", "配偶姓名", "Spouse"),
            _f("certificate_no", "string", "结婚证字号", "Certificate number"),
            _f("registered_on", "date", "登记日期", "Registered on"),
        ),
    ),
    ItemSpec(
        "nr.real_estate",
        "ZJ-NR",
        "不动产权证书",
        "Real-estate title",
        "person",
        "unconditional",
        "daily",
        (
            _f("certificate_no", "string", "不动产权证号", "Title number"),
            _f("location", "string", "坐落", "Location"),
            _f("area_m2", "decimal", "面积(㎡)", "Area (m²)"),
            _f("co_owner", "string", "共有人", "Co-owner"),
            _f("registered_on", "date", "登簿日期", "Registered on"),
        ),
    ),
    ItemSpec(
        "psb.vehicle",
        "ZJ-PSB",
        "机动车登记",
        "Motor vehicle registration",
        "person",
        "unconditional",
        "daily",
        (
            _f("plate", "string", "号牌号码", "Plate"),
            _f("model", "string", "品牌型号", "Make and model"),
            _f("registered_on", "date", "注册日期", "Registered on"),
        ),
    ),
    ItemSpec(
        "psb.driving_licence",
        "ZJ-PSB",
        "机动车驾驶证",
        "Driving licence",
        "person",
        "unconditional",
        "daily",
        (
            _f("licence_class", "string", "准驾车型", "Class"),
            _f("issued_on", "date", "初领日期", "First issued"),
            _f("valid_until", "date", "有效期至", "Valid until"),
            _f("points", "integer", "记分", "Points"),
        ),
    ),
    ItemSpec(
        "psb.traffic_violations",
        "ZJ-PSB",
        "交通违法记录",
        "Traffic violations",
        "person",
        "unconditional",
        "daily",
        (
            _f("violations_12m", "integer", "近12个月违法次数", "Violations in 12 months"),
            _f("fines_yuan", "integer", "罚款(元)", "Fines (yuan)"),
            _f("unresolved", "integer", "未处理", "Unresolved"),
        ),
    ),
    ItemSpec(
        "psb.no_criminal_record",
        "ZJ-PSB",
        "无犯罪记录",
        "Criminal record status",
        "person",
        "conditional",
        "daily",
        (_f("status", "string", "状态", "Status"), _f("checked_on", "date", "核查日期", "Checked on")),
    ),
    ItemSpec(
        "trans.ride_hailing_driver",
        "ZJ-TRANS",
        "网络预约出租汽车驾驶员证",
        "Online car-hailing driver licence",
        "person",
        "unconditional",
        "weekly",
        (
            _f("certificate_no", "string", "证号", "Certificate number"),
            _f("issued_on", "date", "发证日期", "Issued on"),
            _f("valid_until", "date", "有效期至", "Valid until"),
        ),
    ),
    ItemSpec(
        "edu.degree",
        "ZJ-EDU",
        "学历学位",
        "Education degree",
        "person",
        "unconditional",
        "yearly",
        (
            _f("level", "string", "层次", "Level"),
            _f("institution", "string", "院校", "Institution"),
            _f("graduated_on", "date", "毕业日期", "Graduated on"),
        ),
    ),
    ItemSpec(
        "hrss.social_insurance",
        "ZJ-HRSS",
        "社会保险参保缴费",
        "Social insurance contributions",
        "person",
        "unconditional",
        "monthly",
        (
            _f("status", "string", "参保状态", "Status"),
            _f("months_paid", "integer", "累计缴费月数", "Months paid"),
            _f("monthly_base_yuan", "integer", "缴费基数(元)", "Contribution base (yuan)"),
            _f("employer", "string", "参保单位", "Employer"),
            ADDRESS,
        ),
    ),
    ItemSpec(
        "hrss.qualification",
        "ZJ-HRSS",
        "职业资格证书",
        "Vocational qualification",
        "person",
        "unconditional",
        "monthly",
        (
            _f("title", "string", "职业", "Occupation"),
            _f("level", "integer", "等级", "Level"),
            _f("certificate_no", "string", "证书编号", "Certificate number"),
        ),
    ),
    ItemSpec(
        "hsa.medical_insurance",
        "ZJ-HSA",
        "医疗保险参保",
        "Medical insurance",
        "person",
        "unconditional",
        "monthly",
        (
            _f("scheme", "string", "险种", "Scheme"),
            _f("status", "string", "状态", "Status"),
            _f("since", "date", "参保日期", "Insured since"),
        ),
    ),
    ItemSpec(
        "hpf.provident_fund",
        "ZJ-HPF",
        "住房公积金缴存",
        "Housing provident fund",
        "person",
        "conditional",
        "monthly",
        (
            _f("status", "string", "状态", "Status"),
            _f("balance_yuan", "integer", "余额(元)", "Balance"),
            _f("monthly_yuan", "integer", "月缴存额(元)", "Monthly deposit"),
        ),
    ),
    ItemSpec(
        "tax.income_tax",
        "ZJ-TAX",
        "个人所得税纳税记录",
        "Individual income tax",
        "person",
        "conditional",
        "monthly",
        (
            _f("year", "integer", "年度", "Year"),
            _f("income_yuan", "integer", "收入(元)", "Income"),
            _f("tax_yuan", "integer", "已缴税额(元)", "Tax paid"),
        ),
    ),
    ItemSpec(
        "hurd.housing_contract",
        "ZJ-HURD",
        "商品房买卖合同备案",
        "Housing sale contract filing",
        "person",
        "unconditional",
        "daily",
        (
            _f("contract_no", "string", "备案号", "Filing number"),
            _f("price_yuan", "integer", "成交价(元)", "Price"),
            _f("filed_on", "date", "备案日期", "Filed on"),
        ),
    ),
    ItemSpec(
        "em.special_operations",
        "ZJ-EM",
        "特种作业操作证",
        "Special operations certificate",
        "person",
        "unconditional",
        "monthly",
        (_f("operation", "string", "作业类别", "Operation"), _f("valid_until", "date", "有效期至", "Valid until")),
    ),
    ItemSpec(
        "ct.tour_guide",
        "ZJ-CT",
        "导游证",
        "Tour guide licence",
        "person",
        "unconditional",
        "monthly",
        (_f("guide_no", "string", "导游证号", "Licence number"), _f("language", "string", "语种", "Language")),
    ),
    ItemSpec(
        "fin.accountant",
        "ZJ-FIN",
        "会计专业技术资格",
        "Accounting qualification",
        "person",
        "unconditional",
        "yearly",
        (_f("level", "string", "级别", "Level"), _f("obtained_on", "date", "取得日期", "Obtained on")),
    ),
    ItemSpec(
        "bdb.real_name",
        "ZJ-BDB",
        "实名认证",
        "Real-name authentication",
        "person",
        "unconditional",
        "realtime",
        (_f("level", "string", "认证等级", "Level"), _f("verified_on", "date", "认证日期", "Verified on")),
    ),
    ItemSpec(
        "court.dishonest_debtor",
        "ZJ-COURT",
        "失信被执行人",
        "Dishonest judgment debtor",
        "person",
        "unconditional",
        "daily",
        (
            _f("case_no", "string", "案号", "Case number"),
            _f("amount_yuan", "integer", "执行标的(元)", "Amount owed"),
            _f("published_on", "date", "发布日期", "Published on"),
        ),
    ),
    ItemSpec(
        "agri.land_contract",
        "ZJ-AGRI",
        "农村土地承包经营权",
        "Rural land contract",
        "person",
        "unconditional",
        "monthly",
        (_f("contract_no", "string", "合同编号", "Contract number"), _f("area_mu", "decimal", "面积(亩)", "Area (mu)")),
    ),
    ItemSpec(
        "dpf.disability",
        "ZJ-DPF",
        "残疾人证",
        "Disability certificate",
        "person",
        "conditional",
        "monthly",
        (
            _f("category", "string", "残疾类别", "Category"),
            _f("grade", "integer", "等级", "Grade"),
            _f("certificate_no", "string", "证号", "Certificate number"),
        ),
    ),
    ItemSpec(
        "va.veteran",
        "ZJ-VA",
        "退役军人信息",
        "Veteran status",
        "person",
        "unconditional",
        "monthly",
        (_f("discharged_on", "date", "退役日期", "Discharged on"), _f("branch", "string", "军种", "Branch")),
    ),
    ItemSpec(
        "ca.subsistence",
        "ZJ-CA",
        "最低生活保障",
        "Subsistence allowance",
        "person",
        "conditional",
        "monthly",
        (_f("monthly_yuan", "integer", "月保障金(元)", "Monthly allowance"), _f("since", "date", "起始日期", "Since")),
    ),
    ItemSpec(
        "jus.community_correction",
        "ZJ-JUS",
        "社区矫正",
        "Community correction",
        "person",
        "not_shared",
        "daily",
        (_f("started_on", "date", "开始日期", "Started on"), _f("ends_on", "date", "结束日期", "Ends on")),
    ),
    ItemSpec(
        "amr.business_registration",
        "ZJ-AMR",
        "营业执照登记",
        "Business registration",
        "enterprise",
        "unconditional",
        "daily",
        (
            _f("name", "string", "名称", "Name"),
            _f("kind", "string", "类型", "Type"),
            _f("legal_rep_name", "string", "法定代表人", "Legal representative"),
            _f("registered_capital_yuan", "integer", "注册资本(元)", "Registered capital"),
            _f("established_on", "date", "成立日期", "Established on"),
            _f("address", "string", "住所", "Registered address", "enterprise_address"),
            _f("status", "string", "登记状态", "Status"),
        ),
    ),
    ItemSpec(
        "tax.enterprise_credit",
        "ZJ-TAX",
        "纳税信用等级",
        "Tax credit rating",
        "enterprise",
        "unconditional",
        "yearly",
        (
            _f("year", "integer", "年度", "Year"),
            _f("rating", "string", "等级", "Rating"),
            _f("address", "string", "登记地址", "Registered address", "enterprise_address"),
        ),
    ),
    ItemSpec(
        "drc.public_credit",
        "ZJ-DRC",
        "公共信用评价",
        "Public credit rating",
        "enterprise",
        "unconditional",
        "monthly",
        (
            _f("rating", "string", "评价", "Rating"),
            _f("red_list", "boolean", "红名单", "Red list"),
            _f("black_list", "boolean", "黑名单", "Black list"),
        ),
    ),
    ItemSpec(
        "stats.enterprise_size",
        "ZJ-STATS",
        "企业规模划型",
        "Enterprise size class",
        "enterprise",
        "unconditional",
        "yearly",
        (_f("size", "string", "规模", "Size class"), _f("employees", "integer", "从业人员", "Employees")),
    ),
    ItemSpec(
        "ee.discharge_permit",
        "ZJ-EE",
        "排污许可证",
        "Pollutant discharge permit",
        "enterprise",
        "unconditional",
        "monthly",
        (
            _f("permit_no", "string", "许可证编号", "Permit number"),
            _f("valid_until", "date", "有效期至", "Valid until"),
        ),
    ),
    ItemSpec(
        "wr.water_permit",
        "ZJ-WR",
        "取水许可证",
        "Water abstraction permit",
        "enterprise",
        "unconditional",
        "monthly",
        (
            _f("permit_no", "string", "许可证编号", "Permit number"),
            _f("annual_m3", "integer", "年取水量(m³)", "Annual volume (m³)"),
        ),
    ),
    ItemSpec(
        "com.foreign_trade",
        "ZJ-COM",
        "对外贸易经营者备案",
        "Foreign trade operator filing",
        "enterprise",
        "unconditional",
        "monthly",
        (_f("filing_no", "string", "备案号", "Filing number"), _f("filed_on", "date", "备案日期", "Filed on")),
    ),
    ItemSpec(
        "eit.srdi_sme",
        "ZJ-EIT",
        "专精特新中小企业",
        "Specialised and innovative SME",
        "enterprise",
        "unconditional",
        "yearly",
        (_f("level", "string", "级别", "Level"), _f("recognised_on", "date", "认定日期", "Recognised on")),
    ),
)

#: Named uses of the demo: (code, zh, en, department, requires consent, conditional items approved for it).
USES: tuple[tuple[str, str, str, str | None, bool, tuple[str, ...]], ...] = (
    (
        "nr.second_hand_transfer",
        "二手房转移登记",
        "Second-hand housing transfer",
        "ZJ-NR",
        False,
        ("ca.marriage", "tax.income_tax"),
    ),
    ("hpf.withdrawal", "公积金提取", "Provident fund withdrawal", "ZJ-HPF", False, ("ca.marriage",)),
    (
        "trans.ride_hailing_licence",
        "网约车驾驶员证申领",
        "Car-hailing driver licence application",
        "ZJ-TRANS",
        False,
        ("psb.no_criminal_record",),
    ),
    ("amr.enterprise_change", "企业变更登记", "Enterprise change registration", "ZJ-AMR", False, ()),
    (
        "portal.prefill",
        "办事表单预填",
        "Pre-filling my application forms",
        None,
        True,
        ("ca.marriage", "hpf.provident_fund", "tax.income_tax", "dpf.disability"),
    ),
)
STALE_ITEM = "agri.land_contract"


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


@dataclass
class DatahubSeedReport:
    items: int = 0
    records: int = 0
    timings: dict[str, float] | None = None


def _read_people(platform: Platform) -> _People:
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


def _person_builders(  # noqa: PLR0915 - one builder per catalogue item, side by side
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


@dataclass(slots=True)
class _Firms:
    keys: list[bytes]
    rows: list[tuple[Any, ...]]


def _read_firms(platform: Platform) -> _Firms:
    with platform.db.engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT e.credit_code, e.name, e.kind, p.name, e.registered_capital_fen, e.established_on, e.address, "
                "e.status, e.industry, e.employees FROM enterprises e JOIN persons p ON p.id = e.legal_rep_id "
                "ORDER BY e.credit_code"
            )
        ).all()
    return _Firms([r[0].encode("ascii") for r in rows], [tuple(r) for r in rows])


def _firm_builders(
    rng: np.random.Generator, f: _Firms
) -> dict[str, tuple[IntArray, Callable[[int, int], dict[str, Any]]]]:
    m = len(f.rows)
    u = rng.random((6, m))
    industry = np.array([r[8] for r in f.rows]) if m else np.array([], dtype=str)
    employees = np.array([int(r[9]) for r in f.rows], dtype=np.int64)
    making = industry == "C"
    one = np.ones(m, dtype=np.int64)
    pick = rng.integers(0, max(m, 1), m)

    def size(i: int) -> str:
        e = employees[i]
        return "micro" if e < 10 else "small" if e < 100 else "medium" if e < 300 else "large"

    b: dict[str, tuple[IntArray, Callable[[int, int], dict[str, Any]]]] = {}
    b["amr.business_registration"] = (
        one,
        lambda i, k: {
            "name": f.rows[i][1],
            "kind": f.rows[i][2],
            "legal_rep_name": f.rows[i][3],
            "registered_capital_yuan": int(f.rows[i][4]) // 100,
            "established_on": str(f.rows[i][5])[:10],
            "address": f.rows[i][6],
            "status": f.rows[i][7],
        },
    )
    b["tax.enterprise_credit"] = (
        one,
        lambda i, k: {
            "year": 2024,
            "rating": "ABMCD"[min(int(u[0][i] ** 2 * 5), 4)],
            "address": f.rows[pick[i]][6] if u[1][i] < 0.01 else f.rows[i][6],
        },
    )
    b["drc.public_credit"] = (
        one,
        lambda i, k: {
            "rating": ("优", "良", "中", "差")[min(int(u[2][i] ** 1.5 * 4), 3)],
            "red_list": bool(u[3][i] < 0.03),
            "black_list": bool(u[3][i] > 0.995),
        },
    )
    b["stats.enterprise_size"] = (one, lambda i, k: {"size": size(i), "employees": int(employees[i])})
    b["ee.discharge_permit"] = (
        (making & (u[4] < 0.4)).astype(np.int64),
        lambda i, k: {"permit_no": f"{f.keys[i].decode()}001V", "valid_until": f"{2026 + i % 5}-06-30"},
    )
    b["wr.water_permit"] = (
        (making & (u[4] > 0.85)).astype(np.int64),
        lambda i, k: {
            "permit_no": f"取水(浙)字[{2020 + i % 5}]第{i:05d}号",
            "annual_m3": 10000 + int(u[5][i] * 500000),
        },
    )
    b["com.foreign_trade"] = (
        ((industry == "F") | making).astype(np.int64) * (u[5] < 0.2),
        lambda i, k: {"filing_no": f"0{i:07d}", "filed_on": f"{2010 + i % 15}-05-20"},
    )
    b["eit.srdi_sme"] = (
        (making & (employees >= 10) & (u[2] > 0.95)).astype(np.int64),
        lambda i, k: {"level": "国家级" if u[1][i] < 0.1 else "省级", "recognised_on": f"{2019 + i % 6}-11-01"},
    )
    return b


def _load(  # noqa: PLR0917 - private step of seed_datahub()
    writer_session: Any,
    vault: Any,
    keys: list[bytes],
    builders: dict[str, tuple[IntArray, Callable[[int, int], dict[str, Any]]]],
    item_ids: dict[str, int],
    counts: dict[str, int],
    advance: Callable[[int], None],
) -> int:
    n = len(keys)
    if n == 0:
        return 0
    order = np.argsort(np.array(keys, dtype="S32"), kind="stable")
    specs = sorted(((item_ids[code], code, c, build) for code, (c, build) in builders.items()), key=lambda s: s[0])
    total = 0
    for start in range(0, n, BLOCK):
        block = order[start : start + BLOCK]
        batch: list[tuple[Any, ...]] = []
        for i in block.tolist():
            key = keys[i]
            for item_id, code, c, build in specs:
                for k in range(int(c[i])):
                    batch.append((key, item_id, k, seal_record(vault, build(i, k))))
                    counts[code] += 1
        insert_rows(writer_session, "datahub_records", RECORD_COLUMNS, batch)
        total += len(batch)
        advance(len(block))
    return total


def seed_datahub(platform: Platform, *, seed: int, progress: bool = False) -> DatahubSeedReport:
    """Registers the demo catalogue and loads every item's records (one transaction)."""
    report = DatahubSeedReport()
    rng = np.random.default_rng([seed, 4])
    with Progress(show=progress) as bar:
        with bar.phase("datahub-read", "Reading the population", 1):
            people = _read_people(platform)
            firms = _read_firms(platform)
        uow = platform.uow(system_actor("demo-seed"))
        with uow:
            session = uow.session
            now = uow.clock.now()
            item_ids: dict[str, int] = {}
            items = {}
            for spec in ITEMS:
                source = catalogue.register_source(
                    uow,
                    department_code=spec.department,
                    code=f"{spec.code}.db",
                    name=spec.name_en,
                    connector="own_table",
                    config={"table": "datahub_records"},
                )
                item = catalogue.register_item(
                    uow,
                    source_code=source.code,
                    code=spec.code,
                    name_zh=spec.name_zh,
                    name_en=spec.name_en,
                    subject_kind=spec.subject,
                    sharing=spec.sharing,
                    frequency=spec.frequency,
                    fields=[
                        {
                            "name": n,
                            "type": t,
                            "label_zh": zh,
                            "label_en": en,
                            "concept": c,
                            "required": n not in ("co_owner", "father_name", "mother_name", "spouse_name"),
                        }
                        for n, t, zh, en, c in spec.fields
                    ],
                )
                item_ids[spec.code], items[spec.code] = item.id, item
            for code, zh, en, department, needs_consent, approved in USES:
                catalogue.register_use(
                    uow, code=code, name_zh=zh, name_en=en, department_code=department, requires_consent=needs_consent
                )
                for item_code in approved:
                    catalogue.approve(
                        uow, item_code=item_code, use_code=code, legal_basis="《浙江省公共数据条例》第二十八条"
                    )
            counts = dict.fromkeys(item_ids, 0)
            with bar.phase("datahub-people", "Loading people's records", len(people)) as step:
                report.records = _load(
                    session, platform.vault, people.keys, _person_builders(rng, people), item_ids, counts, step.advance
                )
            with bar.phase("datahub-firms", "Loading enterprises' records", len(firms.keys)) as step:
                report.records += _load(
                    session, platform.vault, firms.keys, _firm_builders(rng, firms), item_ids, counts, step.advance
                )
            for code, item in items.items():
                item.record_count = counts[code]
                item.data_updated_at = now - dt.timedelta(days=90) if code == STALE_ITEM else now
            if people.keys:
                consents.grant(uow, subject_key=people.keys[0], use_code="portal.prefill")
            uow.audit(
                "demo.seed_datahub",
                "region",
                PROVINCE_CODE,
                {"seed": seed, "items": len(ITEMS), "records": report.records},
            )
            started = time.perf_counter()
        bar.timings["datahub-commit"] = time.perf_counter() - started
    report.items = len(ITEMS)
    report.timings = bar.timings
    return report
