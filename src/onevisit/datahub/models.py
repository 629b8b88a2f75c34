"""Datahub tables: sources, catalogue items, uses, access requests (approvals), consents,
records, access log.

Records are keyed ``(subject_key, item_id, seq)``: a person's key is the keyed blind index
of their ID number (``persons.id_number_index``), an enterprise's its credit code (ASCII),
so everything every department holds about one subject is one primary-key range scan
(``WITHOUT ROWID`` on SQLite: the rows live in the key's B-tree). Payloads are AES-GCM
ciphertext of canonical JSON sealed with the platform's vault (kind ``b"datahub"``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from onevisit.kernel.db import Base, BigId, UTCDateTime

CONNECTORS = ("own_table", "sql", "csv", "excel", "http")
SUBJECT_KINDS = ("person", "enterprise")
SHARING_CLASSES = ("unconditional", "conditional", "not_shared")
FREQUENCIES = ("realtime", "daily", "weekly", "monthly", "quarterly", "yearly")
PURPOSE_KINDS = ("application", "staff_task", "consented_use")
#: an access request's life: pending → approved (→ revoked | expired) or refused; withdrawn
#: by its requester while pending
REQUEST_STATUSES = ("pending", "approved", "refused", "revoked", "withdrawn", "expired")
OPEN_STATUSES = ("pending", "approved")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class DataSource(Base):
    """Where a department's data comes from: a connector kind and its configuration."""

    __tablename__ = "datahub_sources"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    department_id: Mapped[int] = mapped_column(BigId, ForeignKey("departments.id"), index=True)
    name: Mapped[str] = mapped_column(String(128))
    connector: Mapped[str] = mapped_column(String(16))
    config: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    last_loaded_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (CheckConstraint(_in("connector", CONNECTORS), name="connector"),)


class CatalogItem(Base):
    """One kind of record a department shares, with its schema and sharing class."""

    __tablename__ = "datahub_items"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    department_id: Mapped[int] = mapped_column(BigId, ForeignKey("departments.id"), index=True)
    source_id: Mapped[int] = mapped_column(BigId, ForeignKey("datahub_sources.id"), index=True)
    name_zh: Mapped[str] = mapped_column(String(64))
    name_en: Mapped[str] = mapped_column(String(128))
    subject_kind: Mapped[str] = mapped_column(String(16))
    sharing: Mapped[str] = mapped_column(String(16))
    frequency: Mapped[str] = mapped_column(String(16))
    #: the schema: a list of ``{"name", "type", "label_zh", "label_en", "required", "concept"}``
    fields: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    #: when the data was last loaded from its source (staleness is judged from this)
    data_updated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    record_count: Mapped[int] = mapped_column(BigInteger, default=0)

    __table_args__ = (
        CheckConstraint(_in("subject_kind", SUBJECT_KINDS), name="subject_kind"),
        CheckConstraint(_in("sharing", SHARING_CLASSES), name="sharing"),
        CheckConstraint(_in("frequency", FREQUENCIES), name="frequency"),
    )


class DataUse(Base):
    """A named use of data (a service, a staff procedure) that purposes refer to."""

    __tablename__ = "datahub_uses"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name_zh: Mapped[str] = mapped_column(String(64))
    name_en: Mapped[str] = mapped_column(String(128))
    #: the department whose staff may invoke it (None: any department, e.g. a portal service)
    department_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("departments.id"))
    requires_consent: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class Approval(Base):
    """An access request for one conditional item and one use, and the owner's decision.

    A department whose use needs a conditional item files a request (legal basis,
    justification, optional end date); the owning department approves or refuses it with a
    reason, and may revoke an approval later. While ``status`` is ``approved`` and
    ``valid_until`` has not passed, lookups for the use may read the item — every lookup
    reads these rows in the same statement as the records, so a decision, a revocation or
    an expiry applies to the next lookup. At most one request per item and use is open
    (pending or approved) at a time; decided ones stay as the history. An owner approving
    a use on its own initiative is a request it filed and approved at once
    (``requesting_department_id`` is then None).
    """

    __tablename__ = "datahub_approvals"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    item_id: Mapped[int] = mapped_column(BigId, ForeignKey("datahub_items.id"))
    use_id: Mapped[int] = mapped_column(BigId, ForeignKey("datahub_uses.id"), index=True)
    status: Mapped[str] = mapped_column(String(16))
    requesting_department_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("departments.id"), index=True)
    requested_by_account_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("accounts.id"))
    requested_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    legal_basis: Mapped[str] = mapped_column(String(200))
    justification: Mapped[str] = mapped_column(String(2000), default="")
    #: the approval lapses at this instant (None: until revoked)
    valid_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    decided_by_account_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("accounts.id"))
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    decision_reason: Mapped[str | None] = mapped_column(String(500))
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        CheckConstraint(_in("status", REQUEST_STATUSES), name="status"),
        Index(
            "ix_datahub_approvals_open",
            "item_id",
            "use_id",
            unique=True,
            sqlite_where=text(f"{_in('status', OPEN_STATUSES)}"),
            postgresql_where=text(f"{_in('status', OPEN_STATUSES)}"),
        ),
    )


