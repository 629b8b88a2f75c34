"""Demo policies: the facts they read, eleven realistic policies, matched at seed time.

Three enterprise items join the datahub for them — social insurance aggregates (HRSS),
financial figures from tax returns (tax), high-tech certification (EIT) — generated from the
seeded enterprises (size, industry). Then eleven policies of the kinds Qinqing Online pays
(rental subsidies for employees, employment-stabilisation refunds, R&D incentives, start-up
grants, hardship relief, youth hiring, export, SRDI rewards, A-rated taxpayers, rent relief,
green manufacturing) are drafted by their departments, published and matched against every
enterprise, so the demo enterprise's legal representative finds offers waiting (and an SMS
on /dev/messages). The demo enterprise (enterprise 0) is given facts that make it eligible
for several of them.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sqlalchemy import select, text

from onevisit.datahub.models import CatalogItem
from onevisit.datahub.services import catalogue, records
from onevisit.identity.models import Department
from onevisit.kernel.actors import ActorKind, Principal, system_actor
from onevisit.kernel.platform import Platform
from onevisit.kernel.uow import UnitOfWork
from onevisit.policies import PolicyDraft, create_policy, match, publish

#: (item code, department, zh, en, fields as (name, type, zh, en))
POLICY_ITEMS: tuple[tuple[str, str, str, str, tuple[tuple[str, str, str, str], ...]], ...] = (
    (
        "hrss.enterprise_insurance",
        "ZJ-HRSS",
        "企业参保汇总",
        "Enterprise social insurance summary",
        (
            ("insured_employees", "integer", "参保职工人数", "Employees insured"),
            ("insured_last_year", "integer", "上年参保职工人数", "Employees insured a year earlier"),
            ("young_employees", "integer", "35岁以下参保职工", "Insured employees under 35"),
            ("layoffs", "integer", "上年裁员人数", "Layoffs last year"),
            ("unemployment_contributions_fen", "integer", "上年失业保险缴费(分)", "Unemployment insurance paid (fen)"),
        ),
    ),
    (
        "tax.enterprise_finance",
        "ZJ-TAX",
        "企业财务指标(纳税申报)",
        "Enterprise financial figures (tax returns)",
        (
            ("year", "integer", "年度", "Year"),
            ("revenue_yuan", "integer", "营业收入(元)", "Revenue (yuan)"),
            ("revenue_last_year_yuan", "integer", "上年营业收入(元)", "Revenue a year earlier (yuan)"),
            ("rd_expense_yuan", "integer", "研发费用(元)", "R&D expense (yuan)"),
            ("tax_paid_yuan", "integer", "纳税额(元)", "Tax paid (yuan)"),
            ("rent_yuan", "integer", "年租金(元)", "Rent paid (yuan)"),
        ),
    ),
    (
        "eit.high_tech_enterprise",
        "ZJ-EIT",
        "高新技术企业认定",
        "High-tech enterprise certification",
        (
            ("certificate_no", "string", "证书编号", "Certificate number"),
            ("valid_until", "date", "有效期至", "Valid until"),
        ),
    ),
)


@dataclass(frozen=True, slots=True)
class DemoPolicy:
    department: str
    code: str
    title: str
    summary: str
    eligibility: str
    benefit: str
    budget_yuan: int
    recurrence: str = "once"
    legal_basis: str = ""


DEMO_POLICIES: tuple[DemoPolicy, ...] = (
    DemoPolicy(
        "ZJ-HRSS",
        "rent-subsidy",
        "小微企业员工租房补贴",
        "每名参保职工补贴500元，每家企业最高5万元。",
        "employees BETWEEN 5 AND 300 AND insured_employees >= 0.8 * employees AND region_code LIKE '33%'",
        "LEAST(insured_employees * 50000, 5000000)",
        50_000_000,
        legal_basis="浙人社发〔2026〕12号",
    ),
    DemoPolicy(
        "ZJ-HRSS",
        "stable-jobs-refund",
        "失业保险稳岗返还",
        "不裁员或少裁员的企业，返还上年失业保险费的60%（大型企业30%）。",
        "layoffs = 0 AND insured_employees >= 1 AND unemployment_contributions_fen > 0",
        "CASE WHEN employees <= 300 THEN FLOOR(unemployment_contributions_fen * 0.6) "
        "ELSE FLOOR(unemployment_contributions_fen * 0.3) END",
        80_000_000,
        legal_basis="人社部发〔2024〕40号",
    ),
    DemoPolicy(
        "ZJ-EIT",
        "rd-incentive",
        "高新技术企业研发费用补助",
        "研发投入占营业收入3%以上的高新技术企业，按研发费用10%补助，最高50万元。",
        "high_tech AND rd_expense_yuan >= 0.03 * revenue_yuan AND revenue_yuan > 0",
        "LEAST(FLOOR(rd_expense_yuan * 100 * 0.1), 50000000)",
        200_000_000,
    ),
    DemoPolicy(
        "ZJ-HRSS",
        "startup-grant",
        "初创企业一次性创业补贴",
        "成立不满3年且吸纳参保就业的初创企业，补贴5000元（3人以上1万元）。",
        "YEARS_BETWEEN(established_on, TODAY()) < 3 AND insured_employees >= 1",
        "CASE WHEN insured_employees >= 3 THEN 1000000 ELSE 500000 END",
        20_000_000,
    ),
    DemoPolicy(
        "ZJ-FIN",
        "hardship-relief",
        "困难小微企业纾困资金",
        "营业收入同比下降20%以上且未裁员的小微企业，每名参保职工1000元，最高2万元。",
        "employees < 100 AND revenue_yuan < 0.8 * revenue_last_year_yuan AND layoffs = 0",
        "LEAST(insured_employees * 100000, 2000000)",
        10_000_000,
    ),
    DemoPolicy(
        "ZJ-HRSS",
        "youth-hiring",
        "吸纳青年就业补贴",
        "吸纳35岁以下青年参保就业3人以上的企业，每人1500元，每年最高3万元。",
        "young_employees >= 3",
        "LEAST(young_employees * 150000, 3000000)",
        30_000_000,
        recurrence="yearly",
    ),
    DemoPolicy(
        "ZJ-COM",
        "export-insurance",
        "外贸企业出口信用保险补助",
        "已备案外贸企业，按营业收入0.1%补助，最高10万元。",
        "foreign_trade AND revenue_yuan >= 1000000",
        "LEAST(FLOOR(revenue_yuan * 100 * 0.001), 10000000)",
        30_000_000,
    ),
    DemoPolicy(
        "ZJ-EIT",
        "srdi-reward",
        "专精特新中小企业奖励",
        "国家级奖励100万元，省级奖励30万元。",
        "srdi_level IS NOT NULL AND NOT COALESCE(black_list, FALSE)",
        "CASE WHEN srdi_level = '国家级' THEN 100000000 ELSE 30000000 END",
        100_000_000,
    ),
    DemoPolicy(
        "ZJ-TAX",
        "a-taxpayer-reward",
        "纳税信用A级小微企业奖励",
        "纳税信用A级、纳税5万元以上的小微企业，按纳税额2%奖励，最高2万元。",
        "tax_rating = 'A' AND employees < 100 AND tax_paid_yuan >= 50000",
        "LEAST(FLOOR(tax_paid_yuan * 100 * 0.02), 2000000)",
        10_000_000,
    ),
    DemoPolicy(
        "ZJ-FIN",
        "sme-rent-relief",
        "小微企业房租补贴（按季）",
        "小微企业按季度获得房租10%的补贴，每季最高3万元。",
        "size_class IN ('micro', 'small') AND rent_yuan > 0 AND NOT COALESCE(black_list, FALSE)",
        "LEAST(FLOOR(rent_yuan * 100 * 0.1 / 4), 3000000)",
        40_000_000,
        recurrence="quarterly",
    ),
    DemoPolicy(
        "ZJ-EE",
        "green-manufacturing",
        "绿色制造企业奖励",
        "营业收入500万元以上、纳税信用A或B级的制造业企业，奖励20万元。",
        "industry = 'C' AND revenue_yuan >= 5000000 AND tax_rating IN ('A', 'B')",
        "20000000",
        50_000_000,
    ),
)


@dataclass
class PoliciesSeedReport:
    policies: int = 0
    offers: int = 0
    timings: dict[str, float] = field(default_factory=dict)


def ensure_policy_items(uow: UnitOfWork) -> dict[str, CatalogItem]:
    """Registers the three enterprise items policies read (once)."""
    found: dict[str, CatalogItem] = {}
    for code, department, zh, en, fields in POLICY_ITEMS:
        item = uow.session.scalar(select(CatalogItem).where(CatalogItem.code == code))
        if item is None:
            source = catalogue.register_source(
                uow,
                department_code=department,
                code=f"{code}.db",
                name=en,
                connector="own_table",
                config={"table": "datahub_records"},
            )
            item = catalogue.register_item(
                uow,
                source_code=source.code,
                code=code,
                name_zh=zh,
                name_en=en,
                subject_kind="enterprise",
                sharing="unconditional",
                frequency="yearly",
                fields=[
                    {"name": n, "type": t, "label_zh": z, "label_en": e, "required": True} for n, t, z, e in fields
                ],
            )
        found[code] = item
    return found


def enterprise_fact_rows(
    rng: np.random.Generator, firms: list[tuple[Any, ...]], year: int
) -> dict[str, list[tuple[bytes, dict[str, Any]]]]:
    """Records for each policy item: ``firms`` rows are (credit code, employees, industry), in id order."""
    m = len(firms)
    u = rng.random((10, m))
    employees = np.array([int(f[1]) for f in firms], dtype=np.int64)
    industry = np.array([f[2] for f in firms]) if m else np.array([], dtype=str)
    insured = np.maximum(0, np.round(employees * (0.6 + 0.4 * u[0]))).astype(np.int64)
    last_year = np.maximum(0, np.round(insured * (0.85 + 0.3 * u[1]))).astype(np.int64)
    young = np.round(insured * (0.1 + 0.5 * u[2])).astype(np.int64)
    layoffs = np.where(u[3] < 0.12, np.ceil(employees * 0.1 * u[4]), 0).astype(np.int64)
    contributions = insured * 36_000
    revenue = np.round(employees * (200_000 + 1_000_000 * u[5])).astype(np.int64)
    revenue_before = np.round(revenue * (0.7 + 0.6 * u[6])).astype(np.int64)
    innovative = np.isin(industry, ["C", "I", "M"])
    rd = np.round(revenue * np.where(innovative, 0.1 * u[7], 0.02 * u[7])).astype(np.int64)
    tax = np.round(revenue * (0.01 + 0.05 * u[8])).astype(np.int64)
    rent = np.round(employees * (5_000 + 15_000 * u[9])).astype(np.int64)
    high_tech = innovative & (u[7] > 0.6)
    if m:  # enterprise 0: the demo representative's trading company, in a hard year
        insured[0], last_year[0], young[0], layoffs[0] = employees[0], employees[0], 4, 0
        contributions[0] = insured[0] * 36_000
        revenue[0], revenue_before[0], rd[0], tax[0], rent[0] = 3_000_000, 4_200_000, 20_000, 90_000, 120_000
    out: dict[str, list[tuple[bytes, dict[str, Any]]]] = {code: [] for code, *_ in POLICY_ITEMS}
    for i, firm in enumerate(firms):
        key = str(firm[0]).encode("ascii")
        out["hrss.enterprise_insurance"].append(
            (
                key,
                {
                    "insured_employees": int(insured[i]),
                    "insured_last_year": int(last_year[i]),
                    "young_employees": int(young[i]),
                    "layoffs": int(layoffs[i]),
                    "unemployment_contributions_fen": int(contributions[i]),
                },
            )
        )
        out["tax.enterprise_finance"].append(
            (
                key,
                {
                    "year": year - 1,
                    "revenue_yuan": int(revenue[i]),
                    "revenue_last_year_yuan": int(revenue_before[i]),
                    "rd_expense_yuan": int(rd[i]),
                    "tax_paid_yuan": int(tax[i]),
                    "rent_yuan": int(rent[i]),
                },
            )
        )
        if high_tech[i]:
            out["eit.high_tech_enterprise"].append(
                (key, {"certificate_no": f"GR{year - 1}33{i:06d}", "valid_until": f"{year + 2}-12-31"})
            )
    return out


def department_actor(uow: UnitOfWork, code: str) -> Principal:
    department_id = uow.session.scalar(select(Department.id).where(Department.code == code))
    return Principal(
        kind=ActorKind.SYSTEM,
        display_name=f"demo-seed {code}",
        permissions=frozenset({"*"}),
        department_id=department_id,
    )


def seed_policies(platform: Platform, *, seed: int) -> PoliciesSeedReport:
    """Policy facts into the datahub, then the demo policies published and matched."""
    report = PoliciesSeedReport()
    started = time.perf_counter()
    today = platform.clock.now().date()
    with platform.db.engine.connect() as conn:
        firms = [
            tuple(r) for r in conn.execute(text("SELECT credit_code, employees, industry FROM enterprises ORDER BY id"))
        ]
    with platform.uow(system_actor("demo-seed")) as uow:
        items = ensure_policy_items(uow)
        rows = enterprise_fact_rows(np.random.default_rng([seed, 8]), firms, today.year)
        for code, item in items.items():
            records.load(uow, item, rows[code], replace=True)
        uow.audit(
            "demo.seed_policy_facts",
            "datahub_items",
            "policy-facts",
            {"items": sorted(items), "enterprises": len(firms)},
        )
    report.timings["policy-facts"] = time.perf_counter() - started
    started = time.perf_counter()
    for spec in DEMO_POLICIES:
        code = f"{spec.code}-{today.year}"
        with platform.uow(system_actor("demo-seed")) as uow:
            actor = department_actor(uow, spec.department)
        with platform.uow(actor) as uow:
            create_policy(
                uow,
                PolicyDraft(
                    code=code,
                    title=f"{today.year}年{spec.title}",
                    summary=spec.summary,
                    eligibility=spec.eligibility,
                    benefit=spec.benefit,
                    budget_fen=spec.budget_yuan * 100,
                    starts_on=dt.date(today.year, 1, 1),
                    ends_on=dt.date(today.year, 12, 31),
                    recurrence=spec.recurrence,
                    legal_basis=spec.legal_basis,
                ),
            )
            publish(uow, code)
        with platform.uow(actor) as uow:
            report.offers += match(uow, code, as_of=today).new_offers
        report.policies += 1
    report.timings["policies"] = time.perf_counter() - started
    return report
