"""What the datahub's staff pages share: the department a page is about (a province
administrator may pick any), permission names, option lists for the forms."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from onevisit.datahub.services.ownership import is_province_admin
from onevisit.identity.models import Department
from onevisit.kernel.actors import Principal
from onevisit.kernel.i18n import N_

STAFF = "staff.portal"
MANAGE = "datahub.manage"

SUBJECT_OPTIONS = [("person", N_("People, by resident ID number")), ("enterprise", N_("Enterprises, by credit code"))]
SHARING_OPTIONS = [
    ("unconditional", N_("Unconditional: every department may read it for a registered use")),
    ("conditional", N_("Conditional: the department approves each requesting use")),
    ("not_shared", N_("Not shared: only this department reads it")),
]
FREQUENCY_OPTIONS = [
    ("realtime", N_("Real time")),
    ("daily", N_("Daily")),
    ("weekly", N_("Weekly")),
    ("monthly", N_("Monthly")),
    ("quarterly", N_("Quarterly")),
    ("yearly", N_("Yearly")),
]
CONNECTOR_OPTIONS = [
    ("csv", N_("CSV files")),
    ("excel", N_("Excel workbooks")),
    ("sql", N_("A SQL database")),
    ("http", N_("An HTTP JSON service")),
    ("own_table", N_("A table in OneVisit's database")),
]
TYPE_OPTIONS = [
    ("string", N_("Text")),
    ("integer", N_("Whole number")),
    ("decimal", N_("Decimal number")),
    ("date", N_("Date")),
    ("boolean", N_("Yes or no")),
]


def department_scope(
    session: Session, principal: Principal, wanted: str | None
) -> tuple[Department | None, list[Department]]:
    """(the department the page shows, the departments to choose from — only for a
    province administrator, who may look at any; everyone else sees their own)."""
    own = session.get(Department, principal.department_id) if principal.department_id else None
    if not is_province_admin(principal):
        return own, []
    departments = list(session.scalars(select(Department).order_by(Department.code)))
    if wanted:
        return next((d for d in departments if d.code == wanted), own), departments
    return own, departments
