"""Catalogue JSON API under /api/v1/catalog: search and browse, a service's or bundle's
definition (current or any version), the browse facets (public); loading definition files
and the record of loads (administrators).

Loading takes the YAML as the request body (``Content-Type: application/yaml``) and the
file's name as ``?file_name=``. A broken file answers 422 with one problem per entry of
``errors``, each naming the file, line, column and field.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse, Response

from onevisit.catalog import presenters
from onevisit.catalog.errors import CatalogError, DefinitionRejected, Problem
from onevisit.catalog.schemas import (
    BundleOut,
    DepartmentCountOut,
    FacetsOut,
    LoadOut,
    ProblemOut,
    ServiceOut,
    ServicePageOut,
    ServiceSummaryOut,
    TermOut,
)
from onevisit.catalog.services import browse
from onevisit.catalog.services.loading import load_file
from onevisit.catalog.vocabulary import AUDIENCES, LIFE_EVENTS, TOPICS
from onevisit.catalog.yamlsource import MAX_FILE_BYTES
from onevisit.kernel.actors import Principal
from onevisit.kernel.errors import AppError, InvalidInput
from onevisit.kernel.http.authz import public, require
from onevisit.kernel.http.deps import client_ip, platform_of
from onevisit.kernel.http.problems import PROBLEM_TYPE_BASE
from onevisit.kernel.http.rendering import language_of, translator_for
from onevisit.kernel.i18n import N_

router = APIRouter(tags=["catalog"])

PREFIX = "/api/v1/catalog"
ADMIN = "admin.portal"
_UNKNOWN_CHOICE = N_("Unknown %(name)s “%(value)s”.")


def _choice(name: str, value: str | None, allowed: list[str]) -> str | None:
    if value is None or value == "":
        return None
    if value not in allowed:
        raise InvalidInput(CatalogError.VOCABULARY, _UNKNOWN_CHOICE, params={"name": name, "value": value[:64]})
    return value


@router.get(f"{PREFIX}/services", response_model=ServicePageOut)
def search(
    request: Request,
    *,
    q: str = Query("", max_length=100, description="words to find, in Chinese or English"),
    audience: str | None = Query(None, description="person or enterprise"),
    life_event: str | None = Query(None, max_length=64),
    topic: str | None = Query(None, max_length=64),
    department: str | None = Query(None, max_length=32, description="a department code, e.g. ZJ-PSB"),
    kind: str | None = Query(None, description="service or bundle"),
    page: int = Query(1, ge=1, le=10_000),
    per_page: int = Query(20, ge=1, le=100),
    principal: Principal = Depends(public),
) -> ServicePageOut:
    filters = browse.Filters(
        query=q.strip(),
        audience=_choice("audience", audience, list(AUDIENCES)),
        life_event=_choice("life_event", life_event, [t.code for t in LIFE_EVENTS]),
        topic=_choice("topic", topic, [t.code for t in TOPICS]),
        department=department or None,
        kind=_choice("kind", kind, ["service", "bundle"]),
    )
    with platform_of(request).db.session() as session:
        found = browse.search_services(session, filters=filters, page=page, per_page=per_page)
        return ServicePageOut(
            items=[ServiceSummaryOut.of(row) for row in found.items],
            page=found.page,
            per_page=found.per_page,
            total=found.total,
        )


@router.get(f"{PREFIX}/services/{{code}}", response_model=ServiceOut)
def service(
    code: str,
    request: Request,
    version: int | None = Query(None, ge=1, description="a past version (default: the current one)"),
    principal: Principal = Depends(public),
) -> ServiceOut:
    with platform_of(request).db.session() as session:
        entry = browse.get_entry(session, code[:64], version=version, kind="service")
        assert entry.service is not None  # noqa: S101 - kind="service"
        return ServiceOut(
            code=entry.code,
            version=entry.version,
            latest_version=entry.row.version,
            definition=entry.service.model_dump(mode="json", exclude_none=True),
        )


@router.get(f"{PREFIX}/bundles/{{code}}", response_model=BundleOut)
def bundle(
    code: str,
    request: Request,
    version: int | None = Query(None, ge=1),
    principal: Principal = Depends(public),
) -> BundleOut:
    with platform_of(request).db.session() as session:
        entry = browse.get_entry(session, code[:64], version=version, kind="bundle")
        assert entry.bundle is not None and entry.merged is not None  # noqa: S101 - kind="bundle"
        return BundleOut(
            code=entry.code,
            version=entry.version,
            latest_version=entry.row.version,
            bundle=entry.bundle.model_dump(mode="json", exclude_none=True),
            merged=entry.merged.model_dump(mode="json", exclude_none=True),
        )


@router.get(f"{PREFIX}/facets", response_model=FacetsOut)
def facets(
    request: Request,
    audience: str | None = Query(None, description="person or enterprise"),
    principal: Principal = Depends(public),
) -> FacetsOut:
    """Life events, topics and departments with how many services each has."""
    tr = translator_for(request)
    chosen = _choice("audience", audience, list(AUDIENCES))
    with platform_of(request).db.session() as session:
        events = browse.facet_counts(session, "life_event", chosen)
        topics = browse.facet_counts(session, "topic", chosen)
        departments = browse.facet_counts(session, "department", chosen)
        names = presenters.names_for(session, language_of(request))
    return FacetsOut(
        life_events=[
            TermOut(code=t.code, label=tr(t.label), audience=t.audience, count=events.get(t.code, 0))
            for t in LIFE_EVENTS
        ],
        topics=[
            TermOut(code=t.code, label=tr(t.label), audience=t.audience, count=topics.get(t.code, 0)) for t in TOPICS
        ],
        departments=[
            DepartmentCountOut(code=c, name=names.department(c), count=n) for c, n in sorted(departments.items())
        ],
    )


# --- administrators ----------------------------------------------------------------------


def _problems(problems: list[Problem], language: str) -> list[ProblemOut]:
    return [ProblemOut.model_validate(p.as_dict(language)) for p in problems]


def _rejected(request: Request, err: DefinitionRejected) -> Response:
    tr = translator_for(request)
    lang = language_of(request)
    body = {
        "type": PROBLEM_TYPE_BASE + err.code.value,
        "title": tr(N_("Invalid input")),
        "status": 422,
        "detail": tr(err.message, **dict(err.params)),
        "code": err.code.value,
        "instance": request.url.path,
        "load_id": err.load_id,
        "errors": [{**p.as_dict(lang), "field": p.field or p.file, "message": p.describe(lang)} for p in err.problems],
    }
    return JSONResponse(body, status_code=422, media_type="application/problem+json")


_EMPTY_BODY = N_("Send the YAML file as the request body.")
_NAME = N_("Name the file with ?file_name=, ending in .yaml or .yml.")


@router.post(f"{PREFIX}/loads", status_code=201, response_model=LoadOut)
async def load(
    request: Request,
    file_name: str = Query(..., min_length=1, max_length=255),
    principal: Principal = Depends(require(ADMIN)),
) -> Response:
    """Load (or replace) a definition file, all or nothing."""
    if not file_name.lower().endswith((".yaml", ".yml")):
        raise InvalidInput(CatalogError.FILE_MISSING, _NAME)
    content = await request.body()
    if not content.strip():
        raise InvalidInput(CatalogError.FILE_MISSING, _EMPTY_BODY)
    if len(content) > MAX_FILE_BYTES:
        raise AppError(
            CatalogError.REJECTED,
            N_("The file is larger than %(limit)s bytes."),
            status=413,
            params={"limit": MAX_FILE_BYTES},
        )
    platform = platform_of(request)
    try:
        result = await run_in_threadpool(
            lambda: load_file(platform, principal, name=file_name, content=content, ip=client_ip(request))
        )
    except DefinitionRejected as err:
        return _rejected(request, err)
    with platform.db.session() as session:
        stored = browse.get_load(session, result.load_id)
        out = LoadOut.of(stored, [])
    return JSONResponse(out.model_dump(mode="json"), status_code=201)


@router.get(f"{PREFIX}/loads", response_model=list[LoadOut])
def loads(
    request: Request,
    page: int = Query(1, ge=1, le=10_000),
    principal: Principal = Depends(require(ADMIN)),
) -> list[LoadOut]:
    lang = language_of(request)
    with platform_of(request).db.session() as session:
        found = browse.recent_loads(session, page=page, per_page=50)
        return [LoadOut.of(r, _problems([Problem.from_json(p) for p in r.problems], lang)) for r in found.items]


@router.get(f"{PREFIX}/loads/{{load_id}}", response_model=LoadOut)
def load_record(load_id: int, request: Request, principal: Principal = Depends(require(ADMIN))) -> LoadOut:
    lang = language_of(request)
    with platform_of(request).db.session() as session:
        stored = browse.get_load(session, load_id)
        return LoadOut.of(stored, _problems([Problem.from_json(p) for p in stored.problems], lang))
