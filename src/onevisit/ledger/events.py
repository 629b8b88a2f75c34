"""Ledger events (announced after the transaction that caused them commits)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from onevisit.kernel.events import Event


@dataclass(frozen=True, slots=True)
class LogCreated(Event):
    name: ClassVar[str] = "ledger.log_created"
    log: str
    log_id: str


@dataclass(frozen=True, slots=True)
class HeadSigned(Event):
    name: ClassVar[str] = "ledger.head_signed"
    log: str
    tree_size: int
    root_hash: str


@dataclass(frozen=True, slots=True)
class HeadFinal(Event):
    """A quorum of witnesses has co-signed the head: it is now final."""

    name: ClassVar[str] = "ledger.head_final"
    log: str
    tree_size: int
    root_hash: str


@dataclass(frozen=True, slots=True)
class WitnessAlertRaised(Event):
    """A witness refused a head (a fork, a rewrite, a bad signature): people must look."""

    name: ClassVar[str] = "ledger.witness_alert"
    alert_id: int
    log: str
    witness: str
    kind: str
