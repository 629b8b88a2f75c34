"""Pydantic shapes of the catalogue API (the definitions themselves are in ``definitions.py``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, Field

from onevisit.catalog.models import Service, ServiceLoad


class ServiceSummaryOut(BaseModel):
    code: str
    kind: str = Field(description="service or bundle")
    version: int
    name_zh: str
    name_en: str
    summary_zh: str
    summary_en: str
    department: str = Field(description="the lead department's code")
    audience: str = Field(description="person or enterprise")
    instant: bool = Field(description="approved automatically when its rules hold")
    committed_days: int = Field(description="the committed time limit, in working days (0: on the spot)")
    href: str

    @classmethod
    def of(cls, row: Service) -> ServiceSummaryOut:
        return cls(
            code=row.code,
            kind=row.kind,
            version=row.version,
            name_zh=row.name_zh,
            name_en=row.name_en,
            summary_zh=row.summary_zh,
            summary_en=row.summary_en,
            department=row.department_code,
            audience=row.audience,
            instant=row.instant,
            committed_days=row.committed_days,
            href=("/api/v1/catalog/bundles/" if row.kind == "bundle" else "/api/v1/catalog/services/") + row.code,
        )


class ServicePageOut(BaseModel):
    items: list[ServiceSummaryOut]
    page: int
    per_page: int
    total: int


class ServiceOut(BaseModel):
    code: str
    version: int
    latest_version: int
    definition: dict[str, Any] = Field(description="the service definition (docs/catalog.md)")


class BundleOut(BaseModel):
    code: str
    version: int
    latest_version: int
    bundle: dict[str, Any] = Field(description="the bundle as defined")
    merged: dict[str, Any] = Field(description="its services merged: one form, one set of materials, one payment")


class TermOut(BaseModel):
    code: str
    label: str
    audience: str
    count: int


class DepartmentCountOut(BaseModel):
    code: str
    name: str
    count: int


class FacetsOut(BaseModel):
    life_events: list[TermOut]
    topics: list[TermOut]
    departments: list[DepartmentCountOut]


class ProblemOut(BaseModel):
    file: str
    line: int | None
    column: int | None
    field: str
    code: str
    message: str


class LoadOut(BaseModel):
    id: int
    file_name: str
    digest: str
    status: str = Field(description="loaded, unchanged or rejected")
    loaded_at: dt.datetime
    actor: str
    added: int
    updated: int
    unchanged: int
    codes: list[str]
    problems: list[ProblemOut]

    @classmethod
    def of(cls, load: ServiceLoad, problems: list[ProblemOut]) -> LoadOut:
        return cls(
            id=load.id,
            file_name=load.file_name,
            digest=load.digest,
            status=load.status,
            loaded_at=load.loaded_at,
            actor=load.actor,
            added=load.added,
            updated=load.updated,
            unchanged=load.unchanged,
            codes=list(load.codes),
            problems=problems,
        )
