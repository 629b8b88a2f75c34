"""Witnesses: registration, their co-signatures on tree heads, and the alerts they raise.

Both submissions are authenticated by the witness's own Ed25519 signature, checked
against the public key registered for it here, so the HTTP routes carrying them can be
public (an outside party's witness has no account on the platform).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from onevisit.kernel.i18n import N_
from onevisit.kernel.uow import UnitOfWork
from onevisit.ledger.config import LedgerConfig, get_ledger_config
from onevisit.ledger.errors import LedgerError, LedgerInputError, LedgerNotFoundError
from onevisit.ledger.events import HeadFinal, WitnessAlertRaised
from onevisit.ledger.models import LedgerAlert, LedgerCosignature, LedgerHead, LedgerLog, LedgerWitness
from onevisit.ledger.services.heads import cosignature_count, head_row, tree_head
from onevisit.ledger.services.logs import find_log
from onevisit.ledger.signing import Cosignature, alert_message, public_key_from_bytes, verify_signature

WITNESS_NAME = re.compile(r"^[a-z][a-z0-9_.-]{0,63}$")
#: What each kind of refusal means, for the staff page (translated there).
ALERT_LABELS: dict[str, str] = {
    LedgerError.HEAD_INCONSISTENT.value: N_("Inconsistent history (a fork or a rewrite)"),
    LedgerError.HEAD_ROLLBACK.value: N_("The log shrank (a rollback)"),
    LedgerError.SIGNATURE_INVALID.value: N_("Invalid signature"),
    LedgerError.SIGNATURE_MISSING.value: N_("Missing signature"),
    LedgerError.KEY_MISMATCH.value: N_("The log's key changed"),
    LedgerError.PROOF_INVALID.value: N_("Invalid proof"),
    LedgerError.PROOF_MALFORMED.value: N_("Malformed answer from the log"),
    LedgerError.ROOT_MISMATCH.value: N_("Root hash mismatch"),
    LedgerError.TREE_SIZE_INVALID.value: N_("Impossible tree size"),
    LedgerError.STORAGE_INCOMPLETE.value: N_("Stored tree data incomplete"),
    LedgerError.LOG_UNKNOWN.value: N_("Unknown log"),
}
ALERT_KINDS = frozenset(ALERT_LABELS)


def find_witness(session: Session, name: str) -> LedgerWitness:
    witness = session.scalar(select(LedgerWitness).where(LedgerWitness.name == name))
    if witness is None or not witness.active:
        raise LedgerNotFoundError(
            LedgerError.WITNESS_UNKNOWN, N_("No active witness is registered as %(name)s."), params={"name": name[:64]}
        )
    return witness


def list_witnesses(session: Session) -> list[LedgerWitness]:
    return list(session.scalars(select(LedgerWitness).order_by(LedgerWitness.name)))


def register_witness(uow: UnitOfWork, name: str, public_key: bytes, *, description: str = "") -> LedgerWitness:
    if not WITNESS_NAME.match(name):
        raise LedgerInputError(
            LedgerError.WITNESS_NAME_INVALID,
            N_("A witness name is 1 to 64 lower-case letters, digits, '.', '_' or '-', starting with a letter."),
        )
    public_key_from_bytes(public_key)
    session = uow.session
    clash = session.scalar(
        select(LedgerWitness).where((LedgerWitness.name == name) | (LedgerWitness.public_key == public_key))
    )
    if clash is not None:
        raise LedgerInputError(
            LedgerError.WITNESS_EXISTS, N_("A witness with this name or key is already registered."), status=409
        )
    witness = LedgerWitness(
        name=name, public_key=public_key, description=description[:200], registered_at=uow.clock.now(), active=True
    )
    session.add(witness)
    session.flush()
    uow.audit("ledger.witness_registered", "ledger_witness", name, {"public_key": public_key.hex()})
    return witness


def add_cosignature(
    uow: UnitOfWork,
    log_name: str,
    tree_size: int,
    *,
    witness_name: str,
    timestamp: int,
    signature: bytes,
    config: LedgerConfig | None = None,
) -> LedgerHead:
    """Records a witness's co-signature on a head after checking it; idempotent."""
    config = config or get_ledger_config()
    session = uow.session
    log = find_log(session, log_name)
    row = head_row(session, log, tree_size)
    witness = find_witness(session, witness_name)
    Cosignature(witness.name, timestamp, signature).verify(tree_head(log, row), witness.public_key)
    already = session.scalar(
        select(LedgerCosignature).where(LedgerCosignature.head_id == row.id, LedgerCosignature.witness_id == witness.id)
    )
    if already is not None:
        return row
    session.add(
        LedgerCosignature(
            head_id=row.id, witness_id=witness.id, timestamp=timestamp, signature=signature, received_at=uow.clock.now()
        )
    )
    session.flush()
    uow.audit("ledger.head_cosigned", "ledger_log", log.name, {"tree_size": tree_size, "witness": witness.name})
    if row.final_at is None and cosignature_count(session, row.id) >= config.witness_quorum:
        row.final_at = uow.clock.now()
        uow.emit(HeadFinal(log=log.name, tree_size=row.tree_size, root_hash=row.root_hash.hex()))
    return row


