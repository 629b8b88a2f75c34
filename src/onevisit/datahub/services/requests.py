"""Access requests: "the owning department approves each requesting use".

A department whose registered use needs a *conditional* item files a request (the item, the
use, the legal basis, why, and optionally until when); the owning department's staff see it
in their inbox and approve or refuse it with a reason, and may later revoke an approval. An
approval lapses by itself at ``valid_until``. Lookups read the approved rows in the same
statement as the records (:mod:`.access`), so every decision — approval, refusal, expiry,
revocation — applies to the very next lookup; a lookup without an approval is refused with
``datahub.approval.missing`` and logged as a refused access.

Every step is audited. Requests are visible to the requesting department, the owning
department and province administrators; anyone else gets 404.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Row, Select, case, or_, select
from sqlalchemy.orm import Session, aliased

from onevisit.datahub.errors import DatahubError
from onevisit.datahub.models import OPEN_STATUSES, Approval, CatalogItem, DataUse
from onevisit.datahub.services.catalogue import find_item, find_use
from onevisit.datahub.services.ownership import is_province_admin, may_manage
from onevisit.identity.models import Department
from onevisit.kernel.actors import Principal
from onevisit.kernel.errors import Conflict, FieldError, Forbidden, InvalidInput, NotFound, ValidationFailed
from onevisit.kernel.i18n import N_
from onevisit.kernel.uow import UnitOfWork

JUSTIFICATION_MIN = 10


def end_of_day(day: dt.date) -> dt.datetime:
    """An approval "valid until 30 June" lapses when 30 June ends (UTC)."""
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)


def last_day(until: dt.datetime) -> dt.date:
    """The last day an approval lapsing at ``until`` is valid on (inverse of :func:`end_of_day`)."""
    return (until - dt.timedelta(microseconds=1)).date()


def effective_status(row: Approval, now: dt.datetime) -> str:
    """``row.status``, except that an approval past its end date reads ``expired`` at once
    (the worker's ``datahub.expire_requests`` job writes that down later)."""
    if row.status == "approved" and row.valid_until is not None and row.valid_until <= now:
        return "expired"
    return row.status


@dataclass(frozen=True, slots=True)
class RequestView:
    """One request as the pages and the API show it."""

    row: Approval
    item: CatalogItem
    use: DataUse
    owner: Department
    requester: Department | None
    status: str

    @property
    def id(self) -> int:
        return self.row.id

    @property
    def last_day(self) -> dt.date | None:
        return last_day(self.row.valid_until) if self.row.valid_until else None


def _not_found(request_id: object) -> NotFound:
    return NotFound(
        DatahubError.REQUEST_UNKNOWN, N_("There is no access request %(id)s."), params={"id": str(request_id)[:20]}
    )


def text_problems(
    *, legal_basis: str, justification: str | None, valid_until: dt.date | None, today: dt.date
) -> list[FieldError]:
    problems = []
    if not legal_basis.strip():
        problems.append(FieldError("legal_basis", N_("State the legal basis for this use.")))
    elif len(legal_basis.strip()) > 200:
        problems.append(
            FieldError("legal_basis", N_("Must be %(max_length)s characters or fewer."), {"max_length": 200})
        )
    if justification is not None:
        if len(justification.strip()) < JUSTIFICATION_MIN:
            problems.append(
                FieldError(
                    "justification",
                    N_("Explain why the use needs this item (at least %(count)s characters)."),
                    {"count": JUSTIFICATION_MIN},
                )
            )
        elif len(justification.strip()) > 2000:
            problems.append(
                FieldError("justification", N_("Must be %(max_length)s characters or fewer."), {"max_length": 2000})
            )
    if valid_until is not None and valid_until < today:
        problems.append(FieldError("valid_until", N_("The end date must be today or later.")))
    return problems


def _requesting_department(actor: Principal, use: DataUse) -> int | None:
    if use.department_id is not None:
        if actor.department_id != use.department_id and not is_province_admin(actor):
            raise Forbidden(
                DatahubError.USE_NOT_YOURS,
                N_("Use %(use)s belongs to another department."),
                params={"use": use.code},
                fields=[FieldError("use", N_("Use %(use)s belongs to another department."), {"use": use.code})],
            )
        return use.department_id
    if actor.department_id is None:
        raise Forbidden(
            DatahubError.REQUEST_INVALID,
            N_("Only a department's staff can file an access request."),
        )
    return actor.department_id


def file_request(
    uow: UnitOfWork,
    *,
    item_code: str,
    use_code: str,
    legal_basis: str,
    justification: str,
    valid_until: dt.date | None = None,
) -> Approval:
    """Files a request for ``use`` to read the conditional ``item`` (status ``pending``)."""
    session = uow.session
    now = uow.clock.now()
    problems = text_problems(
        legal_basis=legal_basis, justification=justification, valid_until=valid_until, today=now.date()
    )
    item = session.scalar(select(CatalogItem).where(CatalogItem.code == item_code))
    use = session.scalar(select(DataUse).where(DataUse.code == use_code))
    if item is None:
        problems.insert(0, FieldError("item", N_("There is no catalogue item %(code)s."), {"code": item_code[:64]}))
    if use is None:
        problems.insert(0, FieldError("use", N_("There is no registered use %(code)s."), {"code": use_code[:64]}))
    if problems:
        raise ValidationFailed(problems, code=DatahubError.REQUEST_INVALID)
    assert item is not None and use is not None  # noqa: S101 - checked just above
    department_id = _requesting_department(uow.actor, use)
    if item.sharing != "conditional":
        message = (
            N_("%(item)s is shared with every department: no request is needed.")
            if item.sharing == "unconditional"
            else N_("%(item)s is not shared with other departments: it cannot be requested.")
        )
        raise InvalidInput(
            DatahubError.REQUEST_NOT_NEEDED,
            message,
            params={"item": item.code},
            fields=[FieldError("item", message, {"item": item.code})],
        )
    if department_id == item.department_id:
        message = N_("Your department holds %(item)s itself: no request is needed.")
        raise InvalidInput(
            DatahubError.REQUEST_NOT_NEEDED,
            message,
            params={"item": item.code},
            fields=[FieldError("item", message, {"item": item.code})],
        )
    _check_none_open(session, item, use, now)
    row = Approval(
        item_id=item.id,
        use_id=use.id,
        status="pending",
        requesting_department_id=department_id,
        requested_by_account_id=uow.actor.account_id,
        requested_at=now,
        legal_basis=legal_basis.strip(),
        justification=justification.strip(),
        valid_until=end_of_day(valid_until) if valid_until else None,
    )
    session.add(row)
    session.flush()
    uow.audit("datahub.access_requested", "datahub_request", row.id, {"item": item.code, "use": use.code})
    return row


def _check_none_open(session: Session, item: CatalogItem, use: DataUse, now: dt.datetime) -> None:
    """One open request per item and use; an approval past its end date is closed first."""
    for row in session.scalars(
        select(Approval).where(
            Approval.item_id == item.id, Approval.use_id == use.id, Approval.status.in_(OPEN_STATUSES)
        )
    ):
        if effective_status(row, now) == "expired":
            row.status = "expired"
            session.flush()
            continue
        message = (
            N_("%(use)s already has a pending request for %(item)s.")
            if row.status == "pending"
            else N_("%(use)s is already approved to read %(item)s.")
        )
        raise Conflict(DatahubError.REQUEST_OPEN, message, params={"use": use.code, "item": item.code})


def _request_query() -> Select[Approval, CatalogItem, DataUse, Department, Department]:
    requester = aliased(Department)
    return (
        select(Approval, CatalogItem, DataUse, Department, requester)
        .join(CatalogItem, CatalogItem.id == Approval.item_id)
        .join(DataUse, DataUse.id == Approval.use_id)
        .join(Department, Department.id == CatalogItem.department_id)
        .outerjoin(requester, requester.id == Approval.requesting_department_id)
    )


def _view(row: Row[Approval, CatalogItem, DataUse, Department, Department], now: dt.datetime) -> RequestView:
    approval, item, use, owner, requester = row  # requester is None for an owner's own approval
    return RequestView(approval, item, use, owner, requester, effective_status(approval, now))


def visible_request(session: Session, actor: Principal, request_id: int, now: dt.datetime) -> RequestView:
    """The request, if ``actor``'s department filed it or owns its item (or a province
    administrator asks); otherwise 404."""
    found = session.execute(_request_query().where(Approval.id == request_id)).first()
    if found is None:
        raise _not_found(request_id)
    view = _view(found, now)
    if not (may_manage(actor, view.item.department_id) or may_manage(actor, view.row.requesting_department_id)):
        raise _not_found(request_id)
    return view


def inbox(session: Session, department_id: int, now: dt.datetime, *, limit: int = 200) -> list[RequestView]:
    """Requests for ``department_id``'s items: pending first (oldest first), then the rest."""
    pending_first = case((Approval.status == "pending", 0), else_=1)
    rows = session.execute(
        _request_query()
        .where(CatalogItem.department_id == department_id)
        .order_by(pending_first, Approval.requested_at.desc(), Approval.id.desc())
        .limit(limit)
    ).all()
    views = [_view(r, now) for r in rows]
    pending = sorted((v for v in views if v.status == "pending"), key=lambda v: (v.row.requested_at, v.id))
    return pending + [v for v in views if v.status != "pending"]


def outbox(session: Session, department_id: int, now: dt.datetime, *, limit: int = 200) -> list[RequestView]:
    """Requests ``department_id`` filed, newest first."""
    rows = session.execute(
        _request_query()
        .where(Approval.requesting_department_id == department_id)
        .order_by(Approval.requested_at.desc(), Approval.id.desc())
        .limit(limit)
    ).all()
    return [_view(r, now) for r in rows]


def pending_count(session: Session, department_id: int) -> int:
    return len(
        session.scalars(
            select(Approval.id)
            .join(CatalogItem, CatalogItem.id == Approval.item_id)
            .where(CatalogItem.department_id == department_id, Approval.status == "pending")
        ).all()
    )


def _for_owner(uow: UnitOfWork, request_id: int) -> RequestView:
    view = visible_request(uow.session, uow.actor, request_id, uow.clock.now())
    if not may_manage(uow.actor, view.item.department_id):
        raise Forbidden(
            DatahubError.NOT_OWNING_DEPARTMENT,
            N_("Only the department that owns %(item)s can decide on requests for it."),
            params={"item": view.item.code},
        )
    return view


def _decided(view: RequestView, wanted: str) -> Conflict:
    return Conflict(
        DatahubError.REQUEST_DECIDED,
        N_("This request is %(status)s, not %(wanted)s: nothing was changed."),
        params={"status": view.status, "wanted": wanted},
    )


def _reason_problem(reason: str, *, required: bool) -> list[FieldError]:
    if required and not reason.strip():
        return [FieldError("reason", N_("Give the reason; the requesting department will see it."))]
    if len(reason.strip()) > 500:
        return [FieldError("reason", N_("Must be %(max_length)s characters or fewer."), {"max_length": 500})]
    return []


def approve_request(
    uow: UnitOfWork, request_id: int, *, reason: str = "", valid_until: dt.date | None = None
) -> Approval:
    """The owner approves a pending request (optionally until ``valid_until``, which may
    shorten or set the requested end date). Applies to the next lookup."""
    view = _for_owner(uow, request_id)
    now = uow.clock.now()
    problems = _reason_problem(reason, required=False)
    if valid_until is not None and valid_until < now.date():
        problems.append(FieldError("valid_until", N_("The end date must be today or later.")))
    if problems:
        raise ValidationFailed(problems, code=DatahubError.REQUEST_INVALID)
    if view.status != "pending":
        raise _decided(view, "pending")
    row = view.row
    row.status, row.decided_at, row.decided_by_account_id = "approved", now, uow.actor.account_id
    row.decision_reason = reason.strip() or None
    if valid_until is not None:
        row.valid_until = end_of_day(valid_until)
    uow.audit(
        "datahub.access_request_approved",
        "datahub_request",
        row.id,
        {"item": view.item.code, "use": view.use.code, "valid_until": valid_until.isoformat() if valid_until else None},
    )
    return row


def refuse_request(uow: UnitOfWork, request_id: int, *, reason: str) -> Approval:
    view = _for_owner(uow, request_id)
    problems = _reason_problem(reason, required=True)
    if problems:
        raise ValidationFailed(problems, code=DatahubError.REQUEST_INVALID)
    if view.status != "pending":
        raise _decided(view, "pending")
    row = view.row
    row.status, row.decided_at, row.decided_by_account_id = "refused", uow.clock.now(), uow.actor.account_id
    row.decision_reason = reason.strip()
    uow.audit(
        "datahub.access_request_refused", "datahub_request", row.id, {"item": view.item.code, "use": view.use.code}
    )
    return row


def revoke_request(uow: UnitOfWork, request_id: int, *, reason: str) -> Approval:
    """The owner withdraws a standing approval; the next lookup is refused."""
    view = _for_owner(uow, request_id)
    problems = _reason_problem(reason, required=True)
    if problems:
        raise ValidationFailed(problems, code=DatahubError.REQUEST_INVALID)
    if view.status != "approved":
        raise _decided(view, "approved")
    row = view.row
    row.status, row.revoked_at = "revoked", uow.clock.now()
    row.decision_reason = reason.strip()
    uow.audit(
        "datahub.access_request_revoked", "datahub_request", row.id, {"item": view.item.code, "use": view.use.code}
    )
    return row


def withdraw_request(uow: UnitOfWork, request_id: int) -> Approval:
    """The requesting department withdraws its own pending request."""
    view = visible_request(uow.session, uow.actor, request_id, uow.clock.now())
    if not may_manage(uow.actor, view.row.requesting_department_id):
        raise _not_found(request_id)
    if view.status != "pending":
        raise _decided(view, "pending")
    view.row.status = "withdrawn"
    uow.audit("datahub.access_request_withdrawn", "datahub_request", view.id, {"item": view.item.code})
    return view.row


def expire_due(uow: UnitOfWork) -> int:
    """Marks approvals past their end date ``expired`` (lookups already treat them so)."""
    now = uow.clock.now()
    rows = list(
        uow.session.scalars(
            select(Approval).where(
                Approval.status == "approved", Approval.valid_until.is_not(None), Approval.valid_until <= now
            )
        )
    )
    for row in rows:
        row.status = "expired"
        uow.audit("datahub.access_request_expired", "datahub_request", row.id)
    return len(rows)


def standing_approval(session: Session, item: CatalogItem, use: DataUse) -> Approval | None:
    return session.scalar(
        select(Approval).where(Approval.item_id == item.id, Approval.use_id == use.id, Approval.status == "approved")
    )


def approve_use(uow: UnitOfWork, *, item_code: str, use_code: str, legal_basis: str) -> Approval:
    """The owner approves ``use`` of its conditional item on its own initiative (the demo
    and the ``/api/v1/datahub/approvals`` route): approves a pending request for it, renews
    a standing approval, or records a new one, approved at once."""
    session = uow.session
    item = find_item(session, item_code)
    use = find_use(session, use_code)
    if not may_manage(uow.actor, item.department_id):
        raise Forbidden(
            DatahubError.NOT_OWNING_DEPARTMENT,
            N_("Only the department that owns %(item)s can approve or revoke its uses."),
            params={"item": item.code},
        )
    if not legal_basis.strip():
        raise InvalidInput(DatahubError.LEGAL_BASIS_MISSING, N_("State the legal basis for this use."))
    now = uow.clock.now()
    row = session.scalar(
        select(Approval).where(
            Approval.item_id == item.id, Approval.use_id == use.id, Approval.status.in_(OPEN_STATUSES)
        )
    )
    if row is None:
        row = Approval(
            item_id=item.id,
            use_id=use.id,
            requesting_department_id=None,
            requested_by_account_id=uow.actor.account_id,
            requested_at=now,
            justification="",
        )
        session.add(row)
    row.status, row.legal_basis = "approved", legal_basis.strip()
    row.decided_at, row.decided_by_account_id, row.revoked_at = now, uow.actor.account_id, None
    session.flush()
    uow.audit("datahub.use_approved", "datahub_item", item.code, {"use": use.code, "request": row.id})
    return row


def revoke_use(uow: UnitOfWork, *, item_code: str, use_code: str, reason: str = "") -> None:
    session = uow.session
    item = find_item(session, item_code)
    use = find_use(session, use_code)
    if not may_manage(uow.actor, item.department_id):
        raise Forbidden(
            DatahubError.NOT_OWNING_DEPARTMENT,
            N_("Only the department that owns %(item)s can approve or revoke its uses."),
            params={"item": item.code},
        )
    row = standing_approval(session, item, use)
    if row is None:
        raise NotFound(
            DatahubError.APPROVAL_MISSING,
            N_("%(use)s has no standing approval for %(item)s."),
            params={"use": use.code, "item": item.code},
        )
    row.status, row.revoked_at = "revoked", uow.clock.now()
    row.decision_reason = reason.strip()[:500] or None
    uow.audit("datahub.use_approval_revoked", "datahub_item", item.code, {"use": use.code, "request": row.id})


def requestable(session: Session, actor: Principal) -> tuple[list[CatalogItem], list[DataUse]]:
    """What the request form offers: other departments' conditional items, and the uses
    ``actor``'s department may invoke (its own and the shared ones)."""
    items_query = select(CatalogItem).where(CatalogItem.sharing == "conditional").order_by(CatalogItem.code)
    if actor.department_id is not None:
        items_query = items_query.where(CatalogItem.department_id != actor.department_id)
    items = list(session.scalars(items_query))
    uses_query = select(DataUse).order_by(DataUse.code)
    if not is_province_admin(actor):
        uses_query = uses_query.where(
            or_(DataUse.department_id.is_(None), DataUse.department_id == actor.department_id)
        )
    return items, list(session.scalars(uses_query))
