"""Ledger JSON API under /api/v1/ledger.

Reading is public: anyone may fetch entries, signed heads and proofs and check them
offline. Witnesses submit co-signatures and alerts on public routes too; each submission
is authenticated by the witness's Ed25519 signature against its registered key.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from sqlalchemy.orm import Session

from onevisit.kernel.actors import Principal
from onevisit.kernel.http.authz import public
from onevisit.kernel.http.deps import client_ip, platform_of
from onevisit.kernel.i18n import N_
from onevisit.ledger.errors import LedgerError, LedgerInputError, LedgerNotFoundError
from onevisit.ledger.merkle import MAX_TREE_SIZE
from onevisit.ledger.schemas import (
    AlertIn,
    AlertOut,
    ConsistencyProofOut,
    CosignatureIn,
    EntryOut,
    HeadOut,
    InclusionProofOut,
    LogOut,
    WitnessOut,
    b64,
    unb64,
    unhex,
)
from onevisit.ledger.services import heads, logs, proofs, witnesses
from onevisit.ledger.services.heads import SignedHead

router = APIRouter(prefix="/api/v1/ledger", tags=["ledger"])

MAX_ENTRIES_PER_PAGE = 1000
Size = Annotated[int, Query(ge=0, le=MAX_TREE_SIZE)]
PathSize = Annotated[int, Path(ge=0, le=MAX_TREE_SIZE)]


def _head_or_none(session: Session, log: str, size: int) -> SignedHead | None:
    try:
        return heads.signed_head(session, log, size)
    except LedgerNotFoundError as err:
        if err.code is LedgerError.HEAD_NOT_FOUND:
            return None
        raise


@router.get("/logs", response_model=list[LogOut])
def api_logs(request: Request, principal: Principal = Depends(public)) -> list[LogOut]:
    with platform_of(request).db.session() as session:
        out = []
        for log in logs.list_logs(session):
            latest = _latest(session, log.name)
            out.append(
                LogOut(
                    name=log.name,
                    log_id=log.log_id,
                    public_key=log.public_key.hex(),
                    tree_size=log.tree_size,
                    latest_head=latest,
                )
            )
        return out


def _latest(session: Session, log: str) -> HeadOut | None:
    try:
        return HeadOut.of(heads.latest_head(session, log))
    except LedgerNotFoundError as err:
        if err.code is LedgerError.HEAD_NOT_FOUND:
            return None
        raise


@router.get("/logs/{log}", response_model=LogOut)
def api_log(log: str, request: Request, principal: Principal = Depends(public)) -> LogOut:
    with platform_of(request).db.session() as session:
        row = logs.find_log(session, log[:64])
        return LogOut(
            name=row.name,
            log_id=row.log_id,
            public_key=row.public_key.hex(),
            tree_size=row.tree_size,
            latest_head=_latest(session, row.name),
        )


@router.get("/logs/{log}/entries", response_model=list[EntryOut])
def api_entries(
    log: str,
    request: Request,
    start: Annotated[int, Query(ge=0, le=MAX_TREE_SIZE)] = 0,
    end: Annotated[int | None, Query(ge=0, le=MAX_TREE_SIZE, description="exclusive; at most 1000 after start")] = None,
    principal: Principal = Depends(public),
) -> list[EntryOut]:
    stop = start + MAX_ENTRIES_PER_PAGE if end is None else end
    if stop - start > MAX_ENTRIES_PER_PAGE:
        raise LedgerInputError(
            LedgerError.INDEX_OUT_OF_RANGE,
            N_("At most %(max)s entries per request."),
            params={"max": MAX_ENTRIES_PER_PAGE},
        )
    with platform_of(request).db.session() as session:
        size = logs.find_log(session, log[:64]).tree_size
        if end is None:
            stop = min(stop, size)
        rows = logs.read_entries(session, log[:64], start, stop)
    return [EntryOut(index=i, leaf_hash=h.hex(), data=b64(d)) for i, h, d in rows]


@router.get("/logs/{log}/heads/latest", response_model=HeadOut)
def api_latest_head(log: str, request: Request, principal: Principal = Depends(public)) -> HeadOut:
    with platform_of(request).db.session() as session:
        return HeadOut.of(heads.latest_head(session, log[:64]))


@router.get("/logs/{log}/heads/{tree_size}", response_model=HeadOut)
def api_head(log: str, tree_size: PathSize, request: Request, principal: Principal = Depends(public)) -> HeadOut:
    with platform_of(request).db.session() as session:
        return HeadOut.of(heads.signed_head(session, log[:64], tree_size))


@router.get("/logs/{log}/proofs/inclusion", response_model=InclusionProofOut)
def api_inclusion(
    log: str,
    request: Request,
    index: Annotated[int, Query(ge=0, le=MAX_TREE_SIZE)],
    tree_size: Annotated[
        int | None, Query(ge=0, le=MAX_TREE_SIZE, description="default: the latest signed head")
    ] = None,
    principal: Principal = Depends(public),
) -> InclusionProofOut:
    with platform_of(request).db.session() as session:
        size = tree_size if tree_size is not None else heads.latest_head(session, log[:64]).head.tree_size
        proof = proofs.prove_inclusion(session, log[:64], index, size)
        return InclusionProofOut.of(proof, _head_or_none(session, log[:64], size))


@router.get("/logs/{log}/proofs/inclusion-by-hash", response_model=InclusionProofOut)
def api_inclusion_by_hash(
    log: str,
    request: Request,
    leaf_hash: Annotated[
        str,
        Query(
            min_length=64,
            max_length=64,
            description="hex SHA-256(0x00 ‖ entry bytes): what a receipt's holder can compute",
        ),
    ],
    tree_size: Annotated[
        int | None, Query(ge=0, le=MAX_TREE_SIZE, description="default: the latest signed head")
    ] = None,
    principal: Principal = Depends(public),
) -> InclusionProofOut:
    """The inclusion proof of the first entry with this leaf hash (RFC 6962 ``get-proof-by-hash``)."""
    leaf = unhex(leaf_hash, what="leaf hash")
    with platform_of(request).db.session() as session:
        size = tree_size if tree_size is not None else heads.latest_head(session, log[:64]).head.tree_size
        proof = proofs.prove_inclusion_by_hash(session, log[:64], leaf, size)
        return InclusionProofOut.of(proof, _head_or_none(session, log[:64], size))


@router.get("/logs/{log}/proofs/consistency", response_model=ConsistencyProofOut)
def api_consistency(
    log: str,
    request: Request,
    first: Size,
    second: Annotated[int | None, Query(ge=0, le=MAX_TREE_SIZE, description="default: the latest signed head")] = None,
    principal: Principal = Depends(public),
) -> ConsistencyProofOut:
    with platform_of(request).db.session() as session:
        size = second if second is not None else heads.latest_head(session, log[:64]).head.tree_size
        proof = proofs.prove_consistency(session, log[:64], first, size)
        return ConsistencyProofOut.of(
            proof, _head_or_none(session, log[:64], first), _head_or_none(session, log[:64], size)
        )


@router.post("/logs/{log}/heads/{tree_size}/cosignatures", response_model=HeadOut)
def api_cosign(
    log: str, tree_size: PathSize, body: CosignatureIn, request: Request, principal: Principal = Depends(public)
) -> HeadOut:
    platform = platform_of(request)
    with platform.uow(principal, ip=client_ip(request)) as uow:
        witnesses.add_cosignature(
            uow,
            log[:64],
            tree_size,
            witness_name=body.witness,
            timestamp=body.timestamp,
            signature=unb64(body.signature, what="signature"),
        )
    with platform.db.session() as session:
        return HeadOut.of(heads.signed_head(session, log[:64], tree_size))


@router.post("/alerts", response_model=AlertOut, status_code=201)
def api_alert(body: AlertIn, request: Request, principal: Principal = Depends(public)) -> AlertOut:
    with platform_of(request).uow(principal, ip=client_ip(request)) as uow:
        alert = witnesses.submit_witness_alert(
            uow,
            witness_name=body.witness,
            log_name=body.log,
            kind=body.kind,
            message=body.message,
            detail=body.detail,
            timestamp=body.timestamp,
            signature=unb64(body.signature, what="signature"),
        )
        return AlertOut(id=alert.id, kind=alert.kind)


@router.get("/witnesses", response_model=list[WitnessOut])
def api_witnesses(request: Request, principal: Principal = Depends(public)) -> list[WitnessOut]:
    with platform_of(request).db.session() as session:
        return [
            WitnessOut(name=w.name, public_key=w.public_key.hex(), active=w.active)
            for w in witnesses.list_witnesses(session)
        ]
