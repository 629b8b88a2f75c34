"""Lookups with a purpose, and the dossier: the hot path of the public data platform.

Every lookup names a subject, the items (none: everything the purpose may see — the
dossier), and a purpose: a registered use, its kind (an application, a staff task or a
use the subject consented to), a reference (the application or task) and a legal basis.

The rules, in order: the subject must exist; the use must exist and belong to the
requester's department (when it names one); a use that requires consent — and every
``consented_use`` — needs the subject's standing consent; a ``not_shared`` item is readable
only by its owning department; a ``conditional`` item only with the owner's standing
approval of the use (an approved access request whose end date has not passed,
:mod:`.requests`). Every item read, and every refused attempt, is one row of the access
log, written in the same transaction; refusals are committed before the error is raised.

Cost: one statement reads the subject, the use, its approvals, the subject's consent, the
catalogue and every record of the subject (``(subject_key, item_id, seq)`` is the records'
primary key), on the unit of work's own DB-API connection; one ``executemany`` writes the
access rows; one commit. No ORM objects on the way.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from onevisit.datahub.errors import DatahubError, DatahubRefused
from onevisit.datahub.models import PURPOSE_KINDS
from onevisit.datahub.services.accesslog import PendingLog, Purpose, write_access_rows
from onevisit.datahub.services.catalogue import is_stale
from onevisit.datahub.services.subjects import ENTERPRISE, Subject, parse_subject
from onevisit.kernel.actors import Principal
from onevisit.kernel.crypto import PersonalDataVault
from onevisit.kernel.errors import AppError, InvalidInput, NotFound
from onevisit.kernel.hotsql import HotQuery, as_datetime
from onevisit.kernel.i18n import N_
from onevisit.kernel.platform import Platform

RECORD_KIND = b"datahub"

_COMMON = """
    SELECT 'item' AS k, i.id AS a, i.code AS b, i.sharing AS c, i.department_id AS d, i.frequency AS e,
           i.data_updated_at AS f, CAST(NULL AS BYTEA) AS g
      FROM datahub_items i WHERE i.subject_kind = :kind
    UNION ALL
    SELECT 'use', u.id, u.code, CASE WHEN u.requires_consent THEN 'consent' ELSE '' END, u.department_id, NULL,
           NULL, NULL
      FROM datahub_uses u WHERE u.code = :use
    UNION ALL
    SELECT 'approval', a.item_id, NULL, NULL, NULL, NULL, a.valid_until, NULL
      FROM datahub_approvals a JOIN datahub_uses u ON u.id = a.use_id
     WHERE u.code = :use AND a.status = 'approved'
    UNION ALL
    SELECT 'consent', c.id, NULL, NULL, NULL, NULL, NULL, NULL
      FROM datahub_consents c JOIN datahub_uses u ON u.id = c.use_id
     WHERE c.subject_key = :key AND u.code = :use AND c.revoked_at IS NULL
    UNION ALL
    SELECT 'record', r.item_id, NULL, NULL, r.seq, NULL, NULL, r.payload
      FROM datahub_records r WHERE r.subject_key = :key
