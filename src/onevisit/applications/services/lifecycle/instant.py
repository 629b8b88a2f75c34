"""Instant approvals, group-committed: many applications, one transaction.

An instant approval is decided by rules alone, so the API's "apply" for one is nothing but
reads and writes — and the writes are the same few rows each time: the application, its
history, its certificate (signed, appended to the ledger's certificate log), audit records,
an event, the dossier read's access rows. Written one application per transaction they
queue on the certificate log's lock, each transaction paying its statements' and commit's
fixed costs. Here each request *prepares* on one of a few threads (reads only: the
applicant, the dossier — its access rows kept, not yet written — the form and every rule,
exactly as :func:`~.submitting.assess` judges a submission), then joins a group commit
(:mod:`onevisit.kernel.groupcommit`) that writes a whole batch at once: one INSERT for the
applications, one ledger append and one INSERT for their certificates, one statement each
for history, audit, events and access rows, one commit. Each request is answered after its
batch committed.

Only applications that will complete at once take this path: every member service has an
instant-approval rule and it holds, no fee is due, and no rule reads the application's
number (it is assigned in the batch). Anything else — an error in the form, a failed
check, a review step, a fee, the key's earlier application — goes the ordinary way
(:func:`~.drafts.apply`), which keeps the draft and names every problem. A batch that fails
is retried one request at a time, so one bad request cannot fail the others; a request that
raced another with the same idempotency key (the unique key refuses its row) is answered by
the ordinary path with the first one's application.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import secrets
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import IntegrityError

from onevisit import credentials, datahub
from onevisit.applications.models import Application
from onevisit.applications.services import matter as matters
from onevisit.applications.services.lifecycle.core import _current_matter, cached_matter
from onevisit.applications.services.lifecycle.deciding import certificates_to_issue
from onevisit.applications.services.lifecycle.submitting import Assessment, _jsonable, assess
from onevisit.applications.services.matter import Applicant, Matter
from onevisit.identity.models import Enterprise, Person
from onevisit.identity.services.people import id_number_of
from onevisit.kernel import groupcommit, journal
from onevisit.kernel.actors import Principal, system_actor
from onevisit.kernel.errors import InvalidInput, ValidationFailed
from onevisit.kernel.hotsql import HotQuery, as_date, hot_reader
from onevisit.kernel.platform import Platform
from onevisit.kernel.rows import Rows

#: the unit of work's actor; every row written names the applicant who asked
BATCH_ACTOR = system_actor("applications")
MAX_BATCH = 64
#: under load, how long a batch waits for more requests to join it (seconds): a batch's
#: fixed cost (~4 ms of CPU: transaction, log lock, statements) over more applications
LINGER = 0.003
#: the reference of a dossier read made before the application has a number: a granted
#: read's rows are written with the number instead; a refused one is logged with this
PROVISIONAL = "(new application)"

_APPLICATION_COLUMNS = (
    ("number", "text"),
    ("kind", "text"),
    ("service_code", "text"),
    ("version_id", "int"),
    ("applicant_kind", "text"),
    ("person_id", "int"),
    ("enterprise_id", "int"),
    ("status", "text"),
    ("form", "json"),
    ("materials", "json"),
    ("commitments", "json"),
    ("outcome", "json"),
    ("instant", "bool"),
    ("fee_total_fen", "int"),
    ("certificates", "json"),
    ("idempotency_key", "text"),
    ("reason", "text"),
    ("created_at", "time"),
    ("submitted_at", "time"),
    ("decided_at", "time"),
    ("due_at", "time"),
    ("updated_at", "time"),
)
_HISTORY_COLUMNS = (
    ("application_id", "int"),
    ("at", "time"),
    ("actor", "text"),
    ("action", "text"),
    ("detail", "json"),
)


@dataclass(frozen=True, slots=True)
class ApplyRequest:
    principal: Principal
    code: str
    values: Mapping[str, str]
    commitments: tuple[str, ...] = ()
    idempotency_key: str | None = None
    ip: str | None = None


@dataclass
class Prepared:
    """A request judged an instant approval, with everything its rows need but a number."""

    request: ApplyRequest
    matter: Matter
    applicant: Applicant
    found: Assessment
    form: dict[str, str]
    commitments: list[str]
    pending: datahub.PendingLog | None


#: who applies (and for which enterprise), the key's earlier application, the service's
#: current version: one statement on the DB-API cursor instead of three through the ORM
_START = HotQuery(
    """
    SELECT p.id, p.id_number_enc, p.name, p.gender, p.birth_date, p.region_code,
           e.id, e.credit_code, e.name, e.kind, e.region_code, e.industry, e.registered_capital_fen,
           e.established_on, e.employees,
           (SELECT a.id FROM applications a WHERE a.person_id = p.id AND a.idempotency_key = :key),
           (SELECT v.id FROM catalog_versions v JOIN catalog_services s
                ON s.id = v.service_id AND v.version = s.version
             WHERE s.code = :code AND s.version > 0)
      FROM persons p LEFT JOIN enterprises e ON e.id = :enterprise
     WHERE p.id = :person
    """
)


#: threads preparing requests in a process: a few, so that under load the batch writer
#: (which holds the certificate log's lock while it waits for the GIL) is not queued
#: behind dozens of runnable threads
PREPARING_THREADS = 4
_PREPARING = ThreadPoolExecutor(PREPARING_THREADS, thread_name_prefix="applications-prepare")


async def prepare_soon(platform: Platform, request: ApplyRequest) -> Application | Prepared | None:
    """:func:`prepare` on one of the process's few preparing threads."""
    return await asyncio.get_running_loop().run_in_executor(_PREPARING, prepare, platform, request)


