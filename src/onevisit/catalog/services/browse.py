"""Reading the catalogue: search and browse (by life event, topic, department, audience),
a service's or bundle's current or pinned version, version history, loads.

Search matches every word of the query, in Chinese or English, against a lower-cased text
of each entry's names, descriptions, keywords, life events, topics and departments (built
at load); a few hundred services make that a cheap scan on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from onevisit.catalog.bundles import MergedBundle
from onevisit.catalog.definitions import BundleDefinition, ServiceDefinition
from onevisit.catalog.errors import CatalogError
from onevisit.catalog.models import Service, ServiceLoad, ServiceTag, ServiceVersion
from onevisit.kernel.db import Database
from onevisit.kernel.errors import NotFound
from onevisit.kernel.hotsql import HotQuery, hot_reader
from onevisit.kernel.i18n import N_
from onevisit.kernel.pagination import Page, paginate

MAX_TERMS = 8


@dataclass(frozen=True, slots=True)
class Filters:
    query: str = ""
    audience: str | None = None
    life_event: str | None = None
    topic: str | None = None
    department: str | None = None
    kind: str | None = None

    @property
    def active(self) -> bool:
        return bool(self.query or self.audience or self.life_event or self.topic or self.department or self.kind)


@dataclass(frozen=True, slots=True)
class Entry:
    """A service or bundle at one version, its definition parsed."""

    code: str
    kind: str
    version: int
    version_id: int
    row: Service
    service: ServiceDefinition | None = None
    bundle: BundleDefinition | None = None
    merged: MergedBundle | None = None

    @property
    def is_bundle(self) -> bool:
        return self.kind == "bundle"


def _tagged(facet: str, value: str) -> ColumnElement[bool]:
    return Service.id.in_(select(ServiceTag.service_id).where(ServiceTag.facet == facet, ServiceTag.value == value))


def search_services(
    session: Session,
    query: str = "",
    *,
    filters: Filters | None = None,
    page: int = 1,
    per_page: int = 20,
) -> Page[Service]:
    """Services and bundles matching every word of ``query`` and every filter given."""
    filters = filters or Filters(query=query)
    text = filters.query or query
    stmt = select(Service).where(Service.version > 0)
    for term in [t for t in text.lower().split() if t][:MAX_TERMS]:
        escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        stmt = stmt.where(Service.search_text.like(f"%{escaped}%", escape="\\"))
    if filters.audience:
        stmt = stmt.where(Service.audience == filters.audience)
    if filters.kind:
        stmt = stmt.where(Service.kind == filters.kind)
    if filters.life_event:
        stmt = stmt.where(_tagged("life_event", filters.life_event))
    if filters.topic:
        stmt = stmt.where(_tagged("topic", filters.topic))
    if filters.department:
        stmt = stmt.where(_tagged("department", filters.department))
    order = (Service.kind.desc(), Service.code)  # bundles first: one application for several matters
    return paginate(session, stmt.order_by(*order), page=page, per_page=per_page)


_COUNT = HotQuery("SELECT count(*) FROM catalog_services WHERE version > 0")


def service_count(db: Database) -> int:
    """How many services and bundles the catalogue offers (hot path: it is on the home page)."""
    with hot_reader(db) as reader:
        row = reader.first(_COUNT, {})
    return int(row[0]) if row else 0


def facet_counts(session: Session, facet: str, audience: str | None = None) -> dict[str, int]:
    """How many entries each value of ``facet`` has (e.g. each life event)."""
    stmt = (
        select(ServiceTag.value, func.count())
        .join(Service, Service.id == ServiceTag.service_id)
        .where(ServiceTag.facet == facet, Service.version > 0)
        .group_by(ServiceTag.value)
    )
    if audience:
        stmt = stmt.where(Service.audience == audience)
    return {value: int(count) for value, count in session.execute(stmt)}


def _entry(row: Service, version: ServiceVersion) -> Entry:
    data = version.definition
    if row.kind == "bundle":
        return Entry(
            row.code,
            row.kind,
            version.version,
            version.id,
            row,
            bundle=BundleDefinition.model_validate(data["bundle"]),
            merged=MergedBundle.model_validate(data["merged"]),
        )
    return Entry(row.code, row.kind, version.version, version.id, row, service=ServiceDefinition.model_validate(data))


def _not_found(code: str) -> NotFound:
    return NotFound(
        CatalogError.NOT_FOUND, N_("There is no service %(code)s in the catalogue."), params={"code": code[:64]}
    )


def get_entry(session: Session, code: str, *, version: int | None = None, kind: str | None = None) -> Entry:
    """A service or bundle by code, at its current version or at ``version``."""
    row = session.scalar(select(Service).where(Service.code == code, Service.version > 0))
    if row is None or (kind is not None and row.kind != kind):
        raise _not_found(code)
    wanted = version if version is not None else row.version
    stored = session.scalar(
        select(ServiceVersion).where(ServiceVersion.service_id == row.id, ServiceVersion.version == wanted)
    )
    if stored is None:
        raise NotFound(
            CatalogError.VERSION_NOT_FOUND,
            N_("%(code)s has no version %(version)s."),
            params={"code": code[:64], "version": wanted},
        )
    return _entry(row, stored)


def entry_by_version_id(session: Session, version_id: int) -> Entry:
    """The exact version an application was started with (kept however often it changes)."""
    stored = session.get(ServiceVersion, version_id)
    row = session.get(Service, stored.service_id) if stored is not None else None
    if stored is None or row is None:
        raise NotFound(CatalogError.VERSION_NOT_FOUND, N_("That version of the service is not in the catalogue."))
    return _entry(row, stored)


@dataclass(frozen=True, slots=True)
class VersionInfo:
    version: int
    created_at: object
    load_id: int
    actor: str
    file_name: str


def history(session: Session, code: str) -> tuple[Service, list[VersionInfo]]:
    row = session.scalar(select(Service).where(Service.code == code, Service.version > 0))
    if row is None:
        raise _not_found(code)
    rows = session.execute(
        select(
            ServiceVersion.version, ServiceVersion.created_at, ServiceLoad.id, ServiceLoad.actor, ServiceLoad.file_name
        )
        .join(ServiceLoad, ServiceLoad.id == ServiceVersion.load_id)
        .where(ServiceVersion.service_id == row.id)
        .order_by(ServiceVersion.version.desc())
    ).all()
    return row, [VersionInfo(*r) for r in rows]


def bundles_containing(session: Session, code: str) -> list[Service]:
    """The bundles that include service ``code`` (for its page: "also as part of …")."""
    rows = session.execute(
        select(Service, ServiceVersion.definition)
        .join(ServiceVersion, (ServiceVersion.service_id == Service.id) & (ServiceVersion.version == Service.version))
        .where(Service.kind == "bundle")
        .order_by(Service.code)
    ).all()
    return [row for row, definition in rows if code in definition.get("bundle", {}).get("services", [])]


def listing(session: Session, codes: Sequence[str]) -> dict[str, Service]:
    return {s.code: s for s in session.scalars(select(Service).where(Service.code.in_(list(codes))))}


def all_entries(session: Session) -> list[Service]:
    """Every service and bundle, for the administrators' page."""
    return list(session.scalars(select(Service).where(Service.version > 0).order_by(Service.kind, Service.code)))


def recent_loads(session: Session, *, page: int = 1, per_page: int = 20) -> Page[ServiceLoad]:
    return paginate(session, select(ServiceLoad).order_by(ServiceLoad.id.desc()), page=page, per_page=per_page)


def get_load(session: Session, load_id: int) -> ServiceLoad:
    load = session.get(ServiceLoad, load_id)
    if load is None:
        raise NotFound(CatalogError.LOAD_NOT_FOUND, N_("There is no such load."))
    return load


def last_loads(session: Session, codes: Sequence[str]) -> dict[str, ServiceLoad]:
    """For each code, the load that wrote its current version (who loaded it, when)."""
    rows = session.execute(
        select(Service.code, ServiceLoad)
        .join(ServiceVersion, (ServiceVersion.service_id == Service.id) & (ServiceVersion.version == Service.version))
        .join(ServiceLoad, ServiceLoad.id == ServiceVersion.load_id)
        .where(Service.code.in_(list(codes)))
    ).all()
    return dict(rows)
