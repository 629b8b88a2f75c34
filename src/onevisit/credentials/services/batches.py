"""Issuing many certificates at once: one ledger append, one INSERT.

:func:`issue_many` is :func:`draft_many` (validate, sign — nothing written) then
:func:`register_many` (the certificates' ledger entries, their rows, audit records and
events). A caller that needs the numbers before anything is written — applications'
group-committed instant approvals put them on the applications and their history, and
keep the certificate log's lock for as short a time as possible — calls the two itself,
writing its own rows in between.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from onevisit import ledger
from onevisit.credentials.events import CredentialIssued
from onevisit.credentials.inclusion import CERTIFICATE_LOG
from onevisit.credentials.keys import Signer, signer_for
from onevisit.credentials.services.issuance import (
    Draft,
    IssueRequest,
    _check_holder_kind,
    clean_fields,
    draft,
    holder_facts,
    local_today,
    type_or_error,
    validity,
)
from onevisit.kernel import journal
from onevisit.kernel.rows import Rows
from onevisit.kernel.uow import UnitOfWork

_COLUMNS = (
    ("number", "text"),
    ("type_code", "text"),
    ("issuer_id", "int"),
    ("department_id", "int"),
    ("holder_person_id", "int"),
    ("holder_enterprise_id", "int"),
    ("holder_name", "text"),
    ("status", "text"),
    ("issued_at", "time"),
    ("valid_from", "date"),
    ("valid_until", "date"),
    ("body", "text"),
    ("signature", "bytes"),
    ("disclosures_enc", "bytes"),
    ("source", "text"),
    ("reference", "text"),
    ("ledger_index", "int"),
)
CHUNK = 5000


def issue_many(uow: UnitOfWork, requests: Iterable[IssueRequest], *, source: str, announce: bool = False) -> list[str]:
    """Issues a batch: one ledger append, one bulk insert, one audit record for the batch.

    Requests may carry the holder's facts (the demo seed knows them already), saving a
    lookup and a decryption each. Returns the certificate numbers in order. ``announce``:
    each certificate audited and announced (:class:`CredentialIssued`) as ``issue`` does,
    instead of one audit record for the batch. A reference issued before makes the whole
    batch fail (unique ``(source, reference)``): ``issue`` is the form that returns the
    earlier one.
    """
    asked = list(requests)
    drafts = draft_many(uow, asked, source=source)
    register_many(uow, drafts, asked, source=source, announce=announce)
    return [d.number for d in drafts]


def draft_many(uow: UnitOfWork, requests: Sequence[IssueRequest], *, source: str) -> list[Draft]:
    """Validates and signs each request's certificate; writes nothing. Raises on the first
    invalid request (type, holder kind, fields, validity)."""
    session = uow.session
    vault = uow.platform.vault
    now = uow.clock.now()
    today = local_today(now)
    signers: dict[str, Signer] = {}
    drafts: list[Draft] = []
    for request in requests:
        ctype = type_or_error(request.type_code)
        _check_holder_kind(ctype, request.holder)
        clean = clean_fields(ctype, request.fields)
        start, end = validity(ctype, clean, today, request.valid_from, request.valid_until)
        if ctype.department not in signers:
            signers[ctype.department] = signer_for(uow, ctype.department)
        facts = request.facts or holder_facts(session, vault, request.holder)
        drafts.append(
            draft(
                vault,
                ctype,
                signers[ctype.department],
                request.holder,
                facts,
                clean,
                now,
                start,
                end,
                source=source,
                reference=request.reference,
            )
        )
    return drafts


def register_many(
    uow: UnitOfWork,
    drafts: Sequence[Draft],
    requests: Sequence[IssueRequest],
    *,
    source: str,
    announce: bool = False,
    rows: Rows | None = None,
) -> None:
    """Appends the drafts' entries to the certificate log (its lock is held from here to
    the commit) and writes their rows, audit records and events."""
    if not drafts:
        return
    refs = ledger.append_many(uow, CERTIFICATE_LOG, [d.entry for d in drafts])
    rows = rows or Rows(uow.session)
    values = [
        tuple((d.row | {"ledger_index": ref.index})[name] for name, _ in _COLUMNS)
        for d, ref in zip(drafts, refs, strict=True)
    ]
    with rows.pipeline():  # nothing read back: one round trip on PostgreSQL
        for offset in range(0, len(values), CHUNK):
            rows.insert("credentials", _COLUMNS, values[offset : offset + CHUNK])
        if not announce:
            uow.audit(
                "credentials.issued_batch", "credential", drafts[0].number, {"count": len(drafts), "source": source}
            )
            return
        journal.audit_many(
            uow,
            [
                journal.AuditEntry(
                    "credentials.issued",
                    "credential",
                    d.number,
                    {"type": d.body.ctype, "department": d.body.issuer, "source": source, "reference": r.reference},
                    r.ip,
                    r.actor,
                )
                for d, r in zip(drafts, requests, strict=True)
            ],
            rows=rows,
        )
        journal.emit_many(
            uow,
            [
                CredentialIssued(
                    number=d.number,
                    type_code=d.body.ctype,
                    department_id=d.row["department_id"],
                    source=source,
                    reference=r.reference,
                )
                for d, r in zip(drafts, requests, strict=True)
            ],
            rows=rows,
        )