def prepare(platform: Platform, request: ApplyRequest) -> Application | Prepared | None:
    """Reads and judges ``request``; writes nothing. Returns the key's earlier application
    (answered as it is), a :class:`Prepared` instant approval, or ``None``: the ordinary
    path takes it (not instant, a fee, a problem to name, the key's kept draft)."""
    principal = request.principal
    if principal.person_id is None:
        return None
    with hot_reader(platform.db) as reader:
        found_row = reader.first(
            _START,
            {
                "person": principal.person_id,
                "enterprise": principal.acting_for_enterprise_id or 0,
                "key": request.idempotency_key or "",
                "code": request.code[:64],
            },
        )
    if found_row is None or found_row[16] is None:
        return None  # no such person or service: the ordinary path says so
    if found_row[15] is not None:
        return _earlier(platform, int(found_row[15]))
    matter = cached_matter(str(platform.db.engine.url), int(found_row[16]))
    if matter is None:
        with platform.db.session() as session:
            matter = _current_matter(session, request.code)
    applicant = _applicant(platform, matter.applicant_kind, found_row)
    if applicant is None or not _may_be_instant(platform, matter):
        return None
    records, pending = matters.read_dossier_deferred(platform, matter, applicant, PROVISIONAL)
    form, commitments = matters.as_typed(matter, request.values, request.commitments)
    with platform.db.session() as session:
        try:
            found = assess(
                session,
                matter,
                applicant=applicant,
                records=records,
                values=request.values,
                commitments=commitments,
                uploaded=set(),
                number="",
                now=platform.clock.now(),
            )
        except (ValidationFailed, InvalidInput):
            return None  # the ordinary path names the problems and keeps the draft
    if not found.instant or found.fee_total_fen:
        return None
    return Prepared(request, matter, applicant, found, form, commitments, pending)


def _earlier(platform: Platform, application_id: int) -> Application | None:
    """The key's earlier application; ``None`` when it is a draft (submitted again, the
    ordinary way)."""
    with platform.db.session() as session:
        existing = session.get(Application, application_id)
        if existing is None or existing.status == "draft":
            return None
        session.expunge(existing)
        return existing


def _applicant(platform: Platform, kind: str, row: tuple[Any, ...]) -> Applicant | None:
    """The applicant from the start row (detached rows, read-only); ``None`` when an
    enterprise's service is asked for without acting for one (the ordinary path says so)."""
    person = Person(
        id=int(row[0]),
        id_number_enc=bytes(row[1]),
        name=row[2],
        gender=row[3],
        birth_date=as_date(row[4]),
        region_code=row[5],
    )
    if kind != "enterprise":
        return Applicant("person", person, None, id_number_of(platform.vault, person))
    if row[6] is None:
        return None
    enterprise = Enterprise(
        id=int(row[6]),
        credit_code=row[7],
        name=row[8],
        kind=row[9],
        region_code=row[10],
        industry=row[11],
        registered_capital_fen=int(row[12]),
        established_on=as_date(row[13]),
        employees=int(row[14]),
    )
    return Applicant("enterprise", person, enterprise, enterprise.credit_code)


_FITS: dict[tuple[str, int], bool] = {}


