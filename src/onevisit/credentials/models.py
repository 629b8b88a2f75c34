"""Credential tables: issuers' keys, certificates, their status history, share links.

Private keys and disclosures (the claim values with their salts) are sealed with the
platform's vault; the signed body holds only salted digests, so it can be shown and logged
without revealing a claim.
"""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from onevisit.kernel.db import Base, BigId, UTCDateTime


class Status(enum.StrEnum):
    VALID = "valid"
    SUSPENDED = "suspended"
    REVOKED = "revoked"


class CredentialIssuer(Base):
    """A department's Ed25519 signing key. One active key per department; retired keys stay
    published so certificates they signed keep verifying."""

    __tablename__ = "credential_issuers"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    department_id: Mapped[int] = mapped_column(BigId, ForeignKey("departments.id"), index=True)
    #: the first 16 hex characters of SHA-256(public key): what certificates name
    kid: Mapped[str] = mapped_column(String(16), unique=True)
    public_key: Mapped[bytes] = mapped_column(LargeBinary(32))
    #: the 32-byte seed, sealed by the vault (context: the kid)
    private_key_enc: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    retired_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        Index(
            "ux_credential_issuers_active",
            "department_id",
            unique=True,
            sqlite_where=text("retired_at IS NULL"),
            postgresql_where=text("retired_at IS NULL"),
        ),
    )


class Credential(Base):
    __tablename__ = "credentials"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    type_code: Mapped[str] = mapped_column(String(48))
    issuer_id: Mapped[int] = mapped_column(BigId, ForeignKey("credential_issuers.id"), index=True)
    department_id: Mapped[int] = mapped_column(BigId, ForeignKey("departments.id"), index=True)
    holder_person_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("persons.id"))
    holder_enterprise_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("enterprises.id"))
    holder_name: Mapped[str] = mapped_column(String(128))
    status: Mapped[str] = mapped_column(String(16), default=Status.VALID)
    status_reason: Mapped[str | None] = mapped_column(String(200))
    status_changed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    issued_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    valid_from: Mapped[dt.date] = mapped_column(Date)
    valid_until: Mapped[dt.date | None] = mapped_column(Date)
    #: the signed body, exactly as signed (canonical JSON)
    body: Mapped[str] = mapped_column(Text)
    signature: Mapped[bytes] = mapped_column(LargeBinary(64))
    #: the disclosures (salt, claim, value), sealed by the vault: JSON list of strings
    disclosures_enc: Mapped[bytes] = mapped_column(LargeBinary)
    ledger_index: Mapped[int | None] = mapped_column(BigInteger)
    #: who asked for it and their reference (``applications``/``APP-123``): issuing the same
    #: thing twice returns the first certificate
    source: Mapped[str] = mapped_column(String(32))
    reference: Mapped[str | None] = mapped_column(String(64))

    __table_args__ = (
        UniqueConstraint("source", "reference"),
        Index("ix_credentials_person_type", "holder_person_id", "type_code"),
        Index("ix_credentials_enterprise_type", "holder_enterprise_id", "type_code"),
        CheckConstraint("status IN ('valid', 'suspended', 'revoked')", name="status"),
        CheckConstraint(
            "(holder_person_id IS NULL AND holder_enterprise_id IS NOT NULL)"
            " OR (holder_person_id IS NOT NULL AND holder_enterprise_id IS NULL)",
            name="one_holder",
        ),
    )


class StatusChange(Base):
    """Every suspension, reinstatement and revocation, in order: the public status list."""

    __tablename__ = "credential_status_changes"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    credential_id: Mapped[int] = mapped_column(BigId, ForeignKey("credentials.id"), index=True)
    status: Mapped[str] = mapped_column(String(16))
    reason_code: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(String(200))
    changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(64))
    ledger_index: Mapped[int | None] = mapped_column(BigInteger)


class Share(Base):
    """A time-limited verification link a holder made, disclosing the claims they chose."""

    __tablename__ = "credential_shares"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    credential_id: Mapped[int] = mapped_column(BigId, ForeignKey("credentials.id"), index=True)
    #: SHA-256 of the link's token (lookups); the token itself sealed, so the holder sees it again
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    token_enc: Mapped[bytes] = mapped_column(LargeBinary)
    claims: Mapped[list[str]] = mapped_column(JSON)
    created_by_account_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("accounts.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    views: Mapped[int] = mapped_column(Integer, default=0)
    last_viewed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
