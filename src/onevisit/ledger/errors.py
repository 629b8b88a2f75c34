"""Ledger error codes (stable; clients and witnesses branch on them)."""

from __future__ import annotations

from onevisit.kernel.errors import AppError, ErrorCode


class LedgerError(ErrorCode):
    LOG_UNKNOWN = "ledger.log.unknown"
    LOG_NAME_INVALID = "ledger.log.name_invalid"
    ENTRY_INVALID = "ledger.entry.invalid"
    ENTRY_MISMATCH = "ledger.entry.mismatch"
    ENTRY_UNKNOWN = "ledger.entry.unknown"
    INDEX_OUT_OF_RANGE = "ledger.index.out_of_range"
    TREE_SIZE_INVALID = "ledger.tree_size.invalid"
    HEAD_NOT_FOUND = "ledger.head.not_found"
    HEAD_INCONSISTENT = "ledger.head.inconsistent"
    HEAD_ROLLBACK = "ledger.head.rollback"
    ROOT_MISMATCH = "ledger.root.mismatch"
    PROOF_MALFORMED = "ledger.proof.malformed"
    PROOF_INVALID = "ledger.proof.invalid"
    SIGNATURE_MISSING = "ledger.signature.missing"
    SIGNATURE_INVALID = "ledger.signature.invalid"
    KEY_INVALID = "ledger.key.invalid"
    KEY_MISMATCH = "ledger.key.mismatch"
    WITNESS_UNKNOWN = "ledger.witness.unknown"
    WITNESS_EXISTS = "ledger.witness.exists"
    WITNESS_NAME_INVALID = "ledger.witness.name_invalid"
    QUORUM_NOT_MET = "ledger.quorum.not_met"
    EXPORT_MALFORMED = "ledger.export.malformed"
    SOURCE_UNAVAILABLE = "ledger.source.unavailable"
    STORAGE_INCOMPLETE = "ledger.storage.incomplete"


class LedgerInputError(AppError):
    """Bad input to the ledger: a malformed proof, an impossible size, a bad signature."""

    status = 422


class LedgerNotFoundError(LedgerInputError):
    status = 404


class VerificationError(LedgerInputError):
    """A proof, a signature or an export did not check out (tampering, a fork, a wrong key)."""

    status = 409


class LedgerStorageError(AppError):
    """Stored tree data is missing or disagrees with itself: an operator must look."""

    status = 500
