"""Roles and the permissions they carry.

Permissions are dotted strings checked by route requirements (``require("staff.portal")``).
Roles are granted to accounts (``RoleGrant``); "citizen" is implied for every account and
"enterprise" for anyone who represents or acts for an enterprise.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping


class Perm:
    CITIZEN_PORTAL = "citizen.portal"
    ENTERPRISE_PORTAL = "enterprise.portal"
    STAFF_PORTAL = "staff.portal"
    ADMIN_PORTAL = "admin.portal"
    AUDIT_READ = "audit.read"
    IDENTITY_MANAGE = "identity.manage"
    LEDGER_READ = "ledger.read"
    DATAHUB_MANAGE = "datahub.manage"
    PAYMENTS_MANAGE = "payments.manage"
    CITYBRAIN_READ = "citybrain.read"
    CITYBRAIN_OPERATE = "citybrain.operate"


class Role:
    CITIZEN = "citizen"
    ENTERPRISE = "enterprise"
    CLERK = "clerk"
    DEPARTMENT_ADMIN = "department_admin"
    ADMINISTRATOR = "administrator"


ROLE_PERMISSIONS: Mapping[str, frozenset[str]] = {
    Role.CITIZEN: frozenset({Perm.CITIZEN_PORTAL}),
    Role.ENTERPRISE: frozenset({Perm.ENTERPRISE_PORTAL}),
    Role.CLERK: frozenset({Perm.STAFF_PORTAL}),
    Role.DEPARTMENT_ADMIN: frozenset({Perm.STAFF_PORTAL, Perm.AUDIT_READ, Perm.LEDGER_READ, Perm.CITYBRAIN_READ,
                                         Perm.PAYMENTS_MANAGE, Perm.DATAHUB_MANAGE}),
    Role.ADMINISTRATOR: frozenset(
        {
            Perm.STAFF_PORTAL,
            Perm.ADMIN_PORTAL,
            Perm.AUDIT_READ,
            Perm.IDENTITY_MANAGE,
            Perm.LEDGER_READ,
            Perm.CITYBRAIN_READ,
            Perm.CITYBRAIN_OPERATE,
            Perm.PAYMENTS_MANAGE,
            Perm.DATAHUB_MANAGE,
        }
    ),
}

GRANTABLE_ROLES = frozenset({Role.CLERK, Role.DEPARTMENT_ADMIN, Role.ADMINISTRATOR})


def permissions_for(roles: Iterable[str]) -> frozenset[str]:
    perms: set[str] = set()
    for role in roles:
        perms |= ROLE_PERMISSIONS.get(role, frozenset())
    return frozenset(perms)
