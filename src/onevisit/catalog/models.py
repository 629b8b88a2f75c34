"""Catalogue tables: services and bundles (what is offered now), their versions (every
definition ever loaded, kept so an application keeps the version it started with), the
facets they are browsed by, and the loads (which file, by whom, when, what it changed, or
why it was refused).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from onevisit.kernel.db import Base, BigId, UTCDateTime

KINDS = ("service", "bundle")
FACETS = ("life_event", "topic", "department")
LOAD_STATUSES = ("loaded", "unchanged", "rejected")


class Service(Base):
    """A service or bundle as offered now: the listing columns of its current version."""

    __tablename__ = "catalog_services"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name_zh: Mapped[str] = mapped_column(String(128))
    name_en: Mapped[str] = mapped_column(String(256))
    summary_zh: Mapped[str] = mapped_column(Text, default="")
    summary_en: Mapped[str] = mapped_column(Text, default="")
    #: the lead (first owning) department
    department_code: Mapped[str] = mapped_column(String(32), index=True)
    #: "person" or "enterprise": who it is listed for
    audience: Mapped[str] = mapped_column(String(16))
    #: the first life event (all of them are in ``catalog_tags``)
    life_event: Mapped[str] = mapped_column(String(64), default="")
    kind: Mapped[str] = mapped_column(String(16), default="service")
    #: the current version's number (``catalog_versions.version``)
    version: Mapped[int] = mapped_column(Integer, default=0)
    instant: Mapped[bool] = mapped_column(Boolean, default=False)
    committed_days: Mapped[int] = mapped_column(Integer, default=0)
    #: lower-cased names, descriptions, keywords and departments in both languages, for search
    search_text: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (CheckConstraint("kind IN ('service', 'bundle')", name="kind"),)


class ServiceLoad(Base):
    """One attempt to load a definition file: accepted (with what it changed) or rejected
    (with every problem found). The file's text is kept, so what was loaded can be read."""

    __tablename__ = "catalog_loads"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    file_name: Mapped[str] = mapped_column(String(255))
    digest: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16))
    loaded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    actor: Mapped[str] = mapped_column(String(128))
    account_id: Mapped[int | None] = mapped_column(BigId)
    added: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    #: the codes the file defines
    codes: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: for a rejected load: ``Problem.to_json()`` of each problem
    problems: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)

    __table_args__ = (CheckConstraint("status IN ('loaded', 'unchanged', 'rejected')", name="status"),)


class ServiceVersion(Base):
    """One version of a service's or bundle's definition, never changed once written."""

    __tablename__ = "catalog_versions"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    service_id: Mapped[int] = mapped_column(BigId, ForeignKey("catalog_services.id"))
    version: Mapped[int] = mapped_column(Integer)
    #: the validated definition (``ServiceDefinition`` JSON); a bundle's is
    #: ``{"bundle": BundleDefinition, "merged": MergedBundle}``
    definition: Mapped[dict[str, Any]] = mapped_column(JSON)
    #: SHA-256 of the definition's canonical JSON: an identical reload adds no version
    digest: Mapped[str] = mapped_column(String(64))
    load_id: Mapped[int] = mapped_column(BigId, ForeignKey("catalog_loads.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)

    __table_args__ = (UniqueConstraint("service_id", "version"),)


class ServiceTag(Base):
    """What a service is browsed by: its life events, topics and departments."""

    __tablename__ = "catalog_tags"

    facet: Mapped[str] = mapped_column(String(16), primary_key=True)
    value: Mapped[str] = mapped_column(String(64), primary_key=True)
    service_id: Mapped[int] = mapped_column(BigId, ForeignKey("catalog_services.id"), primary_key=True)

    __table_args__ = (
        CheckConstraint("facet IN ('life_event', 'topic', 'department')", name="facet"),
        Index("ix_catalog_tags_service_id", "service_id"),
    )