def _may_be_instant(platform: Platform, matter: Matter) -> bool:
    """Every member has an instant-approval rule, none establishes an enterprise (the
    ordinary path registers it), and no condition reads the number."""
    key = (str(platform.db.engine.url), matter.entry.version_id)
    fits = _FITS.get(key)
    if fits is None:
        if any(m.instant_approval is None or m.establishes is not None for m in matter.members):
            fits = False
        else:
            with platform.db.session() as session:
                schema = matters.schema_for(session, matter)
            conditions = [c.rule for m in matter.members for c in m.eligibility]
            conditions += [c.rule for m in matter.members for s in m.steps if s.kind == "check" for c in s.checks]
            conditions += [m.instant_approval.rule for m in matter.members if m.instant_approval is not None]
            conditions += [f.when for _, f in matter.fees if f.when] + [w for m in matter.materials if (w := m.when)]
            formulas = [f.formula for _, f in matter.fees if f.formula]
            today = dt.date(2000, 1, 1)  # what a rule reads does not depend on the day
            read = [matters.rule(text, schema, today).fields for text in conditions]
            read += [matters.rule(text, schema, today, value=True).fields for text in formulas]
            fits = not any("application_no" in fields for fields in read)
        if len(_FITS) > 2000:
            _FITS.clear()
        _FITS[key] = fits
    return fits


def group(platform: Platform) -> groupcommit.GroupCommit[Prepared, Application]:
    """The process's group commit of instant approvals for ``platform``."""
    return groupcommit.for_platform(platform, "applications.instant", write, max_batch=MAX_BATCH, linger=LINGER)


class KeyTaken(Exception):
    """A unique key refused a row: most likely another request with the same idempotency
    key was written first (the ordinary path then answers with its application)."""


def write(platform: Platform, batch: Sequence[Prepared]) -> list[Application | BaseException]:
    """Writes a batch of prepared instant approvals in one transaction; their applications
    (completed, certificates issued), in order. Raises :class:`KeyTaken` when a unique key
    refuses a row (the statements run on the driver's cursor, so it is the driver's error)."""
    try:
        return _write(platform, batch)
    except Exception as exc:
        driver = platform.db.engine.dialect.dbapi
        if isinstance(exc, IntegrityError) or (driver is not None and isinstance(exc, driver.IntegrityError)):
            raise KeyTaken(str(exc)[:200]) from exc
        raise


def _write(platform: Platform, batch: Sequence[Prepared]) -> list[Application | BaseException]:
    with platform.uow(BATCH_ACTOR) as uow:
        now = uow.clock.now()
        rows = Rows(uow.session)
        # The numbers come from the ids: PostgreSQL hands them out before anything is
        # written (the rows then go in once, as they end); SQLite assigns them as the rows
        # go in (in-process: a second statement per row costs nothing to speak of).
        ids = _next_ids(rows, len(batch))
        placeholders = ids is None
        if ids is None:
            values = [_row(p, now, "~" + secrets.token_hex(12), {}, []) for p in batch]  # unique until numbered
            returned = rows.insert("applications", _APPLICATION_COLUMNS, values, returning="id, number")
            inserted = {str(number): int(id_) for id_, number in returned}
            ids = [inserted[str(v[0])] for v in values]
        day = matters.today_in_zhejiang(now)
        numbers = [f"A{day:%Y%m%d}{id_:06d}" for id_ in ids]
        records = [{**p.found.record, "application_no": n} for p, n in zip(batch, numbers, strict=True)]
        requests, issued_by, deferred_by = _certificates(batch, numbers, records)
        drafts = credentials.draft_many(uow, requests, source="applications")
        held = [[drafts[i].number for i in positions] for positions in issued_by]
        outcomes = [{"record": _jsonable(r)} for r in records]
        final = [_row(p, now, n, o, h) for p, n, o, h in zip(batch, numbers, outcomes, held, strict=True)]
        # What reads nothing back goes in one round trip; the certificates come last, as
        # appending them locks the certificate log until the commit.
        with rows.pipeline():
            if placeholders:
                _finish(rows, ids, numbers, outcomes, held)
            else:
                columns = (("id", "int"), *_APPLICATION_COLUMNS)
                rows.insert("applications", columns, [(i, *v) for i, v in zip(ids, final, strict=True)])
            _history(rows, batch, ids, held, deferred_by, now)
            _audit(uow, rows, batch, numbers, held)
            datahub.log_deferred(
                rows,
                [(p.pending, number) for p, number in zip(batch, numbers, strict=True) if p.pending is not None],
            )
        credentials.register_many(uow, drafts, requests, source="applications", announce=True, rows=rows)
    names = [name for name, _ in _APPLICATION_COLUMNS]
    return [
        Application(id=i, bill_number=None, **dict(zip(names, v, strict=True))) for i, v in zip(ids, final, strict=True)
    ]


