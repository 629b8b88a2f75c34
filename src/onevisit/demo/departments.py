"""The provincial departments whose data the public data platform shares.

Zhejiang's "At Most One Visit" reform works because these departments answer each other's
questions instead of sending the citizen to fetch certificates. Codes are stable
(``ZJ-PSB``) because other modules, catalogue entries and tests refer to them by code.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from onevisit.identity.models import Department
from onevisit.identity.regions import PROVINCE_CODE


@dataclass(frozen=True, slots=True)
class DepartmentSpec:
    code: str
    name_zh: str
    name_en: str


_D = DepartmentSpec
DEPARTMENTS: tuple[DepartmentSpec, ...] = (
    _D("ZJ-PSB", "浙江省公安厅", "Zhejiang Provincial Department of Public Security"),
    _D("ZJ-CA", "浙江省民政厅", "Zhejiang Provincial Department of Civil Affairs"),
    _D("ZJ-HRSS", "浙江省人力资源和社会保障厅",
       "Zhejiang Provincial Department of Human Resources and Social Security"),
    _D("ZJ-NR", "浙江省自然资源厅", "Zhejiang Provincial Department of Natural Resources"),
    _D("ZJ-HURD", "浙江省住房和城乡建设厅",
       "Zhejiang Provincial Department of Housing and Urban-Rural Development"),
    _D("ZJ-TAX", "国家税务总局浙江省税务局", "Zhejiang Provincial Tax Service, State Taxation Administration"),
    _D("ZJ-AMR", "浙江省市场监督管理局", "Zhejiang Provincial Administration for Market Regulation"),
    _D("ZJ-HEALTH", "浙江省卫生健康委员会", "Health Commission of Zhejiang Province"),
    _D("ZJ-TRANS", "浙江省交通运输厅", "Zhejiang Provincial Department of Transportation"),
    _D("ZJ-EDU", "浙江省教育厅", "Zhejiang Provincial Department of Education"),
    _D("ZJ-HSA", "浙江省医疗保障局", "Zhejiang Provincial Healthcare Security Administration"),
    _D("ZJ-HPF", "浙江省省级住房公积金管理中心", "Zhejiang Provincial Housing Provident Fund Management Centre"),
    _D("ZJ-JUS", "浙江省司法厅", "Zhejiang Provincial Department of Justice"),
    _D("ZJ-EE", "浙江省生态环境厅", "Zhejiang Provincial Department of Ecology and Environment"),
    _D("ZJ-EM", "浙江省应急管理厅", "Zhejiang Provincial Department of Emergency Management"),
    _D("ZJ-CT", "浙江省文化和旅游厅", "Zhejiang Provincial Department of Culture and Tourism"),
    _D("ZJ-FIN", "浙江省财政厅", "Zhejiang Provincial Department of Finance"),
    _D("ZJ-BDB", "浙江省大数据发展管理局", "Zhejiang Provincial Big Data Development Administration"),
    _D("ZJ-COURT", "浙江省高级人民法院", "Zhejiang High People's Court"),
    _D("ZJ-COM", "浙江省商务厅", "Zhejiang Provincial Department of Commerce"),
    _D("ZJ-AGRI", "浙江省农业农村厅", "Zhejiang Provincial Department of Agriculture and Rural Affairs"),
    _D("ZJ-STATS", "浙江省统计局", "Zhejiang Provincial Bureau of Statistics"),
    _D("ZJ-DPF", "浙江省残疾人联合会", "Zhejiang Disabled Persons' Federation"),
    _D("ZJ-DRC", "浙江省发展和改革委员会", "Zhejiang Provincial Development and Reform Commission (public credit)"),
    _D("ZJ-WR", "浙江省水利厅", "Zhejiang Provincial Department of Water Resources"),
    _D("ZJ-VA", "浙江省退役军人事务厅", "Zhejiang Provincial Department of Veterans Affairs"),
    _D("ZJ-EIT", "浙江省经济和信息化厅",
       "Zhejiang Provincial Department of Economy and Information Technology"),
)


def ensure_departments(session: Session) -> int:
    """Adds the departments not yet present (by code); returns how many were added.

    One multi-row insert rather than ``register_department`` per row: the seed records a
    single audit event for the whole load.
    """
    existing = set(session.scalars(select(Department.code)))
    missing = [
        {"code": d.code, "name_zh": d.name_zh, "name_en": d.name_en, "region_code": PROVINCE_CODE}
        for d in DEPARTMENTS
        if d.code not in existing
    ]
    if missing:
        session.execute(insert(Department), missing)
    return len(missing)
