"""Catalogue pages: browse and search (public), a service's and a bundle's page (public),
and the administrators' page to load definition files and see what is loaded, by whom.
"""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.responses import RedirectResponse, Response

from onevisit.catalog import presenters
from onevisit.catalog.errors import DefinitionRejected, Problem
from onevisit.catalog.services import browse
from onevisit.catalog.services.loading import load_file
from onevisit.catalog.vocabulary import AUDIENCES, LIFE_EVENTS, TOPICS
from onevisit.catalog.yamlsource import MAX_FILE_BYTES
from onevisit.kernel.actors import Principal
from onevisit.kernel.errors import FieldError
from onevisit.kernel.http.authz import public, require
from onevisit.kernel.http.deps import client_ip, platform_of
from onevisit.kernel.http.forms import FormState
from onevisit.kernel.http.rendering import language_of, render, translator_for
from onevisit.kernel.i18n import N_

router = APIRouter(include_in_schema=False)

ADMIN = "admin.portal"
NOTICES = {
    "catalog_loaded": N_(
        "The file is loaded. Changed services have a new version; applications already started keep theirs."
    ),
    "catalog_unchanged": N_("The file is the same as what is loaded: nothing changed."),
}
_CHOOSE_FILE = N_("Choose a YAML file (.yaml or .yml).")
_NOT_YAML = N_("The file must be a .yaml or .yml file.")
_TOO_LARGE = N_("The file is larger than %(limit)s bytes.")
_PROBLEM = N_("%(where)s — %(field)s: %(problem)s")


def _known(value: str | None, allowed: Sequence[str]) -> str | None:
    return value if value in allowed else None


@router.get("/services")
def browse_page(
    request: Request,
    *,
    q: str = Query("", max_length=100),
    audience: str | None = Query(None, max_length=16),
    life_event: str | None = Query(None, max_length=64),
    topic: str | None = Query(None, max_length=64),
    department: str | None = Query(None, max_length=32),
    page: int = Query(1, ge=1, le=10_000),
    principal: Principal = Depends(public),
) -> Response:
    """Every service and bundle, by life event, topic, department and audience, or found
    by words in Chinese or English."""
    platform = platform_of(request)
    tr = translator_for(request)
    lang = language_of(request)
    with platform.db.session() as session:
        names = presenters.names_for(session, lang)
        filters = browse.Filters(
            query=q.strip(),
            audience=_known(audience, list(AUDIENCES)),
            life_event=_known(life_event, [t.code for t in LIFE_EVENTS]),
            topic=_known(topic, [t.code for t in TOPICS]),
            department=_known(department, list(names.departments)),
        )
        results = browse.search_services(session, filters=filters, page=page)
        events = browse.facet_counts(session, "life_event", filters.audience)
        departments = browse.facet_counts(session, "department", filters.audience)
    query = urlencode(
        [
            (key, value)
            for key, value in (
                ("q", filters.query),
                ("audience", filters.audience),
                ("life_event", filters.life_event),
                ("topic", filters.topic),
                ("department", filters.department),
            )
            if value
        ]
    )
    return render(
        request,
        "catalog/browse.html",
        {
            "filters": filters,
            "results": results,
            "items": presenters.listed(results.items, names),
            "life_events": [
                (t.code, tr(t.label), events[t.code])
                for t in LIFE_EVENTS
                if events.get(t.code) and (filters.audience in (None, t.audience))
            ],
            "departments": sorted(
                ((code, names.department(code), n) for code, n in departments.items()), key=lambda d: d[0]
            ),
            "audiences": [(code, tr(label)) for code, label in AUDIENCES.items()],
            "topic_label": presenters.term_label("topic", filters.topic, tr) if filters.topic else "",
            "life_event_label": presenters.term_label("life_event", filters.life_event, tr)
            if filters.life_event
            else "",
            "department_label": names.department(filters.department) if filters.department else "",
            "base": "/services?" + query,
        },
    )


@router.get("/services/{code}")
def service_page(code: str, request: Request, principal: Principal = Depends(public)) -> Response:
    platform = platform_of(request)
    with platform.db.session() as session:
        entry = browse.get_entry(session, code[:64])
        if entry.is_bundle:
            return RedirectResponse(f"/bundles/{entry.code}", status_code=308)
        names = presenters.names_for(session, language_of(request))
        bundles = browse.bundles_containing(session, entry.code)
    view = presenters.service_page(entry, names, translator_for(request), bundles)
    return render(request, "catalog/service.html", {"page": view})


