"""Catalogue fixtures: a platform that knows the demo's departments and datahub items (the
references definitions are checked against), and helpers to load a definition."""

from __future__ import annotations

import pytest

from onevisit.catalog import LoadResult, load_file
from onevisit.datahub.services import catalogue
from onevisit.demo.datahub.catalogue import ITEMS
from onevisit.demo.departments import ensure_departments
from onevisit.kernel.actors import system_actor
from onevisit.kernel.platform import Platform

ADMIN = system_actor("catalog-test")


def prepare_references(platform: Platform) -> None:
    """The demo's departments and datahub items (no records): what definitions refer to."""
    with platform.uow(system_actor("test")) as uow:
        ensure_departments(uow.session)
        for spec in ITEMS:
            source = catalogue.register_source(
                uow,
                department_code=spec.department,
                code=f"{spec.code}.db",
                name=spec.name_en,
                connector="own_table",
                config={"table": "datahub_records"},
            )
            catalogue.register_item(
                uow,
                source_code=source.code,
                code=spec.code,
                name_zh=spec.name_zh,
                name_en=spec.name_en,
                subject_kind=spec.subject,
                sharing=spec.sharing,
                frequency=spec.frequency,
                fields=[
                    {"name": n, "type": t, "label_zh": zh, "label_en": en, "concept": c, "required": False}
                    for n, t, zh, en, c in spec.fields
                ],
            )


@pytest.fixture
def references(platform: Platform) -> Platform:
    prepare_references(platform)
    return platform


def load(platform: Platform, text: str, name: str = "test.yaml") -> LoadResult:
    return load_file(platform, ADMIN, name=name, content=text.encode("utf-8"))
