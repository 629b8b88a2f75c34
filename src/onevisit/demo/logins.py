"""The fixed demo logins: who they are, their ID numbers and passwords.

They are ordinary members of the generated population (the generator places them in the
first households), but their ID numbers are fixed rather than random, so the README and
``docs/demo.md`` can print them and they work whatever ``--seed`` was used. Names, phones
and addresses still come from the seed. Passwords are public by design: this is a demo.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from onevisit.identity.idnumbers import make_id_number
from onevisit.identity.permissions import Role

CITIZEN_PASSWORD = "demo-citizen-2026"  # noqa: S105 - documented demo password
ENTERPRISE_PASSWORD = "demo-enterprise-2026"  # noqa: S105 - documented demo password
CLERK_PASSWORD = "demo-clerk-2026"  # noqa: S105 - documented demo password
ADMIN_PASSWORD = "demo-admin-2026"  # noqa: S105 - documented demo password


@dataclass(frozen=True, slots=True)
class DemoLogin:
    """One demo account; ``row`` is its position in the generated population."""

    key: str
    label: str
    row: int
    gender: str
    household_region: str
    birth_region: str
    birth_date: dt.date
    sequence: int
    password: str
    department_code: str | None = None
    role: str | None = None
    title: str = ""

    @property
    def id_number(self) -> str:
        return make_id_number(self.birth_region, self.birth_date, self.sequence)


def _clerk(
    row: int, key: str, label: str, department: str, *, gender: str, region: str, birth: dt.date, seq: int,
    birth_region: str | None = None,
) -> DemoLogin:
    return DemoLogin(
        key=key, label=label, row=row, gender=gender, household_region=region, birth_region=birth_region or region,
        birth_date=birth, sequence=seq, password=CLERK_PASSWORD, department_code=department,
        role=Role.CLERK, title="科员",
    )


#: Household 0 is the citizen's family: rows 0 (citizen), 1 (spouse, who runs the demo
#: enterprise) and 2 (their child, who has no login). Rows 3–10 are single adults on staff.
DEMO_LOGINS: tuple[DemoLogin, ...] = (
    DemoLogin(
        key="citizen", label="Citizen", row=0, gender="M", household_region="330106",
        birth_region="330106", birth_date=dt.date(1988, 3, 15), sequence=31, password=CITIZEN_PASSWORD,
    ),
    DemoLogin(
        key="enterprise", label="Enterprise representative", row=1, gender="F",
        household_region="330106", birth_region="330782", birth_date=dt.date(1990, 6, 8), sequence=42,
        password=ENTERPRISE_PASSWORD,
    ),
    _clerk(3, "clerk-psb", "Clerk, public security", "ZJ-PSB",
           gender="M", region="330102", birth=dt.date(1985, 11, 2), seq=115),
    _clerk(4, "clerk-tax", "Clerk, taxation", "ZJ-TAX",
           gender="F", region="330105", birth=dt.date(1992, 1, 20), seq=226),
    _clerk(5, "clerk-nr", "Clerk, natural resources", "ZJ-NR",
           gender="M", region="330108", birth=dt.date(1983, 8, 30), seq=317),
    _clerk(6, "clerk-housing", "Clerk, housing", "ZJ-HURD",  # born in 余杭市: the old code stays on the card
           gender="F", region="330110", birth=dt.date(1994, 4, 12), seq=408, birth_region="330184"),
    _clerk(7, "clerk-amr", "Clerk, market regulation", "ZJ-AMR",  # born in 萧山市
           gender="M", region="330109", birth=dt.date(1987, 9, 5), seq=519, birth_region="330181"),
    _clerk(8, "clerk-hrss", "Clerk, human resources", "ZJ-HRSS",
           gender="F", region="330106", birth=dt.date(1991, 12, 24), seq=620),
    DemoLogin(
        key="admin", label="Administrator", row=9, gender="M", household_region="330106",
        birth_region="330106", birth_date=dt.date(1980, 5, 1), sequence=713, password=ADMIN_PASSWORD,
        department_code="ZJ-BDB", role=Role.ADMINISTRATOR, title="系统管理员",
    ),
    # gas and broadband transfers of the second-hand housing bundle are reviewed here
    _clerk(10, "clerk-eit", "Clerk, economy and information technology", "ZJ-EIT",
           gender="F", region="330105", birth=dt.date(1993, 7, 9), seq=824),
)

#: Rows of household 0 and how many single adults follow it: the generator reserves them.
FAMILY_ROWS = (0, 1, 2)
CHILD_ROW = 2
CHILD_BIRTH_YEAR = 2017
STAFF_ROWS = tuple(login.row for login in DEMO_LOGINS if login.row > CHILD_ROW)
RESERVED_ROWS = len(FAMILY_ROWS) + len(STAFF_ROWS)
ENTERPRISE_REP_ROW = 1
