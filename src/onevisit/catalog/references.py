"""What a definition may refer to: departments, datahub items (with their fields), certificate
types (with theirs), and the services already in the catalogue (for bundles).

:func:`from_database` reads them from the platform; tests may build one by hand. Checking
is pure: :mod:`onevisit.catalog.checks` takes a :class:`References` and never queries.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from onevisit.catalog.vocabulary import KIND_TYPES
from onevisit.rules import FieldType

if TYPE_CHECKING:
    from onevisit.catalog.definitions import ServiceDefinition


@dataclass(frozen=True, slots=True)
class ItemRef:
    subject: str  #: person / enterprise
    fields: Mapping[str, FieldType]


@dataclass(frozen=True, slots=True)
class CertificateRef:
    holder: str  #: person / enterprise
    #: field → (type, required)
    fields: Mapping[str, tuple[FieldType, bool]]


def _no_services(_code: str) -> tuple[str, ServiceDefinition | None] | None:
    return None


@dataclass
class References:
    departments: frozenset[str]
    items: Mapping[str, ItemRef]
    certificates: Mapping[str, CertificateRef]
    #: code → ("service" | "bundle", its current definition when a service) for codes in the catalogue
    catalogue: Callable[[str], tuple[str, ServiceDefinition | None] | None] = field(default=_no_services)


def kind_type(kind: str) -> FieldType:
    return KIND_TYPES.get(kind, FieldType.TEXT)


def certificate_refs() -> dict[str, CertificateRef]:
    from onevisit.credentials import TYPES

    return {
        t.code: CertificateRef(t.holder_kind, {f.name: (kind_type(f.kind), f.required) for f in t.fields})
        for t in TYPES
    }


def from_database(session: Session) -> References:
    """The departments, datahub items and certificate types the platform knows now, and
    a lookup of the catalogue's current services."""
    from onevisit.catalog.models import Service, ServiceVersion
    from onevisit.datahub.models import CatalogItem
    from onevisit.identity.models import Department

    departments = frozenset(session.scalars(select(Department.code)))
    items = {
        code: ItemRef(subject, {str(f["name"]): kind_type(str(f.get("type", "string"))) for f in fields or []})
        for code, subject, fields in session.execute(
            select(CatalogItem.code, CatalogItem.subject_kind, CatalogItem.fields)
        )
    }
    cache: dict[str, tuple[str, ServiceDefinition | None] | None] = {}

    def catalogue(code: str) -> tuple[str, ServiceDefinition | None] | None:
        from onevisit.catalog.definitions import ServiceDefinition

        if code not in cache:
            row = session.execute(
                select(Service.kind, ServiceVersion.definition)
                .join(
                    ServiceVersion,
                    (ServiceVersion.service_id == Service.id) & (ServiceVersion.version == Service.version),
                )
                .where(Service.code == code)
            ).first()
            if row is None:
                cache[code] = None
            else:
                kind, definition = row
                cache[code] = (kind, ServiceDefinition.model_validate(definition) if kind == "service" else None)
        return cache[code]

    return References(departments, items, certificate_refs(), catalogue)
