"""Datahub pages: citizens' "Who used my data" (:mod:`.citizen`); for staff the catalogue,
usage and data quality (:mod:`.catalogue`), sources, items and uploads (:mod:`.sources`),
and access requests (:mod:`.requests`)."""

from __future__ import annotations

from fastapi import APIRouter

from onevisit.datahub.views import catalogue, citizen, requests, sources

router = APIRouter(include_in_schema=False)
for _module in (citizen, catalogue, sources, requests):
    router.include_router(_module.router)

NOTICES = {**citizen.NOTICES, **sources.NOTICES, **requests.NOTICES}
