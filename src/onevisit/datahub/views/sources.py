"""Staff pages for a department's sources and items: register and edit a source (its
connector settings, secrets never shown), declare and edit items with their schema,
upload a CSV or Excel file into an item, refresh a source now.

A department's staff manage their own department's sources and items; a province
administrator manages everyone's. Someone else's source or item answers 404.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, Request
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.responses import RedirectResponse, Response

from onevisit.datahub import forms
from onevisit.datahub.errors import DatahubError
from onevisit.datahub.models import DataSource
from onevisit.datahub.services import catalogue, sources
from onevisit.datahub.services.imports import MAX_REPORTED, columns_of, import_file
from onevisit.datahub.services.ownership import is_province_admin
from onevisit.datahub.views.common import (
    CONNECTOR_OPTIONS,
    FREQUENCY_OPTIONS,
    MANAGE,
    SHARING_OPTIONS,
    SUBJECT_OPTIONS,
    TYPE_OPTIONS,
    department_scope,
)
from onevisit.kernel.actors import Principal
from onevisit.kernel.errors import AppError, FieldError
from onevisit.kernel.http.authz import require
from onevisit.kernel.http.deps import client_ip, platform_of
from onevisit.kernel.http.forms import FormState, read_form
from onevisit.kernel.http.rendering import render
from onevisit.kernel.i18n import N_

router = APIRouter(include_in_schema=False)

NOTICES = {
    "source_registered": N_("The source is registered. Declare the items it holds next."),
    "source_updated": N_("The source's settings are saved."),
    "item_registered": N_(
        "The item is in the catalogue. Load its records by uploading a file or refreshing the source."
    ),
    "item_updated": N_("The item is saved. The changes apply to the next lookup."),
}
#: bad rows shown on the report page (the import keeps up to MAX_REPORTED)
SHOWN_BAD_ROWS = 200


def _options() -> dict[str, Any]:
    return {
        "connector_options": CONNECTOR_OPTIONS,
        "subject_options": SUBJECT_OPTIONS,
        "sharing_options": SHARING_OPTIONS,
        "frequency_options": FREQUENCY_OPTIONS,
        "type_options": TYPE_OPTIONS,
    }


@router.get("/staff/datahub/sources")
def sources_page(
    request: Request, department: str | None = None, principal: Principal = Depends(require(MANAGE))
) -> Response:
    platform = platform_of(request)
    with platform.db.session() as session:
        chosen, departments = department_scope(session, principal, department)
        listed = sources.sources_for(session, principal, chosen.code if chosen and departments else None)
    return render(
        request,
        "datahub/sources.html",
        {"sources": listed, "department": chosen, "departments": departments, "refreshable": sources.refreshable},
    )


def _source_form(
    request: Request, principal: Principal, form: FormState, *, source: Any = None, status: int = 200
) -> Response:
    with platform_of(request).db.session() as session:
        _, departments = department_scope(session, principal, None)
    return render(
        request,
        "datahub/source_form.html",
        {**_options(), "form": form, "source": source, "departments": departments},
        status=status,
    )


@router.get("/staff/datahub/sources/new")
def new_source(request: Request, principal: Principal = Depends(require(MANAGE))) -> Response:
    return _source_form(request, principal, FormState(values={"connector": "csv", "http_timeout": "30"}))


@router.post("/staff/datahub/sources")
async def create_source(request: Request, principal: Principal = Depends(require(MANAGE))) -> Response:
    values = await read_form(request)
    connector = values.get("connector", "")
    service_values = {**values, **forms.config_values(connector, values)}
    try:
        with platform_of(request).uow(principal, ip=client_ip(request)) as uow:
            source = sources.create_source(uow, service_values)
            code = source.code
    except AppError as err:
        errors = forms.config_errors(connector, err.fields) or [FieldError("code", err.message, err.params)]
        return _source_form(request, principal, FormState(forms.safe_values(values), errors), status=err.status)
    return RedirectResponse(f"/staff/datahub/sources/{code}?notice=source_registered", status_code=303)


@router.get("/staff/datahub/sources/{code}")
def source_page(code: str, request: Request, principal: Principal = Depends(require(MANAGE))) -> Response:
    platform = platform_of(request)
    now = platform.clock.now()
    with platform.db.session() as session:
        view = sources.source_for(session, principal, code)
    return render(
        request,
        "datahub/source.html",
        {
            "view": view,
            "config": sources.public_config(view.source),
            "refreshable": sources.refreshable(view.source),
            "stale": {i.code: catalogue.is_stale(i.frequency, i.data_updated_at, now) for i in view.items},
        },
    )


@router.get("/staff/datahub/sources/{code}/edit")
def edit_source(code: str, request: Request, principal: Principal = Depends(require(MANAGE))) -> Response:
    with platform_of(request).db.session() as session:
        view = sources.source_for(session, principal, code)
    return _source_form(request, principal, FormState(values=forms.source_values(view.source)), source=view.source)


@router.post("/staff/datahub/sources/{code}/edit")
async def update_source(code: str, request: Request, principal: Principal = Depends(require(MANAGE))) -> Response:
    values = await read_form(request)
    platform = platform_of(request)
    with platform.db.session() as session:
        stored = sources.source_for(session, principal, code).source
    connector = stored.connector
    try:
        with platform.uow(principal, ip=client_ip(request)) as uow:
            sources.update_source(uow, code, {**values, **forms.config_values(connector, values)})
    except AppError as err:
        errors = forms.config_errors(connector, err.fields) or [FieldError("name", err.message, err.params)]
        shown = {**forms.safe_values(values), "has_password": forms.source_values(stored)["has_password"]}
        return _source_form(request, principal, FormState(shown, errors), source=stored, status=err.status)
    return RedirectResponse(f"/staff/datahub/sources/{code}?notice=source_updated", status_code=303)


@router.post("/staff/datahub/sources/{code}/refresh")
async def refresh_source(code: str, request: Request, principal: Principal = Depends(require(MANAGE))) -> Response:
    platform = platform_of(request)
    with platform.db.session() as session:
        view = sources.source_for(session, principal, code)
    outcomes = await run_in_threadpool(sources.refresh_source, platform, principal, code)
    return render(request, "datahub/refreshed.html", {"view": view, "outcomes": outcomes, "shown": SHOWN_BAD_ROWS})


# --- items -------------------------------------------------------------------------------


def _item_form(request: Request, form: FormState, *, source: Any, item: Any = None, status: int = 200) -> Response:
    rows = int(form.values.get("rows", "0") or 0)
    return render(
        request,
        "datahub/item_form.html",
        {**_options(), "form": form, "source": source, "item": item, "rows": range(rows)},
        status=status,
    )


@router.get("/staff/datahub/sources/{code}/items/new")
def new_item(code: str, request: Request, principal: Principal = Depends(require(MANAGE))) -> Response:
    with platform_of(request).db.session() as session:
        view = sources.source_for(session, principal, code)
    blank = sources.ItemInput(fields=[], subject_kind="person", sharing="conditional", frequency="daily")
    values = forms.item_values(blank, blank_rows=4)
    return _item_form(request, FormState(values=values), source=view.source)


def _more_rows(values: dict[str, str]) -> dict[str, str]:
    data = forms.item_input(values)
    return forms.item_values(data, blank_rows=forms.BLANK_ROWS + 3)


@router.post("/staff/datahub/sources/{code}/items")
async def create_item(code: str, request: Request, principal: Principal = Depends(require(MANAGE))) -> Response:
    values = await read_form(request)
    platform = platform_of(request)
    with platform.db.session() as session:
        source = sources.source_for(session, principal, code).source
    if values.get("action") == "more":
        return _item_form(request, FormState(values=_more_rows(values)), source=source)
    data = forms.item_input(values)
    try:
        with platform.uow(principal, ip=client_ip(request)) as uow:
            item_code = sources.create_item(uow, code, data).code
    except AppError as err:
        errors = err.fields or [FieldError("code", err.message, err.params)]
        return _item_form(request, FormState(forms.item_values(data), errors), source=source, status=err.status)
    return RedirectResponse(f"/staff/datahub/sources/{code}?notice=item_registered#item-{item_code}", status_code=303)


@router.get("/staff/datahub/items/{code}/edit")
def edit_item(code: str, request: Request, principal: Principal = Depends(require(MANAGE))) -> Response:
    with platform_of(request).db.session() as session:
        item = sources.item_for(session, principal, code)
        source = session.get(DataSource, item.source_id)
    values = forms.item_values(forms.stored_item(item))
    return _item_form(request, FormState(values=values), source=source, item=item)


@router.post("/staff/datahub/items/{code}/edit")
async def update_item(code: str, request: Request, principal: Principal = Depends(require(MANAGE))) -> Response:
    values = await read_form(request)
    platform = platform_of(request)
    with platform.db.session() as session:
        item = sources.item_for(session, principal, code)
        source = session.get(DataSource, item.source_id)
    if values.get("action") == "more":
        return _item_form(request, FormState(values=_more_rows(values)), source=source, item=item)
    data = forms.item_input(values)
    data.code = item.code
    try:
        with platform.uow(principal, ip=client_ip(request)) as uow:
            sources.update_item(uow, code, data)
    except AppError as err:
        errors = err.fields or [FieldError("name_zh", err.message, err.params)]
        form = FormState(forms.item_values(data), errors)
        return _item_form(request, form, source=source, item=item, status=err.status)
    back = source.code if source else ""
    return RedirectResponse(f"/staff/datahub/sources/{back}?notice=item_updated#item-{code}", status_code=303)


# --- imports -------------------------------------------------------------------------------


def _import_page(request: Request, item: Any, form: FormState, *, status: int = 200) -> Response:
    expected, required = columns_of(item)
    limit = platform_of(request).settings.max_request_bytes
    return render(
        request,
        "datahub/import.html",
        {
            "item": item,
            "form": form,
            "columns": [(c, c in required) for c in expected],
            "limit_mb": round(limit / 1_000_000, 1),
        },
        status=status,
    )


@router.get("/staff/datahub/items/{code}/import")
def import_form(code: str, request: Request, principal: Principal = Depends(require(MANAGE))) -> Response:
    with platform_of(request).db.session() as session:
        item = sources.item_for(session, principal, code)
    return _import_page(request, item, FormState(values={"mode": "replace"}))


def _run_import(platform: Any, principal: Principal, code: str, *, suffix: str, content: bytes, replace: bool) -> Any:
    with tempfile.TemporaryDirectory(prefix="onevisit-import-") as folder:
        path = Path(folder) / f"upload{suffix}"
        path.write_bytes(content)
        return import_file(platform, principal, item_code=code, path=path, replace=replace)


@router.post("/staff/datahub/items/{code}/import")
async def import_upload(code: str, request: Request, principal: Principal = Depends(require(MANAGE))) -> Response:
    """A CSV or Excel file into the item, in one transaction: good rows loaded, bad rows
    reported by line; a malformed file changes nothing. Files are bounded by the request
    size limit (``ONEVISIT_MAX_REQUEST_BYTES``); larger ones go through the CLI."""
    platform = platform_of(request)
    with platform.db.session() as session:
        item = sources.item_for(session, principal, code)
    form = await request.form()
    upload = form.get("file")
    mode = str(form.get("mode") or "replace")
    values = {"mode": mode}
    suffix = Path(upload.filename or "").suffix.lower() if isinstance(upload, UploadFile) else ""
    if not isinstance(upload, UploadFile) or not upload.filename:
        return _import_page(
            request, item, FormState(values, [FieldError("file", N_("Choose a CSV or Excel file."))]), status=422
        )
    if suffix not in (".csv", ".xlsx", ".xlsm"):
        message = N_("The file must be a .csv or .xlsx file.")
        return _import_page(request, item, FormState(values, [FieldError("file", message)]), status=422)
    if mode not in ("replace", "append"):
        return _import_page(
            request, item, FormState(values, [FieldError("mode", N_("Choose one of the options."))]), status=422
        )
    content = await upload.read()
    if not content:
        message = N_("The file is empty: a header row is needed.")
        return _import_page(request, item, FormState(values, [FieldError("file", message)]), status=422)
    try:
        report = await run_in_threadpool(
            _run_import, platform, principal, code, suffix=suffix, content=content, replace=mode == "replace"
        )
    except AppError as err:
        if err.code not in (DatahubError.IMPORT_MALFORMED, DatahubError.SOURCE_UNAVAILABLE):
            raise
        form_state = FormState(values, [FieldError("file", err.message, err.params)])
        return _import_page(request, item, form_state, status=err.status)
    return render(
        request,
        "datahub/import_report.html",
        {
            "item": item,
            "report": report,
            "filename": upload.filename,
            "replace": mode == "replace",
            "shown": SHOWN_BAD_ROWS,
            "kept": MAX_REPORTED,
            "admin": is_province_admin(principal),
        },
    )
