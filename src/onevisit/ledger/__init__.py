"""Ledger: verifiable append-only Merkle logs (RFC 9162) with witness-co-signed tree heads.

The public face other modules use::

    from onevisit import ledger

    ref = ledger.append(uow, "receipts", {"receipt": "R-1", "amount_fen": 1200})
    proof = ledger.prove_inclusion(session, "receipts", ref.index)
    head = ledger.latest_head(session, "receipts")

See ``docs/ledger.md``.
"""

from onevisit.ledger.services.heads import SignedHead, latest_head, sign_due_heads, sign_head
from onevisit.ledger.services.logs import EntryRef, append, append_many
from onevisit.ledger.services.proofs import (
    ConsistencyProof,
    InclusionProof,
    find_entries,
    prove_consistency,
    prove_inclusion,
    prove_inclusion_by_hash,
)

__all__ = [
    "ConsistencyProof",
    "EntryRef",
    "InclusionProof",
    "SignedHead",
    "append",
    "append_many",
    "find_entries",
    "latest_head",
    "prove_consistency",
    "prove_inclusion",
    "prove_inclusion_by_hash",
    "sign_due_heads",
    "sign_head",
]