class Consent(Base):
    """A subject's consent to a named use; revoking sets ``revoked_at`` and applies at once."""

    __tablename__ = "datahub_consents"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    subject_key: Mapped[bytes] = mapped_column(LargeBinary(32))
    use_id: Mapped[int] = mapped_column(BigId, ForeignKey("datahub_uses.id"))
    granted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (UniqueConstraint("subject_key", "use_id", name="subject_use"),)


class DataRecord(Base):
    """One record of one item about one subject (``seq`` numbers several, e.g. vehicles)."""

    __tablename__ = "datahub_records"

    subject_key: Mapped[bytes] = mapped_column(LargeBinary(32), primary_key=True)
    item_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    payload: Mapped[bytes] = mapped_column(LargeBinary)

    __table_args__ = ({"sqlite_with_rowid": False},)


class AccessLog(Base):
    """Every access to a record, granted or refused: who, which item, whose data, why, when.

    One row per item per lookup (``request_id`` groups a lookup's rows). Rows are anchored on
    the ledger's ``data-access`` log in batches (``services.anchoring``); ``ledger_index`` is
    set once a row's digest is on the log.
    """

    __tablename__ = "datahub_access_log"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    request_id: Mapped[str] = mapped_column(String(32))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(64))
    actor_account_id: Mapped[int | None] = mapped_column(BigId)
    actor_department_id: Mapped[int | None] = mapped_column(BigId)
    subject_kind: Mapped[str] = mapped_column(String(16))
    subject_key: Mapped[bytes | None] = mapped_column(LargeBinary(32))
    item_code: Mapped[str] = mapped_column(String(64))
    #: the item's owning department (for the department page); None for unknown items
    department_id: Mapped[int | None] = mapped_column(BigId)
    use_code: Mapped[str] = mapped_column(String(64))
    purpose_kind: Mapped[str] = mapped_column(String(16))
    reference: Mapped[str] = mapped_column(String(64))
    legal_basis: Mapped[str] = mapped_column(String(200))
    granted: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str | None] = mapped_column(String(64))
    records: Mapped[int] = mapped_column(Integer, default=0)
    ledger_index: Mapped[int | None] = mapped_column(BigInteger)

    __table_args__ = (
        Index("ix_datahub_access_log_subject", "subject_key", "at"),
        Index("ix_datahub_access_log_department", "department_id", "at"),
        Index(
            "ix_datahub_access_log_pending",
            "id",
            sqlite_where=text("ledger_index IS NULL"),
            postgresql_where=text("ledger_index IS NULL"),
        ),
    )


class DataConflict(Base):
    """Two sources disagreeing about one subject (flagged for the departments, never merged)."""

    __tablename__ = "datahub_conflicts"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    subject_key: Mapped[bytes] = mapped_column(LargeBinary(32), index=True)
    concept: Mapped[str] = mapped_column(String(64))
    item_codes: Mapped[list[str]] = mapped_column(JSON)
    detected_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    resolved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (UniqueConstraint("subject_key", "concept", name="subject_concept"),)