def _next_ids(rows: Rows, count: int) -> list[int] | None:
    """PostgreSQL: ``count`` ids from the applications' sequence (in one statement, no lock:
    a sequence is not transactional, so a rolled-back batch leaves a gap, as any failed
    insert does). SQLite: ``None``."""
    if not rows.pg:
        return None
    found = rows.all(
        "SELECT nextval(pg_get_serial_sequence('applications', 'id')) FROM generate_series(1, %s)", [count]
    )
    return [int(r[0]) for r in found]


def _certificates(
    batch: Sequence[Prepared], numbers: list[str], records: list[dict[str, object]]
) -> tuple[list[credentials.IssueRequest], list[list[int]], list[list[str]]]:
    """The certificates the batch issues; for each application, the positions of its own
    among them, and the types deferred (another kind of holder)."""
    requests: list[credentials.IssueRequest] = []
    issued_by: list[list[int]] = []
    deferred_by: list[list[str]] = []
    for prepared, number, record in zip(batch, numbers, records, strict=True):
        found, applicant = prepared.found, prepared.applicant
        to_issue, deferred = certificates_to_issue(prepared.matter, applicant, found.schema, record, found.today)
        positions = []
        for type_code, fields in to_issue:
            positions.append(len(requests))
            requests.append(
                credentials.IssueRequest(
                    type_code,
                    applicant.holder,
                    fields,
                    facts=applicant.holder_facts,
                    reference=f"{number}:{type_code}",
                    actor=prepared.request.principal,
                    ip=prepared.request.ip,
                )
            )
        issued_by.append(positions)
        deferred_by.append(deferred)
    return requests, issued_by, deferred_by


def _row(
    prepared: Prepared, now: dt.datetime, number: str, outcome: dict[str, Any], certificates: list[str]
) -> tuple[Any, ...]:
    matter, applicant, found, request = prepared.matter, prepared.applicant, prepared.found, prepared.request
    return (
        number,
        matter.entry.kind,
        matter.entry.code,
        matter.entry.version_id,
        applicant.kind,
        applicant.person.id,
        applicant.enterprise.id if applicant.enterprise else None,
        "completed",
        prepared.form,
        found.materials,
        prepared.commitments,
        outcome,
        True,
        0,
        certificates,
        request.idempotency_key,
        "",
        now,
        now,
        now,
        found.due_at,
        now,
    )


def _finish(
    rows: Rows, ids: list[int], numbers: list[str], outcomes: list[dict[str, Any]], held: list[list[str]]
) -> None:
    """SQLite: each application's number, the record its rules read (with the number) and
    its certificates, once the rows have their ids."""
    texts = [rows.json_in(o) for o in outcomes]
    certificates = [rows.json_in(h) for h in held]
    rows.cursor.executemany(
        "UPDATE applications SET number = ?, outcome = ?, certificates = ? WHERE id = ?",
        list(zip(numbers, texts, certificates, ids, strict=True)),
    )


def _history(  # noqa: PLR0917 - the batch's parallel lists
    rows: Rows,
    batch: Sequence[Prepared],
    ids: list[int],
    held: list[list[str]],
    deferred_by: list[list[str]],
    now: dt.datetime,
) -> None:
    """The same history an application decided on the ordinary path gets."""
    entries: list[tuple[Any, ...]] = []
    for prepared, id_, certificates, deferred in zip(batch, ids, held, deferred_by, strict=True):
        actor = prepared.request.principal.label[:128]
        entries += [
            (id_, now, actor, "started", {"version": prepared.matter.entry.version}),
            (id_, now, actor, "submitted", prepared.found.submitted_detail),
            (id_, now, actor, "approved", {}),
            *((id_, now, actor, "certificate_deferred", {"type": t}) for t in deferred),
            (id_, now, actor, "completed", {"certificates": certificates}),
        ]
    rows.insert("application_history", _HISTORY_COLUMNS, entries)


def _audit(uow: Any, rows: Rows, batch: Sequence[Prepared], numbers: list[str], held: list[list[str]]) -> None:
    entries: list[journal.AuditEntry] = []
    for prepared, number, certificates in zip(batch, numbers, held, strict=True):
        who, ip, entry = prepared.request.principal, prepared.request.ip, prepared.matter.entry
        entries += [
            journal.AuditEntry(
                "applications.started",
                "application",
                number,
                {"service": entry.code, "version": entry.version},
                ip,
                who,
            ),
            journal.AuditEntry(
                "applications.submitted", "application", number, {"service": entry.code, "instant": True}, ip, who
            ),
            journal.AuditEntry("applications.approved", "application", number, {}, ip, who),
            journal.AuditEntry(
                "applications.completed", "application", number, {"certificates": len(certificates)}, ip, who
            ),
        ]
    journal.audit_many(uow, entries, rows=rows)
