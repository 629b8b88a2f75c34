"""The access log's rows: who read what about whom, for which purpose, granted or not.

:func:`write_access_rows` writes one lookup's rows on the lookup's own DB-API cursor (the
hot path, :mod:`.access`); :func:`log_deferred` writes the rows of reads made with
``read(..., defer_log=True)`` in the caller's transaction, one statement for a whole batch.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from onevisit.datahub.models import AccessLog
from onevisit.datahub.services.subjects import Subject
from onevisit.kernel.actors import Principal
from onevisit.kernel.rows import Rows

ACCESS_COLUMNS = (
    "request_id",
    "at",
    "actor",
    "actor_account_id",
    "actor_department_id",
    "subject_kind",
    "subject_key",
    "item_code",
    "department_id",
    "use_code",
    "purpose_kind",
    "reference",
    "legal_basis",
    "granted",
    "reason",
    "records",
)
_INSERT_SQLITE = (
    f"INSERT INTO datahub_access_log ({', '.join(ACCESS_COLUMNS)}) "  # noqa: S608 - fixed names
    f"VALUES ({', '.join('?' * len(ACCESS_COLUMNS))})"
)
#: PostgreSQL: one short statement whatever the number of items (what varies per item
#: travels as arrays), so psycopg's statement cache and server-side preparation apply.
_INSERT_PG = (
    f"INSERT INTO datahub_access_log ({', '.join(ACCESS_COLUMNS)}) "  # noqa: S608 - fixed names
    "SELECT %s, %s::timestamptz, %s, %s::bigint, %s::bigint, %s, %s::bytea, u.item_code, u.department_id, "
    "%s, %s, %s, %s, u.granted, u.reason, u.records "
    "FROM unnest(%s::text[], %s::bigint[], %s::boolean[], %s::text[], %s::integer[]) "
    "AS u(item_code, department_id, granted, reason, records)"
)


@dataclass(frozen=True, slots=True)
class Purpose:
    use: str
    kind: str
    reference: str = ""
    legal_basis: str = ""


@dataclass(frozen=True, slots=True)
class PendingLog:
    """The access rows of a granted read, not yet written (``read(..., defer_log=True)``)."""

    at: Any
    actor: Principal
    subject: Subject
    purpose: Purpose
    request_id: str
    rows: list[tuple[str, int | None, bool, str | None, int]]


_ACCESS_KINDS = dict.fromkeys(ACCESS_COLUMNS, "text") | {
    "at": "time",
    "actor_account_id": "int",
    "actor_department_id": "int",
    "subject_key": "bytes",
    "department_id": "int",
    "granted": "bool",
    "records": "int",
}


def log_deferred(rows: Rows, reads: Sequence[tuple[PendingLog, str]]) -> None:
    """Writes the access rows of reads made with ``defer_log``, each under its reference,
    in the transaction of ``rows`` (the caller's unit of work): one statement for them all."""
    values = [
        (
            pending.request_id,
            pending.at,
            pending.actor.label,
            pending.actor.account_id,
            pending.actor.department_id,
            pending.subject.kind,
            pending.subject.key or None,
            code[:64],
            department,
            pending.purpose.use[:64],
            pending.purpose.kind[:16],
            reference[:64],
            pending.purpose.legal_basis[:200],
            granted,
            reason,
            records,
        )
        for pending, reference in reads
        for code, department, granted, reason, records in pending.rows
    ]
    rows.insert("datahub_access_log", [(name, _ACCESS_KINDS[name]) for name in ACCESS_COLUMNS], values)


def write_access_rows(  # noqa: PLR0917 - the lookup's parts
    cursor: Any,
    dialect: Any,
    now: Any,
    actor: Principal,
    subject: Subject,
    purpose: Purpose,
    request_id: str,
    rows: list[tuple[str, int | None, bool, str | None, int]],
) -> None:
    common = (
        request_id,
        _at_value(dialect, now),
        actor.label,
        actor.account_id,
        actor.department_id,
        subject.kind,
        subject.key or None,
    )
    tail = (purpose.use[:64], purpose.kind[:16], purpose.reference[:64], purpose.legal_basis[:200])
    values = [
        (*common, code[:64], department, *tail, granted, reason, records)
        for code, department, granted, reason, records in rows
    ]
    if dialect.name == "sqlite":
        cursor.executemany(_INSERT_SQLITE, values)
        return
    columns = list(zip(*rows, strict=True)) if rows else [(), (), (), (), ()]
    cursor.execute(
        _INSERT_PG,
        (
            *common,
            *tail,
            [c[:64] for c in columns[0]],
            list(columns[1]),
            list(columns[2]),
            list(columns[3]),
            list(columns[4]),
        ),
    )


_AT_PROCESSORS: dict[str, Any] = {}


def _at_value(dialect: Any, now: Any) -> Any:
    processor = _AT_PROCESSORS.get(dialect.name)
    if processor is None:
        processor = AccessLog.__table__.c.at.type.bind_processor(dialect) or (lambda value: value)
        _AT_PROCESSORS[dialect.name] = processor
    return processor(now)