def raise_alert(
    uow: UnitOfWork,
    *,
    kind: str,
    message: str,
    log_name: str | None = None,
    witness: LedgerWitness | None = None,
    detail: Mapping[str, Any] | None = None,
) -> LedgerAlert:
    log = None
    if log_name is not None:
        log = uow.session.scalar(select(LedgerLog).where(LedgerLog.name == log_name))
    alert = LedgerAlert(
        log_id=log.id if log else None,
        witness_id=witness.id if witness else None,
        kind=kind,
        message=message[:2000],
        detail=dict(detail or {}),
        raised_at=uow.clock.now(),
    )
    uow.session.add(alert)
    uow.session.flush()
    who = witness.name if witness else "platform"
    uow.audit("ledger.alert_raised", "ledger_log", log_name or "-", {"kind": kind, "witness": who})
    uow.emit(WitnessAlertRaised(alert_id=alert.id, log=log_name or "", witness=who, kind=kind))
    return alert


def submit_witness_alert(
    uow: UnitOfWork,
    *,
    witness_name: str,
    log_name: str,
    kind: str,
    message: str,
    detail: Mapping[str, Any],
    timestamp: int,
    signature: bytes,
) -> LedgerAlert:
    """A witness reports a head it refused; the report must carry the witness's signature."""
    witness = find_witness(uow.session, witness_name)
    if kind not in ALERT_KINDS:
        raise LedgerInputError(
            LedgerError.PROOF_MALFORMED, N_("Unknown alert kind %(kind)s."), params={"kind": kind[:64]}
        )
    verify_signature(
        witness.public_key,
        signature,
        alert_message(witness=witness_name, log=log_name, kind=kind, detail=detail, timestamp=timestamp),
        "alert",
    )
    return raise_alert(
        uow,
        kind=kind,
        message=message,
        log_name=log_name,
        witness=witness,
        detail={**detail, "witness_timestamp": timestamp},
    )


def recent_alerts(session: Session, *, limit: int = 50) -> list[tuple[LedgerAlert, str | None, str | None]]:
    """Latest alerts with their log and witness names."""
    rows = session.execute(
        select(LedgerAlert, LedgerLog.name, LedgerWitness.name)
        .outerjoin(LedgerLog, LedgerLog.id == LedgerAlert.log_id)
        .outerjoin(LedgerWitness, LedgerWitness.id == LedgerAlert.witness_id)
        .order_by(LedgerAlert.id.desc())
        .limit(limit)
    ).all()
    return [(a, log, w) for a, log, w in rows]


@dataclass(frozen=True, slots=True)
class WitnessStatus:
    witness: LedgerWitness
    cosigned: int
    last_log: str | None
    last_tree_size: int | None
    last_at: str | None
    alerts: int


def witness_statuses(session: Session) -> list[WitnessStatus]:
    statuses: list[WitnessStatus] = []
    for witness in list_witnesses(session):
        count = session.scalar(
            select(func.count()).select_from(LedgerCosignature).where(LedgerCosignature.witness_id == witness.id)
        )
        last = session.execute(
            select(LedgerLog.name, LedgerHead.tree_size, LedgerCosignature.received_at)
            .join(LedgerHead, LedgerHead.id == LedgerCosignature.head_id)
            .join(LedgerLog, LedgerLog.id == LedgerHead.log_id)
            .where(LedgerCosignature.witness_id == witness.id)
            .order_by(LedgerCosignature.id.desc())
            .limit(1)
        ).first()
        alerts = session.scalar(
            select(func.count()).select_from(LedgerAlert).where(LedgerAlert.witness_id == witness.id)
        )
        statuses.append(
            WitnessStatus(
                witness=witness,
                cosigned=int(count or 0),
                last_log=last[0] if last else None,
                last_tree_size=int(last[1]) if last else None,
                last_at=last[2].strftime("%Y-%m-%d %H:%M:%S") if last else None,
                alerts=int(alerts or 0),
            )
        )
    return statuses
