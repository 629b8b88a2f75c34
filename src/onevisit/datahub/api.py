"""Datahub JSON API under /api/v1: the catalogue, lookups (dossiers), access requests and
approvals, and a citizen's own access log and consents. Lookups are POSTs: they carry an ID number, which
never goes in a URL, and they write the access log."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, Query, Request, Response

from onevisit.datahub.errors import DatahubError
from onevisit.datahub.presenters import access_lines
from onevisit.datahub.schemas import (
    AccessRequestIn,
    AccessRequestOut,
    ApprovalIn,
    ConflictOut,
    ConsentIn,
    DecisionIn,
    DossierIn,
    DossierOut,
    FieldSpec,
    ItemOut,
    ItemStatusOut,
    RecordOut,
)
from onevisit.datahub.services import access, accesslog, catalogue, consents, requests
from onevisit.identity.models import Department, Person
from onevisit.kernel.actors import Principal
from onevisit.kernel.errors import NotFound
from onevisit.kernel.http.authz import require
from onevisit.kernel.http.deps import client_ip, platform_of
from onevisit.kernel.i18n import N_

router = APIRouter(prefix="/api/v1", tags=["datahub"])

STAFF = "staff.portal"
CITIZEN = "citizen.portal"
MANAGE = "datahub.manage"


@router.get("/datahub/items", response_model=list[ItemOut])
def api_items(request: Request, principal: Principal = Depends(require(STAFF))) -> list[ItemOut]:
    platform = platform_of(request)
    now = platform.clock.now()
    with platform.db.session() as session:
        return [
            ItemOut(
                code=item.code,
                department=department.code,
                name_zh=item.name_zh,
                name_en=item.name_en,
                subject_kind=item.subject_kind,
                sharing=item.sharing,
                frequency=item.frequency,
                fields=[FieldSpec.model_validate(f) for f in item.fields],
                records=item.record_count,
                updated_at=item.data_updated_at,
                stale=catalogue.is_stale(item.frequency, item.data_updated_at, now),
            )
            for item, department in catalogue.list_items(session)
        ]


@router.post("/datahub/dossier", response_model=DossierOut)
def api_dossier(body: DossierIn, request: Request, principal: Principal = Depends(require(STAFF))) -> DossierOut:
    platform = platform_of(request)
    purpose = accesslog.Purpose(
        use=body.purpose.use,
        kind=body.purpose.kind,
        reference=body.purpose.reference,
        legal_basis=body.purpose.legal_basis,
    )
    dossier = access.read(
        platform, principal, subject=body.subject, purpose=purpose, items=body.items, ip=client_ip(request)
    )
    with platform.db.session() as session:
        codes = {d.id: d.code for d in session.query(Department)}
    return DossierOut(
        request_id=dossier.request_id,
        subject_kind=dossier.subject.kind,
        subject=dossier.subject.masked,
        records=[RecordOut(item=r.item, seq=r.seq, data=r.data) for r in dossier.records],
        items=[
            ItemStatusOut(
                item=s.item,
                department=codes.get(s.department_id, ""),
                records=s.records,
                stale=s.stale,
                updated_at=s.updated_at,
            )
            for s in dossier.items
        ],
        withheld=dossier.withheld,
        conflicts=[ConflictOut(concept=c.concept, values=c.values) for c in dossier.conflicts],
    )


@router.post("/datahub/approvals", status_code=204)
def api_approve(body: ApprovalIn, request: Request, principal: Principal = Depends(require(MANAGE))) -> Response:
    with platform_of(request).uow(principal, ip=client_ip(request)) as uow:
        catalogue.approve(uow, item_code=body.item, use_code=body.use, legal_basis=body.legal_basis)
    return Response(status_code=204)


@router.post("/datahub/approvals/revoke", status_code=204)
def api_revoke_approval(
    body: ApprovalIn, request: Request, principal: Principal = Depends(require(MANAGE))
) -> Response:
    with platform_of(request).uow(principal, ip=client_ip(request)) as uow:
        catalogue.revoke_approval(uow, item_code=body.item, use_code=body.use)
    return Response(status_code=204)


def _request_out(view: requests.RequestView) -> AccessRequestOut:
    row = view.row
    return AccessRequestOut(
        id=row.id,
        item=view.item.code,
        owner=view.owner.code,
        use=view.use.code,
        requester=view.requester.code if view.requester else None,
        status=view.status,
        legal_basis=row.legal_basis,
        justification=row.justification,
        requested_at=row.requested_at,
        valid_until=view.last_day,
        decided_at=row.decided_at,
        decision_reason=row.decision_reason,
    )


def _request_view(request: Request, principal: Principal, request_id: int) -> AccessRequestOut:
    platform = platform_of(request)
    with platform.db.session() as session:
        return _request_out(requests.visible_request(session, principal, request_id, platform.clock.now()))


@router.get("/datahub/requests", response_model=list[AccessRequestOut])
def api_requests(
    request: Request,
    box: Literal["inbox", "outbox"] = Query("inbox"),
    principal: Principal = Depends(require(STAFF)),
) -> list[AccessRequestOut]:
    """``inbox``: requests for the caller's department's items (pending first);
    ``outbox``: the requests it filed."""
    platform = platform_of(request)
    if principal.department_id is None:
        return []
    with platform.db.session() as session:
        listing = requests.inbox if box == "inbox" else requests.outbox
        return [_request_out(v) for v in listing(session, principal.department_id, platform.clock.now())]


@router.post("/datahub/requests", response_model=AccessRequestOut, status_code=201)
def api_file_request(
    body: AccessRequestIn, request: Request, principal: Principal = Depends(require(STAFF))
) -> AccessRequestOut:
    with platform_of(request).uow(principal, ip=client_ip(request)) as uow:
        row = requests.file_request(
            uow,
            item_code=body.item,
            use_code=body.use,
            legal_basis=body.legal_basis,
            justification=body.justification,
            valid_until=body.valid_until,
        )
        request_id = row.id
    return _request_view(request, principal, request_id)


@router.get("/datahub/requests/{request_id}", response_model=AccessRequestOut)
def api_request(request_id: int, request: Request, principal: Principal = Depends(require(STAFF))) -> AccessRequestOut:
    return _request_view(request, principal, request_id)


@router.post("/datahub/requests/{request_id}/approve", response_model=AccessRequestOut)
def api_approve_request(
    request_id: int, body: DecisionIn, request: Request, principal: Principal = Depends(require(MANAGE))
) -> AccessRequestOut:
    with platform_of(request).uow(principal, ip=client_ip(request)) as uow:
        requests.approve_request(uow, request_id, reason=body.reason, valid_until=body.valid_until)
    return _request_view(request, principal, request_id)


@router.post("/datahub/requests/{request_id}/refuse", response_model=AccessRequestOut)
def api_refuse_request(
    request_id: int, body: DecisionIn, request: Request, principal: Principal = Depends(require(MANAGE))
) -> AccessRequestOut:
    with platform_of(request).uow(principal, ip=client_ip(request)) as uow:
        requests.refuse_request(uow, request_id, reason=body.reason)
    return _request_view(request, principal, request_id)


@router.post("/datahub/requests/{request_id}/revoke", response_model=AccessRequestOut)
def api_revoke_request(
    request_id: int, body: DecisionIn, request: Request, principal: Principal = Depends(require(MANAGE))
) -> AccessRequestOut:
    with platform_of(request).uow(principal, ip=client_ip(request)) as uow:
        requests.revoke_request(uow, request_id, reason=body.reason)
    return _request_view(request, principal, request_id)


@router.post("/datahub/requests/{request_id}/withdraw", response_model=AccessRequestOut)
def api_withdraw_request(
    request_id: int, request: Request, principal: Principal = Depends(require(STAFF))
) -> AccessRequestOut:
    with platform_of(request).uow(principal, ip=client_ip(request)) as uow:
        requests.withdraw_request(uow, request_id)
    return _request_view(request, principal, request_id)


def own_key(request: Request, principal: Principal) -> bytes:
    with platform_of(request).db.session() as session:
        person = session.get(Person, principal.person_id) if principal.person_id else None
        if person is None:
            raise NotFound(DatahubError.SUBJECT_UNKNOWN, N_("No one with this number is on record."))
        return bytes(person.id_number_index)


@router.get("/me/data-accesses")
def api_my_accesses(request: Request, principal: Principal = Depends(require(CITIZEN))) -> list[dict[str, object]]:
    key = own_key(request, principal)
    with platform_of(request).db.session() as session:
        return [
            {
                "at": line.at.isoformat(),
                "who": line.who_en,
                "item": line.item_en,
                "use": line.use_en,
                "purpose": line.purpose_kind,
                "reference": line.reference,
                "legal_basis": line.legal_basis,
                "granted": line.granted,
                "reason": line.reason,
                "records": line.records,
                "ledger_index": line.anchored,
            }
            for line in access_lines(session, key, own_account_id=principal.account_id)
        ]


@router.post("/me/consents", status_code=204)
def api_grant_consent(body: ConsentIn, request: Request, principal: Principal = Depends(require(CITIZEN))) -> Response:
    key = own_key(request, principal)
    with platform_of(request).uow(principal, ip=client_ip(request)) as uow:
        consents.grant(uow, subject_key=key, use_code=body.use)
    return Response(status_code=204)


@router.post("/me/consents/{use}/revoke", status_code=204)
def api_revoke_consent(use: str, request: Request, principal: Principal = Depends(require(CITIZEN))) -> Response:
    key = own_key(request, principal)
    with platform_of(request).uow(principal, ip=client_ip(request)) as uow:
        consents.revoke(uow, subject_key=key, use_code=use)
    return Response(status_code=204)