@router.get("/bundles/{code}")
def bundle_page(code: str, request: Request, principal: Principal = Depends(public)) -> Response:
    platform = platform_of(request)
    with platform.db.session() as session:
        entry = browse.get_entry(session, code[:64], kind="bundle")
        members = {}
        assert entry.merged is not None  # noqa: S101 - a bundle's version carries its merge
        for member in entry.merged.members:
            members[member.code] = browse.get_entry(session, member.code, version=member.version or None)
        names = presenters.names_for(session, language_of(request))
    view = presenters.bundle_page(entry, members, names, translator_for(request))
    return render(request, "catalog/service.html", {"page": view})


# --- administrators ----------------------------------------------------------------------


def _admin_page(request: Request, form: FormState, *, problems: Sequence[Problem] = (), status: int = 200) -> Response:
    platform = platform_of(request)
    lang = language_of(request)
    with platform.db.session() as session:
        entries = browse.all_entries(session)
        last = browse.last_loads(session, [e.code for e in entries])
        loads = browse.recent_loads(session, per_page=15)
    return render(
        request,
        "catalog/admin.html",
        {
            "form": form,
            "entries": entries,
            "last": last,
            "loads": loads.items,
            "problems": [(p.where, p.field, p.text(lang)) for p in problems],
            "limit_kb": MAX_FILE_BYTES // 1000,
        },
        status=status,
    )


@router.get("/staff/catalog")
def admin_page(request: Request, principal: Principal = Depends(require(ADMIN))) -> Response:
    """The loaded services and bundles, their versions and who loaded them; recent loads;
    a form to load or replace a definition file."""
    return _admin_page(request, FormState())


@router.post("/staff/catalog/loads")
async def upload(request: Request, principal: Principal = Depends(require(ADMIN))) -> Response:
    """Loads an uploaded definition file, all or nothing. A broken file is refused with
    every problem listed by file, line and field (and recorded as a rejected load)."""
    form = await request.form()
    upload_file = form.get("file")
    if not isinstance(upload_file, UploadFile) or not upload_file.filename:
        return _admin_page(request, FormState(errors=[FieldError("file", _CHOOSE_FILE)]), status=422)
    name = upload_file.filename
    if not name.lower().endswith((".yaml", ".yml")):
        return _admin_page(request, FormState(errors=[FieldError("file", _NOT_YAML)]), status=422)
    content = await upload_file.read(MAX_FILE_BYTES + 1)
    if len(content) > MAX_FILE_BYTES:
        errors = [FieldError("file", _TOO_LARGE, {"limit": MAX_FILE_BYTES})]
        return _admin_page(request, FormState(errors=errors), status=422)
    platform = platform_of(request)
    try:
        result = await run_in_threadpool(
            lambda: load_file(platform, principal, name=name, content=content, ip=client_ip(request))
        )
    except DefinitionRejected as err:
        lang = language_of(request)
        errors = [
            FieldError("file", _PROBLEM, {"where": p.where, "field": p.field or "—", "problem": p.text(lang)})
            for p in err.problems
        ]
        return _admin_page(request, FormState(errors=errors), problems=err.problems, status=422)
    notice = "catalog_loaded" if result.status == "loaded" else "catalog_unchanged"
    return RedirectResponse(f"/staff/catalog/loads/{result.load_id}?notice={notice}", status_code=303)


@router.get("/staff/catalog/loads/{load_id}")
def load_page(load_id: int, request: Request, principal: Principal = Depends(require(ADMIN))) -> Response:
    platform = platform_of(request)
    lang = language_of(request)
    with platform.db.session() as session:
        load = browse.get_load(session, load_id)
        listing = browse.listing(session, load.codes)
    problems = [Problem.from_json(p) for p in load.problems]
    return render(
        request,
        "catalog/load.html",
        {
            "load": load,
            "listing": listing,
            "problems": [(p.where, p.field, p.text(lang)) for p in problems],
        },
    )


@router.get("/staff/catalog/services/{code}")
def history_page(code: str, request: Request, principal: Principal = Depends(require(ADMIN))) -> Response:
    platform = platform_of(request)
    with platform.db.session() as session:
        row, versions = browse.history(session, code[:64])
    return render(request, "catalog/history.html", {"row": row, "versions": versions})
