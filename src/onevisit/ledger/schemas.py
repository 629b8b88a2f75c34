"""Ledger JSON shapes. Hashes and keys are lower-case hex; entry data and signatures base64."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from onevisit.kernel.i18n import N_
from onevisit.ledger.errors import LedgerError, LedgerInputError
from onevisit.ledger.services.heads import SignedHead
from onevisit.ledger.services.proofs import ConsistencyProof, InclusionProof


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def unb64(text: str, *, what: str = "value") -> bytes:
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError) as exc:
        raise LedgerInputError(
            LedgerError.PROOF_MALFORMED, N_("The %(what)s is not valid base64."), params={"what": what}
        ) from exc


def unhex(text: str, *, what: str = "hash", size: int | None = 32) -> bytes:
    try:
        raw = bytes.fromhex(text)
    except (TypeError, ValueError) as exc:
        raise LedgerInputError(
            LedgerError.PROOF_MALFORMED, N_("The %(what)s is not valid hexadecimal."), params={"what": what}
        ) from exc
    if size is not None and len(raw) != size:
        raise LedgerInputError(
            LedgerError.PROOF_MALFORMED, N_("The %(what)s must be %(size)s bytes."), params={"what": what, "size": size}
        )
    return raw


def _signature(value: str) -> str:
    unb64(value, what="signature")
    return value


Name = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[a-z][a-z0-9_.-]{0,63}$")]
Signature = Annotated[str, StringConstraints(min_length=1, max_length=200), AfterValidator(_signature)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_max_length=4000)


class CosignatureOut(BaseModel):
    witness: str
    public_key: str
    timestamp: int
    signature: str


class HeadOut(BaseModel):
    log: str
    log_id: str
    tree_size: int
    root_hash: str
    timestamp: int
    signature: str
    public_key: str = Field(description="the log's Ed25519 public key (hex); log_id is its SHA-256")
    cosignatures: list[CosignatureOut]
    final: bool = Field(description="a quorum of registered witnesses has co-signed this head")

    @classmethod
    def of(cls, signed: SignedHead) -> HeadOut:
        head = signed.head
        return cls(
            log=head.log,
            log_id=head.log_id,
            tree_size=head.tree_size,
            root_hash=head.root_hash.hex(),
            timestamp=head.timestamp,
            signature=b64(head.signature),
            public_key=signed.public_key.hex(),
            cosignatures=[
                CosignatureOut(
                    witness=c.witness, public_key=key.hex(), timestamp=c.timestamp, signature=b64(c.signature)
                )
                for c, key in signed.cosignatures
            ],
            final=signed.final,
        )


class LogOut(BaseModel):
    name: str
    log_id: str
    public_key: str
    tree_size: int
    latest_head: HeadOut | None


class EntryOut(BaseModel):
    index: int
    leaf_hash: str
    data: str = Field(description="the entry's bytes, base64")


class InclusionProofOut(BaseModel):
    log: str
    index: int
    tree_size: int
    leaf_hash: str
    path: list[str] = Field(description="RFC 9162 inclusion path, leaf to root, hex")
    head: HeadOut | None = Field(description="the signed head of this tree size, if one was signed")

    @classmethod
    def of(cls, proof: InclusionProof, head: SignedHead | None) -> InclusionProofOut:
        return cls(
            log=proof.log,
            index=proof.index,
            tree_size=proof.tree_size,
            leaf_hash=proof.leaf_hash.hex(),
            path=[h.hex() for h in proof.path],
            head=HeadOut.of(head) if head else None,
        )


class ConsistencyProofOut(BaseModel):
    log: str
    first: int
    second: int
    path: list[str] = Field(description="RFC 9162 consistency proof, hex")
    first_head: HeadOut | None
    second_head: HeadOut | None

    @classmethod
    def of(cls, proof: ConsistencyProof, first: SignedHead | None, second: SignedHead | None) -> ConsistencyProofOut:
        return cls(
            log=proof.log,
            first=proof.first,
            second=proof.second,
            path=[h.hex() for h in proof.path],
            first_head=HeadOut.of(first) if first else None,
            second_head=HeadOut.of(second) if second else None,
        )


class CosignatureIn(Strict):
    witness: Name
    timestamp: int = Field(ge=0, le=2**53)
    signature: Signature


class AlertIn(Strict):
    witness: Name
    log: Name
    kind: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    message: Annotated[str, StringConstraints(max_length=2000)] = ""
    detail: dict[str, Any] = Field(default_factory=dict)
    timestamp: int = Field(ge=0, le=2**53)
    signature: Signature


class AlertOut(BaseModel):
    id: int
    kind: str


class WitnessOut(BaseModel):
    name: str
    public_key: str
    active: bool
