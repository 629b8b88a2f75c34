"""Identity tables.

ID and phone numbers are never stored in clear: ``*_enc`` holds AES-GCM ciphertext and
``*_index`` a keyed blind index for equality lookups (see ``kernel.crypto``).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from onevisit.kernel.db import Base, BigId, UTCDateTime


class Region(Base):
    __tablename__ = "regions"

    code: Mapped[str] = mapped_column(String(6), primary_key=True)
    name_zh: Mapped[str] = mapped_column(String(32))
    name_en: Mapped[str] = mapped_column(String(64))
    level: Mapped[int] = mapped_column(SmallInteger)
    parent_code: Mapped[str | None] = mapped_column(String(6), ForeignKey("regions.code"))
    current: Mapped[bool] = mapped_column(Boolean, default=True)


class Person(Base):
    __tablename__ = "persons"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    id_number_enc: Mapped[bytes] = mapped_column(LargeBinary)
    id_number_index: Mapped[bytes] = mapped_column(LargeBinary(16), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    gender: Mapped[str] = mapped_column(String(1))
    birth_date: Mapped[dt.date] = mapped_column(Date)
    #: where the ID number was issued (the region code in it)
    birth_region_code: Mapped[str] = mapped_column(String(6))
    #: household registration (hukou) region, a current Zhejiang county-level code
    region_code: Mapped[str] = mapped_column(String(6), ForeignKey("regions.code"), index=True)
    phone_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    phone_index: Mapped[bytes | None] = mapped_column(LargeBinary(16), index=True)
    address: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)

    __table_args__ = (CheckConstraint("gender IN ('M', 'F')", name="gender"),)


class PersonRelation(Base):
    """A family tie, stored once per direction (``kind`` is what ``relative`` is to ``person``)."""

    __tablename__ = "person_relations"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    person_id: Mapped[int] = mapped_column(BigId, ForeignKey("persons.id", ondelete="CASCADE"))
    relative_id: Mapped[int] = mapped_column(BigId, ForeignKey("persons.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))  # spouse, father, mother, child

    __table_args__ = (
        UniqueConstraint("person_id", "relative_id", name="pair"),
        Index("ix_person_relations_relative", "relative_id"),
        CheckConstraint("kind IN ('spouse', 'father', 'mother', 'child')", name="kind"),
    )


class Enterprise(Base):
    __tablename__ = "enterprises"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    credit_code: Mapped[str] = mapped_column(String(18), unique=True)
    name: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(32))  # e.g. limited_company, individual_business
    legal_rep_id: Mapped[int] = mapped_column(BigId, ForeignKey("persons.id"), index=True)
    region_code: Mapped[str] = mapped_column(String(6), ForeignKey("regions.code"), index=True)
    #: GB/T 4754 section letter (A–T)
    industry: Mapped[str] = mapped_column(String(1))
    registered_capital_fen: Mapped[int] = mapped_column(BigId)
    established_on: Mapped[dt.date] = mapped_column(Date)
    employees: Mapped[int] = mapped_column(Integer)
    address: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(16), default="active")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class EnterpriseAgent(Base):
    """A person the legal representative has authorised to act for the enterprise."""

    __tablename__ = "enterprise_agents"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    enterprise_id: Mapped[int] = mapped_column(BigId, ForeignKey("enterprises.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(BigId, ForeignKey("persons.id", ondelete="CASCADE"), index=True)
    granted_by_id: Mapped[int] = mapped_column(BigId, ForeignKey("persons.id"))
    granted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class Department(Base):
    __tablename__ = "departments"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name_zh: Mapped[str] = mapped_column(String(64))
    name_en: Mapped[str] = mapped_column(String(128))
    region_code: Mapped[str] = mapped_column(String(6), ForeignKey("regions.code"))


class Account(Base):
    """A login. Every account belongs to a person (staff are people too)."""

    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    person_id: Mapped[int] = mapped_column(BigId, ForeignKey("persons.id", ondelete="CASCADE"), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(128))
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_login_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class RoleGrant(Base):
    """A role held by an account, optionally scoped to one department."""

    __tablename__ = "role_grants"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    account_id: Mapped[int] = mapped_column(BigId, ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(32))
    department_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("departments.id"))
    granted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)

    __table_args__ = (UniqueConstraint("account_id", "role", "department_id", name="grant"),)


class StaffMember(Base):
    __tablename__ = "staff_members"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    account_id: Mapped[int] = mapped_column(BigId, ForeignKey("accounts.id", ondelete="CASCADE"), unique=True)
    department_id: Mapped[int] = mapped_column(BigId, ForeignKey("departments.id"), index=True)
    title: Mapped[str] = mapped_column(String(64))


class WebSession(Base):
    """A login session. The cookie holds a random token; only its SHA-256 is stored."""

    __tablename__ = "web_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    account_id: Mapped[int] = mapped_column(BigId, ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    acting_for_enterprise_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("enterprises.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    ip: Mapped[str | None] = mapped_column(String(45))


class OtpChallenge(Base):
    """A one-time login code sent by SMS; only its hash is stored."""

    __tablename__ = "otp_challenges"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    person_id: Mapped[int] = mapped_column(BigId, ForeignKey("persons.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
