"""Signed tree heads: on demand, and at intervals from a job (:func:`sign_due_heads`).

A head is signed over the root recomputed from the stored subtrees, and only if that
agrees with the root the appends recorded; there is one head per tree size (asking again
for an unchanged log returns the existing head). A head becomes final once the configured
quorum of registered, active witnesses has co-signed it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from onevisit.kernel.i18n import N_
from onevisit.kernel.uow import UnitOfWork
from onevisit.ledger.config import LedgerConfig, get_ledger_config, log_keys
from onevisit.ledger.errors import LedgerError, LedgerNotFoundError, LedgerStorageError, VerificationError
from onevisit.ledger.events import HeadFinal, HeadSigned
from onevisit.ledger.models import LedgerCosignature, LedgerHead, LedgerLog, LedgerWitness
from onevisit.ledger.services.logs import find_log, list_logs, lock_log
from onevisit.ledger.services.proofs import root_at
from onevisit.ledger.signing import Cosignature, TreeHead, to_millis


@dataclass(frozen=True, slots=True)
class SignedHead:
    """A head with what a verifier needs: the log's key and the witnesses' co-signatures."""

    head: TreeHead
    public_key: bytes
    cosignatures: list[tuple[Cosignature, bytes]]
    """``(co-signature, witness public key)`` pairs."""
    final: bool
    final_at: dt.datetime | None


def tree_head(log: LedgerLog, row: LedgerHead) -> TreeHead:
    return TreeHead(log.name, log.log_id, row.tree_size, row.root_hash, row.timestamp, row.signature)


def sign_head(uow: UnitOfWork, log_name: str, *, config: LedgerConfig | None = None) -> LedgerHead:
    """Signs the log's current tree head (or returns the existing head for this size)."""
    config = config or get_ledger_config()
    session = uow.session
    log = lock_log(session, log_name)
    existing = session.scalar(
        select(LedgerHead).where(LedgerHead.log_id == log.id, LedgerHead.tree_size == log.tree_size)
    )
    if existing is not None:
        return existing
    root = root_at(session, log_name, log.tree_size)
    if root != log.root_hash:
        raise LedgerStorageError(
            LedgerError.STORAGE_INCOMPLETE, N_("The log's stored subtrees do not match its recorded root; not signing.")
        )
    key = log_keys(uow.platform.settings, config).for_log(log.name)
    if key.public != log.public_key:
        raise VerificationError(
            LedgerError.KEY_MISMATCH,
            N_("The configured ledger key is not the key log %(log)s was created with."),
            params={"log": log.name},
        )
    head = TreeHead(log.name, log.log_id, log.tree_size, root, to_millis(uow.clock.now())).signed_with(key)
    row = LedgerHead(
        log_id=log.id,
        tree_size=head.tree_size,
        root_hash=head.root_hash,
        timestamp=head.timestamp,
        signature=head.signature,
    )
    session.add(row)
    if config.witness_quorum == 0:
        row.final_at = uow.clock.now()
    session.flush()
    uow.audit("ledger.head_signed", "ledger_log", log.name, {"tree_size": head.tree_size, "root_hash": root.hex()})
    uow.emit(HeadSigned(log=log.name, tree_size=head.tree_size, root_hash=root.hex()))
    if row.final_at is not None:
        uow.emit(HeadFinal(log=log.name, tree_size=head.tree_size, root_hash=root.hex()))
    return row


def due_logs(session: Session, now_ms: int, interval_seconds: int) -> list[str]:
    """Logs that grew since their last head and whose last head is at least
    ``interval_seconds`` old, or that have entries and no head yet."""
    due: list[str] = []
    for log in list_logs(session):
        last = latest_head_row(session, log)
        if last is None:
            if log.tree_size > 0:
                due.append(log.name)
            continue
        if last.tree_size != log.tree_size and now_ms - last.timestamp >= interval_seconds * 1000:
            due.append(log.name)
    return due


def sign_due_heads(
    uow: UnitOfWork, *, config: LedgerConfig | None = None, interval_seconds: int | None = None
) -> list[LedgerHead]:
    """Signs a head for every due log (:func:`due_logs`), in this unit of work.

    ``interval_seconds`` defaults to the configured head interval (0: every log that grew).
    The loop in :mod:`onevisit.ledger.signer` signs each log in its own unit of work instead,
    so that one log's failure does not hold back the others.
    """
    config = config or get_ledger_config()
    interval = config.head_interval(uow.platform.settings) if interval_seconds is None else interval_seconds
    now_ms = to_millis(uow.clock.now())
    return [sign_head(uow, name, config=config) for name in due_logs(uow.session, now_ms, interval)]


def latest_head_row(session: Session, log: LedgerLog) -> LedgerHead | None:
    return session.scalar(
        select(LedgerHead).where(LedgerHead.log_id == log.id).order_by(LedgerHead.tree_size.desc()).limit(1)
    )


def head_row(session: Session, log: LedgerLog, tree_size: int | None) -> LedgerHead:
    row = (
        latest_head_row(session, log)
        if tree_size is None
        else session.scalar(select(LedgerHead).where(LedgerHead.log_id == log.id, LedgerHead.tree_size == tree_size))
    )
    if row is None and tree_size is None:
        raise LedgerNotFoundError(
            LedgerError.HEAD_NOT_FOUND, N_("Log %(log)s has no signed tree head."), params={"log": log.name}
        )
    if row is None:
        raise LedgerNotFoundError(
            LedgerError.HEAD_NOT_FOUND,
            N_("Log %(log)s has no signed tree head of size %(size)s."),
            params={"log": log.name, "size": tree_size},
        )
    return row


def signed_head(session: Session, log_name: str, tree_size: int | None = None) -> SignedHead:
    """The latest signed head (or the one of ``tree_size``) with its co-signatures."""
    log = find_log(session, log_name)
    row = head_row(session, log, tree_size)
    cosigs = session.execute(
        select(LedgerCosignature, LedgerWitness)
        .join(LedgerWitness, LedgerWitness.id == LedgerCosignature.witness_id)
        .where(LedgerCosignature.head_id == row.id)
        .order_by(LedgerWitness.name)
    ).all()
    return SignedHead(
        head=tree_head(log, row),
        public_key=log.public_key,
        cosignatures=[(Cosignature(w.name, c.timestamp, c.signature), w.public_key) for c, w in cosigs],
        final=row.final_at is not None,
        final_at=row.final_at,
    )


def latest_head(session: Session, log_name: str) -> SignedHead:
    return signed_head(session, log_name)


def heads_of(session: Session, log_name: str) -> list[SignedHead]:
    """Every signed head of a log, oldest first (for exports)."""
    log = find_log(session, log_name)
    sizes = session.scalars(
        select(LedgerHead.tree_size).where(LedgerHead.log_id == log.id).order_by(LedgerHead.tree_size)
    )
    return [signed_head(session, log_name, size) for size in sizes]


def cosignature_count(session: Session, head_id: int) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(LedgerCosignature)
            .join(LedgerWitness, LedgerWitness.id == LedgerCosignature.witness_id)
            .where(LedgerCosignature.head_id == head_id, LedgerWitness.active.is_(True))
        )
        or 0
    )
