"""Application pages: start from a service or bundle, the form (pre-filled, every error at
once, input kept), the application's progress and history, withdraw; the departments'
inbox and the review of a task."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.responses import RedirectResponse, Response

from onevisit import catalog
from onevisit.applications import presenters
from onevisit.applications.services import lifecycle, review
from onevisit.applications.services.lifecycle import Upload
from onevisit.kernel.actors import Principal
from onevisit.kernel.errors import AppError, FieldError
from onevisit.kernel.http.authz import require
from onevisit.kernel.http.deps import client_ip, platform_of
from onevisit.kernel.http.forms import FormState
from onevisit.kernel.http.rendering import language_of, render
from onevisit.kernel.i18n import N_

router = APIRouter(include_in_schema=False)

CITIZEN = "citizen.portal"
STAFF = "staff.portal"
NOTICES = {
    "application_started": N_("Your application is started: the form is filled in from your records where possible."),
    "application_saved": N_("Your draft is saved."),
    "application_submitted": N_("Your application is submitted."),
    "application_withdrawn": N_("Your application is withdrawn."),
    "task_decided": N_("Your decision is recorded and the applicant informed."),
}


@router.get("/apply/{code}")
def apply_page(code: str, request: Request, principal: Principal = Depends(require(CITIZEN))) -> Response:
    with platform_of(request).db.session() as session:
        entry = catalog.get_entry(session, code[:64])
    definition = entry.bundle or entry.service
    assert definition is not None  # noqa: S101 - an entry is one or the other
    return render(
        request, "applications/apply.html", {"entry": entry, "name": definition.name.get(language_of(request))}
    )


@router.post("/apply/{code}")
def start(code: str, request: Request, principal: Principal = Depends(require(CITIZEN))) -> Response:
    app = lifecycle.start(platform_of(request), principal, code[:64], ip=client_ip(request))
    return RedirectResponse(f"/me/applications/{app.number}?notice=application_started", status_code=303)


@router.get("/me/applications")
def my_applications(request: Request, principal: Principal = Depends(require(CITIZEN))) -> Response:
    with platform_of(request).db.session() as session:
        rows = presenters.own_applications(session, principal, language_of(request))
    return render(request, "applications/mine.html", {"rows": rows})


def _page(
    request: Request, principal: Principal, number: str, form: FormState | None = None, status: int = 200
) -> Response:
    platform = platform_of(request)
    with platform.db.session() as session:
        app = lifecycle.find_own(session, principal, number)
        view = presenters.application_view(session, app, language_of(request), platform.clock.now())
    if form is None:
        form = FormState(values={k: str(v) for k, v in app.form.items()})
        form.values.update({f"commit-{c}": "1" for c in app.commitments})
    return render(request, "applications/application.html", {"view": view, "form": form}, status=status)


@router.get("/me/applications/{number}")
def application_page(number: str, request: Request, principal: Principal = Depends(require(CITIZEN))) -> Response:
    return _page(request, principal, number)


async def _read(request: Request) -> tuple[dict[str, str], list[str], list[Upload], str]:
    form = await request.form()
    values: dict[str, str] = {}
    commitments: list[str] = []
    uploads: list[Upload] = []
    limit = platform_of(request).settings.max_form_field_length
    for key, value in form.multi_items():
        if isinstance(value, UploadFile):
            if value.filename and key.startswith("file-"):
                content = await value.read(lifecycle.MAX_FILE_BYTES + 1)
                uploads.append(
                    Upload(key[5:], value.filename, value.content_type or "application/octet-stream", content)
                )
        elif key.startswith("commit-"):
            commitments.append(key[7:])
        elif key not in ("csrf_token", "action"):
            values[key] = value[: limit + 1]
    return values, commitments, uploads, str(form.get("action") or "submit")


def _localized(error: FieldError, language: str) -> FieldError:
    """A condition's message comes in both languages from the definition (not a msgid)."""
    if "zh" in error.params:
        text = str(error.params["zh"]) if language == "zh" else error.message
        return FieldError(error.field, "%(text)s", {"text": text})
    return error


