"""Pydantic shapes of the credentials API."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from onevisit.credentials.catalogue import CertificateType
from onevisit.credentials.format import MAX_PAYLOAD_CHARS
from onevisit.credentials.models import Credential, Share


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class FieldOut(BaseModel):
    name: str
    kind: str
    label_zh: str
    label_en: str
    required: bool
    sensitive: bool


class TypeOut(BaseModel):
    code: str
    name_zh: str
    name_en: str
    department: str = Field(description="the issuing department's code")
    holder_kind: str
    valid_days: int | None = Field(description="fixed term from the day of issue; null: none")
    valid_until_field: str | None
    fields: list[FieldOut]

    @classmethod
    def of(cls, t: CertificateType) -> TypeOut:
        return cls(
            code=t.code,
            name_zh=t.name_zh,
            name_en=t.name_en,
            department=t.department,
            holder_kind=t.holder_kind,
            valid_days=t.valid_days,
            valid_until_field=t.valid_until_field,
            fields=[
                FieldOut(
                    name=f.name,
                    kind=f.kind,
                    label_zh=f.label_zh,
                    label_en=f.label_en,
                    required=f.required,
                    sensitive=f.sensitive,
                )
                for f in t.fields
            ],
        )


class IssuerOut(BaseModel):
    kid: str = Field(description="what certificates name in their `kid`: SHA-256 of the public key, 16 hex")
    department: str
    name_zh: str
    name_en: str
    public_key: str = Field(description="Ed25519 public key, 64 hex characters")
    created_at: dt.datetime
    retired_at: dt.datetime | None


class VerifyIn(Strict):
    payload: str | None = Field(
        default=None, max_length=MAX_PAYLOAD_CHARS, description="an OVC1. payload or a URL carrying one"
    )
    link: str | None = Field(default=None, max_length=2000, description="a share link (or its token)")


class CheckOut(BaseModel):
    name: str
    outcome: Literal["pass", "fail", "unknown"]
    message: str


class VerifyOut(BaseModel):
    valid: bool
    reason: str = Field(
        description="valid, malformed, unknown_issuer, forged, altered, revoked, suspended, expired, not_yet_valid"
    )
    headline: str
    number: str | None
    type_name: str | None
    issuer: str | None
    issuer_name: str | None
    issued_at: str | None
    valid_from: str | None
    valid_until: str | None
    claims: dict[str, str | int | bool | None]
    undisclosed: int
    checks: list[CheckOut]


class StatusOut(BaseModel):
    number: str
    status: str = Field(description="valid, suspended, revoked, expired or not_yet_valid")
    changed_at: dt.datetime | None
    reason_code: str | None
    valid_from: dt.date
    valid_until: dt.date | None


class StatusEntryOut(BaseModel):
    id: int
    number: str
    status: str
    reason_code: str
    changed_at: dt.datetime
    ledger_index: int | None


class StatusListOut(BaseModel):
    entries: list[StatusEntryOut]
    next_after: int = Field(description="pass as `after` to get the changes that follow")


class IssueIn(Strict):
    type_code: str = Field(min_length=1, max_length=48)
    holder: str = Field(min_length=1, max_length=32, description="resident ID number or unified social credit code")
    fields: dict[str, str | int | bool | None]
    valid_from: dt.date | None = None
    valid_until: dt.date | None = None


class StatusChangeIn(Strict):
    action: Literal["suspend", "reinstate", "revoke"]
    reason_code: str = Field(max_length=32)
    reason: str = Field(max_length=200)


class MaterialsIn(Strict):
    subject: str = Field(min_length=1, max_length=32, description="resident ID number or unified social credit code")
    type_code: str | None = Field(default=None, max_length=48)
    reference: str = Field(min_length=1, max_length=64, description="the application or task the lookup is for")


class CredentialOut(BaseModel):
    number: str
    type_code: str
    type_name: str
    issuer: str
    holder_name: str
    status: str
    issued_at: dt.datetime
    valid_from: dt.date
    valid_until: dt.date | None
    ledger_index: int | None

    @classmethod
    def of(cls, c: Credential, *, type_name: str, issuer: str, status: str) -> CredentialOut:
        return cls(
            number=c.number,
            type_code=c.type_code,
            type_name=type_name,
            issuer=issuer,
            holder_name=c.holder_name,
            status=status,
            issued_at=c.issued_at,
            valid_from=c.valid_from,
            valid_until=c.valid_until,
            ledger_index=c.ledger_index,
        )


class CredentialDetailOut(CredentialOut):
    claims: dict[str, str | int | bool | None] = Field(description="ID numbers masked")
    payload: str = Field(description="the QR code's payload: every claim but full ID numbers")
    verify_url: str


class MaterialOut(CredentialOut):
    claims: dict[str, str | int | bool | None] = Field(description="ID numbers masked")


class ShareIn(Strict):
    claims: list[str] = Field(min_length=1, max_length=32)
    hours: int


class ShareOut(BaseModel):
    id: int
    url: str
    claims: list[str]
    created_at: dt.datetime
    expires_at: dt.datetime
    revoked_at: dt.datetime | None
    views: int

    @classmethod
    def of(cls, share: Share, url: str) -> ShareOut:
        return cls(
            id=share.id,
            url=url,
            claims=list(share.claims),
            created_at=share.created_at,
            expires_at=share.expires_at,
            revoked_at=share.revoked_at,
            views=share.views,
        )
