"""The facts a policy's rule may read about an enterprise, and where each comes from.

Most come from the datahub (a field of a department's enterprise item, or whether the
enterprise has a record of an item at all); ``industry`` and ``region_code`` come from the
enterprise register (``identity``). Employee facts arrive aggregated per enterprise by the
department that holds them (insured employees, young employees from social insurance).
The register also gives ``employees`` and ``established_on`` (the datahub's business
registration and size items are copies of the same register). A rule naming anything
else is refused by the rules module with its pointed error ("unknown field … did you
mean …").
"""

from __future__ import annotations

from dataclasses import dataclass

from onevisit import rules
from onevisit.datahub import Column
from onevisit.rules.schema import field_type


@dataclass(frozen=True, slots=True)
class PolicyField:
    name: str
    type: str
    item: str | None  # datahub item; None: the enterprise register
    field: str | None  # the item's field; None: "has a record of the item"
    label_zh: str
    label_en: str


_F = PolicyField
FIELDS: tuple[PolicyField, ...] = (
    _F("industry", "text", None, "industry", "行业门类", "Industry section (GB/T 4754)"),
    _F("region_code", "text", None, "region_code", "所在地区划代码", "Region code"),
    _F("employees", "integer", None, "employees", "从业人员数", "Employees"),
    _F("size_class", "text", "stats.enterprise_size", "size", "企业规模", "Size class (micro/small/medium/large)"),
    _F("established_on", "date", None, "established_on", "成立日期", "Established on"),
    _F(
        "registered_capital_yuan",
        "integer",
        "amr.business_registration",
        "registered_capital_yuan",
        "注册资本(元)",
        "Registered capital (yuan)",
    ),
    _F("registration_status", "text", "amr.business_registration", "status", "登记状态", "Registration status"),
    _F("tax_rating", "text", "tax.enterprise_credit", "rating", "纳税信用等级", "Tax credit rating (A–D)"),
    _F("credit_rating", "text", "drc.public_credit", "rating", "公共信用评价", "Public credit rating"),
    _F("red_list", "boolean", "drc.public_credit", "red_list", "守信红名单", "On the red list"),
    _F("black_list", "boolean", "drc.public_credit", "black_list", "失信黑名单", "On the black list"),
    _F("srdi_level", "text", "eit.srdi_sme", "level", "专精特新级别", "Specialised and innovative SME level"),
    _F("foreign_trade", "boolean", "com.foreign_trade", None, "外贸经营者备案", "Filed as a foreign trade operator"),
    _F("high_tech", "boolean", "eit.high_tech_enterprise", None, "高新技术企业", "Certified high-tech enterprise"),
    _F(
        "insured_employees",
        "integer",
        "hrss.enterprise_insurance",
        "insured_employees",
        "参保职工人数",
        "Employees insured",
    ),
    _F(
        "insured_employees_last_year",
        "integer",
        "hrss.enterprise_insurance",
        "insured_last_year",
        "上年参保职工人数",
        "Employees insured a year earlier",
    ),
    _F(
        "young_employees",
        "integer",
        "hrss.enterprise_insurance",
        "young_employees",
        "35岁以下参保职工",
        "Insured employees under 35",
    ),
    _F("layoffs", "integer", "hrss.enterprise_insurance", "layoffs", "上年裁员人数", "Layoffs last year"),
    _F(
        "unemployment_contributions_fen",
        "integer",
        "hrss.enterprise_insurance",
        "unemployment_contributions_fen",
        "上年失业保险缴费(分)",
        "Unemployment insurance paid last year (fen)",
    ),
    _F("revenue_yuan", "integer", "tax.enterprise_finance", "revenue_yuan", "营业收入(元)", "Revenue (yuan)"),
    _F(
        "revenue_last_year_yuan",
        "integer",
        "tax.enterprise_finance",
        "revenue_last_year_yuan",
        "上年营业收入(元)",
        "Revenue a year earlier (yuan)",
    ),
    _F("rd_expense_yuan", "integer", "tax.enterprise_finance", "rd_expense_yuan", "研发费用(元)", "R&D expense (yuan)"),
    _F("tax_paid_yuan", "integer", "tax.enterprise_finance", "tax_paid_yuan", "纳税额(元)", "Tax paid (yuan)"),
    _F("rent_yuan", "integer", "tax.enterprise_finance", "rent_yuan", "年租金(元)", "Rent paid (yuan)"),
)
BY_NAME = {f.name: f for f in FIELDS}
SCHEMA = rules.Schema(rules.Field(f.name, field_type(f.type), label_zh=f.label_zh, label_en=f.label_en) for f in FIELDS)


def datahub_columns(names: list[str]) -> list[Column]:
    """The datahub columns needed for these fields (register fields need none)."""
    return [Column(f.name, f.item, f.field, f.type) for f in (BY_NAME[n] for n in names) if f.item is not None]