@router.post("/me/applications/{number}")
async def submit(number: str, request: Request, principal: Principal = Depends(require(CITIZEN))) -> Response:
    """Save the draft, or submit it (or a supplement): every problem shown at once, the input kept."""
    values, commitments, uploads, action = await _read(request)
    platform = platform_of(request)
    ip = client_ip(request)
    if action == "save":
        await run_in_threadpool(
            lambda: lifecycle.save(platform, principal, number, values, commitments=commitments, ip=ip)
        )
        return RedirectResponse(f"/me/applications/{number}?notice=application_saved", status_code=303)
    try:
        await run_in_threadpool(
            lambda: lifecycle.submit(
                platform, principal, number, values, commitments=commitments, uploads=uploads, ip=ip
            )
        )
    except AppError as err:
        if err.status not in (400, 422):
            raise
        lang = language_of(request)
        errors = [_localized(e, lang) for e in err.fields] or [FieldError("form", err.message, err.params)]
        state = FormState(values={**values, **{f"commit-{c}": "1" for c in commitments}}, errors=errors)
        return await run_in_threadpool(_page, request, principal, number, state, 422)
    return RedirectResponse(f"/me/applications/{number}?notice=application_submitted", status_code=303)


@router.post("/me/applications/{number}/withdraw")
def withdraw(number: str, request: Request, principal: Principal = Depends(require(CITIZEN))) -> Response:
    lifecycle.withdraw(platform_of(request), principal, number, ip=client_ip(request))
    return RedirectResponse(f"/me/applications/{number}?notice=application_withdrawn", status_code=303)


# --- departments -------------------------------------------------------------------------------


@router.get("/staff/applications")
def inbox_page(
    request: Request,
    show: str = Query("open", pattern="^(open|due_soon|overdue|decided)$"),
    principal: Principal = Depends(require(STAFF)),
) -> Response:
    platform = platform_of(request)
    now = platform.clock.now()
    with platform.db.session() as session:
        rows = review.inbox(session, principal, now, show=show)
        counts = {key: len(review.inbox(session, principal, now, show=key)) for key in ("open", "due_soon", "overdue")}
        names = presenters.service_names(session, [r.application.service_code for r in rows], language_of(request))
    context = {"rows": rows, "show": show, "counts": counts, "names": names, "task_labels": presenters.TASK_LABELS}
    return render(request, "applications/inbox.html", context)


def _task_page(request: Request, principal: Principal, task_id: int, form: FormState, status: int = 200) -> Response:
    platform = platform_of(request)
    with platform.db.session() as session:
        task, app = review.task_for(session, principal, task_id)
        view = presenters.application_view(session, app, language_of(request), platform.clock.now(), staff=True)
    context: dict[str, Any] = {"view": view, "task": task, "form": form}
    return render(request, "applications/task.html", context, status=status)


@router.get("/staff/applications/tasks/{task_id}")
def task_page(task_id: int, request: Request, principal: Principal = Depends(require(STAFF))) -> Response:
    return _task_page(request, principal, task_id, FormState(values={"decision": "approve"}))


@router.post("/staff/applications/tasks/{task_id}")
async def decide(task_id: int, request: Request, principal: Principal = Depends(require(STAFF))) -> Response:
    form = await request.form()
    decision = str(form.get("decision") or "")
    reason = str(form.get("reason") or "")
    platform = platform_of(request)
    try:
        await run_in_threadpool(
            lambda: review.decide(platform, principal, task_id, decision, reason, ip=client_ip(request))
        )
    except AppError as err:
        if err.status not in (409, 422):
            raise
        state = FormState(
            values={"decision": decision, "reason": reason},
            errors=err.fields or [FieldError("decision", err.message, err.params)],
        )
        return await run_in_threadpool(_task_page, request, principal, task_id, state, err.status)
    return RedirectResponse("/staff/applications?notice=task_decided", status_code=303)