"""
_PERSON = HotQuery(
    _COMMON + " UNION ALL SELECT 'subject', p.id, NULL, NULL, NULL, NULL, NULL, NULL "
    "FROM persons p WHERE p.id_number_index = :key"
)
_ENTERPRISE = HotQuery(
    _COMMON + " UNION ALL SELECT 'subject', e.id, NULL, NULL, NULL, NULL, NULL, NULL "
    "FROM enterprises e WHERE e.credit_code = :code"
)


@dataclass(frozen=True, slots=True)
class Record:
    item: str
    seq: int
    data: dict[str, Any]


@dataclass(frozen=True, slots=True)
class ItemStatus:
    item: str
    department_id: int
    records: int
    stale: bool
    updated_at: Any


@dataclass(frozen=True, slots=True)
class ConflictFlag:
    concept: str
    values: dict[str, Any]


@dataclass
class Dossier:
    request_id: str
    subject: Subject
    records: list[Record] = field(default_factory=list)
    items: list[ItemStatus] = field(default_factory=list)
    withheld: list[str] = field(default_factory=list)
    conflicts: list[ConflictFlag] = field(default_factory=list)
    #: item code → owning department, for the access rows of refused lookups
    owners: dict[str, int] = field(default_factory=dict, repr=False)
    #: a granted read made with ``defer_log``: its access rows, written by :func:`log_deferred`
    pending: PendingLog | None = field(default=None, repr=False)

    def by_item(self) -> dict[str, list[dict[str, Any]]]:
        out: dict[str, list[dict[str, Any]]] = {}
        for record in self.records:
            out.setdefault(record.item, []).append(record.data)
        return out


_ENCODE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), check_circular=False).encode


def seal_record(vault: PersonalDataVault, data: dict[str, Any]) -> bytes:
    return vault.encrypt(_ENCODE(data), context=RECORD_KIND)


def open_record(vault: PersonalDataVault, payload: bytes) -> dict[str, Any]:
    value: dict[str, Any] = json.loads(vault.decrypt(bytes(payload), context=RECORD_KIND))
    return value


@dataclass(slots=True)
class _Item:
    id: int
    code: str
    sharing: str
    department_id: int
    frequency: str
    updated_at: Any


@dataclass(slots=True)
class _Lookup:
    items: dict[str, _Item] = field(default_factory=dict)
    use: tuple[int, str, bool, int | None] | None = None
    approved: set[int] = field(default_factory=set)
    consent: bool = False
    subject_found: bool = False
    records: list[tuple[int, int, bytes]] = field(default_factory=list)


def _lookup(cursor: Any, dialect: str, subject: Subject, use: str, now: Any) -> _Lookup:
    query = _ENTERPRISE if subject.kind == ENTERPRISE else _PERSON
    params = {"kind": subject.kind, "use": use, "key": subject.key, "code": subject.credit_code}
    cursor.execute(query.text_for(dialect), params)
    found = _Lookup()
    for k, a, b, c, d, e, f, g in cursor.fetchall():
        if k == "record":
            found.records.append((int(a), int(d), g))
        elif k == "item":
            found.items[b] = _Item(int(a), b, c, int(d), e, f)
        elif k == "approval":
            if f is None or as_datetime(f) > now:  # an approval past its end date has lapsed
                found.approved.add(int(a))
        elif k == "use":
            found.use = (int(a), b, c == "consent", None if d is None else int(d))
        elif k == "consent":
            found.consent = True
        else:
            found.subject_found = True
    return found


class _Refusal(Exception):
    def __init__(self, error: AppError) -> None:
        super().__init__(error.message)
        self.error = error


def _refused(code: DatahubError, message: str, **params: object) -> _Refusal:
    return _Refusal(DatahubRefused(code, message, params=params))


def _check_purpose(purpose: Purpose) -> AppError | None:
    if purpose.kind not in PURPOSE_KINDS:
        return InvalidInput(
            DatahubError.PURPOSE_INVALID,
            N_("A purpose is one of: %(kinds)s."),
            params={"kinds": ", ".join(PURPOSE_KINDS)},
        )
    if purpose.kind in ("application", "staff_task") and not purpose.reference.strip():
        return InvalidInput(DatahubError.PURPOSE_INVALID, N_("Name the application or staff task this lookup is for."))
    if not purpose.legal_basis.strip():
        return InvalidInput(DatahubError.LEGAL_BASIS_MISSING, N_("State the legal basis for this lookup."))
    return None


def _check_use(found: _Lookup, actor: Principal, purpose: Purpose) -> None:
    if found.use is None:
        raise _Refusal(
            NotFound(
                DatahubError.USE_UNKNOWN, N_("There is no registered use %(code)s."), params={"code": purpose.use[:64]}
            )
        )
    _, _, requires_consent, department_id = found.use
    if department_id is not None and not actor.has("*") and actor.department_id != department_id:
        raise _refused(DatahubError.USE_NOT_YOURS, N_("Use %(use)s belongs to another department."), use=purpose.use)
    if (requires_consent or purpose.kind == "consented_use") and not found.consent:
        raise _refused(
            DatahubError.CONSENT_MISSING,
            N_("The data subject has not consented to %(use)s (or has withdrawn it)."),
            use=purpose.use,
        )


def _item_refusal(item: _Item, found: _Lookup, actor: Principal) -> _Refusal | None:
    if actor.department_id is not None and actor.department_id == item.department_id:
        return None  # a department may always read what it holds itself
    if item.sharing == "not_shared":
        return _refused(
            DatahubError.ITEM_NOT_SHARED, N_("%(item)s is not shared with other departments."), item=item.code
        )
    if item.sharing == "conditional" and item.id not in found.approved:
        return _refused(
            DatahubError.APPROVAL_MISSING,
            N_(
                "%(item)s is shared only for uses its department has approved, and this use has no standing "
                "approval: file an access request with the owning department."
            ),
            item=item.code,
        )
    return None


def read(  # noqa: PLR0912, PLR0915 - the hot path, kept in one piece
    platform: Platform,
    actor: Principal,
    *,
    subject: str,
    purpose: Purpose,
    items: Sequence[str] = (),
    ip: str | None = None,
    defer_log: bool = False,
) -> Dossier:
    """Everything ``purpose`` may see about ``subject`` (only ``items``, when given).

    Raises an :class:`AppError` (a :class:`DatahubError` code) when the lookup is refused,
    after the refusal has been committed to the access log.

    ``defer_log``: a granted read's access rows are not written here but kept on the
    dossier (``pending``), for the caller to write with :func:`log_deferred` in the same
    transaction as what it does with the data, under the reference it assigns there (an
    application's number). The caller must write them or not use the data. Refusals are
    logged at once, as always.
    """
    vault = platform.vault
    request_id = secrets.token_hex(8)
    wanted = list(dict.fromkeys(items))
    error: AppError | None
    try:
        parsed = parse_subject(vault, subject)
    except AppError as err:
        parsed, error = Subject("unknown", b"", ""), err
    else:
        error = _check_purpose(purpose)
    dossier = Dossier(request_id, parsed)
    rows: list[tuple[str, int | None, bool, str | None, int]] = []  # item, department, granted, reason, records
    engine = platform.db.engine
    connection = engine.raw_connection()
    driver: Any = connection.driver_connection
    sqlite = engine.dialect.name == "sqlite"
    now = platform.clock.now()
    try:
        if not sqlite:
            # Two round trips in all: the read, then the access rows in one INSERT (a single
            # statement is atomic by itself), each its own autocommit transaction.
            driver.autocommit = True
        cursor = connection.cursor()
        try:
            if error is None:
                try:
                    rows = _decide(
                        cursor,
                        engine.dialect.name,
                        platform.db.url,
                        vault,
                        actor,
                        parsed,
                        purpose,
                        wanted,
                        dossier,
                        now,
                    )
                except _Refusal as refusal:
                    error = refusal.error
            if error is not None:
                reason = str(error.code)
                rows = [(code, dossier.owners.get(code), False, reason, 0) for code in (wanted or ["*"])]
            if error is None and defer_log:
                dossier.pending = PendingLog(now, actor, parsed, purpose, request_id, rows)
            else:
                write_access_rows(cursor, engine.dialect, now, actor, parsed, purpose, request_id, rows)
            if sqlite:
                connection.commit()
        finally:
            cursor.close()
    except BaseException:
        if sqlite:
            connection.rollback()
        raise
    finally:
        if not sqlite:
            driver.autocommit = False
        connection.close()
    if error is not None:
        raise error
    return dossier


def _decide(  # noqa: PLR0917 - private step of read(), called once
    cursor: Any,
    dialect: str,
    url: str,
    vault: PersonalDataVault,
    actor: Principal,
    subject: Subject,
    purpose: Purpose,
    wanted: list[str],
    dossier: Dossier,
    now: Any,
) -> list[tuple[str, int | None, bool, str | None, int]]:
    found = _lookup(cursor, dialect, subject, purpose.use, now)
    dossier.owners = {code: item.department_id for code, item in found.items.items()}
    if not found.subject_found:
        raise _Refusal(NotFound(DatahubError.SUBJECT_UNKNOWN, N_("No one with this number is on record.")))
    _check_use(found, actor, purpose)
    if wanted:
        chosen: list[_Item] = []
        for code in wanted:
            item = found.items.get(code)
            if item is None:
                raise _Refusal(
                    NotFound(
                        DatahubError.ITEM_UNKNOWN,
                        N_("There is no catalogue item %(code)s for this kind of subject."),
                        params={"code": code[:64]},
                    )
                )
            refusal = _item_refusal(item, found, actor)
            if refusal is not None:
                raise refusal
            chosen.append(item)
    else:
        chosen = []
        for item in found.items.values():
            if _item_refusal(item, found, actor) is None:
                chosen.append(item)
            else:
                dossier.withheld.append(item.code)
    by_id = {item.id: item for item in chosen}
    counts: dict[int, int] = dict.fromkeys(by_id, 0)
    for item_id, seq, payload in sorted(found.records, key=lambda r: (r[0], r[1])):
        item = by_id.get(item_id)
        if item is None:
            continue
        counts[item_id] += 1
        dossier.records.append(Record(item.code, seq, open_record(vault, payload)))
    for item in chosen:
        updated = _when(item.updated_at)
        dossier.items.append(
            ItemStatus(item.code, item.department_id, counts[item.id], is_stale(item.frequency, updated, now), updated)
        )
    concepts = _concepts(cursor, dialect, url, [item.id for item in chosen if counts[item.id]])
    _flag_conflicts({by_id[i].code: pairs for i, pairs in concepts.items() if pairs}, dossier)
    return [(item.code, item.department_id, True, None, counts[item.id]) for item in chosen]


def _flag_conflicts(concepts: dict[str, list[tuple[str, str]]], dossier: Dossier) -> None:
    """Flags every concept that two records of the dossier give different values for."""
    seen: dict[str, dict[str, Any]] = {}
    for record in dossier.records:
        for name, concept in concepts.get(record.item, ()):
            value = record.data.get(name)
            if value is not None:
                label = record.item if record.seq == 0 else f"{record.item}#{record.seq}"
                seen.setdefault(concept, {})[label] = value
    for concept, values in sorted(seen.items()):
        if len(set(map(str, values.values()))) > 1:
            dossier.conflicts.append(ConflictFlag(concept, values))


_WHEN: dict[object, Any] = {}


def _when(raw: object) -> Any:
    """An item's ``data_updated_at`` as an aware datetime (cached: 25 items per lookup)."""
    if raw is None:
        return None
    found = _WHEN.get(raw)
    if found is None:
        if len(_WHEN) > 4096:
            _WHEN.clear()
        found = _WHEN[raw] = as_datetime(raw)
    return found


#: item id → ``[(field, concept)]``; the catalogue's concepts change rarely and only feed
#: the conflict flags (never an access decision), so they are cached per process.
_CONCEPTS: dict[tuple[str, int], list[tuple[str, str]]] = {}


def _concepts(cursor: Any, dialect: str, url: str, item_ids: list[int]) -> dict[int, list[tuple[str, str]]]:
    missing = [i for i in item_ids if (url, i) not in _CONCEPTS]
    if missing:
        mark = "?" if dialect == "sqlite" else "%s"
        cursor.execute(
            f"SELECT id, fields FROM datahub_items WHERE id IN ({', '.join([mark] * len(missing))})",  # noqa: S608 - placeholders only
            missing,
        )
        for item_id, fields in cursor.fetchall():
            specs = json.loads(fields) if isinstance(fields, str) else fields
            _CONCEPTS[(url, int(item_id))] = [(f["name"], f["concept"]) for f in specs if f.get("concept")]
    return {i: _CONCEPTS.get((url, i), []) for i in item_ids}
