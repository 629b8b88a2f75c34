"""Importing a source: every row validated against the item's schema, bad rows reported by
line and left out, good rows loaded — all in one transaction, so a file that turns out to
be malformed halfway leaves nothing behind.

A row is bad when its subject is not a valid ID number / credit code or is not on record,
or when a field does not fit its declared type. Whole-source problems (no header, a column
the schema lacks, undecodable bytes, an unreachable server) raise and roll back.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from onevisit.datahub.errors import DatahubError
from onevisit.datahub.models import CatalogItem, DataSource
from onevisit.datahub.services import connectors, records
from onevisit.datahub.services.catalogue import find_item, schema_of
from onevisit.datahub.services.subjects import ENTERPRISE
from onevisit.identity.creditcodes import parse_credit_code
from onevisit.identity.idnumbers import parse_id_number
from onevisit.identity.models import Enterprise, Person
from onevisit.identity.services.people import ID_KIND
from onevisit.kernel.actors import Principal
from onevisit.kernel.errors import AppError, InvalidInput
from onevisit.kernel.i18n import N_
from onevisit.kernel.platform import Platform

MAX_REPORTED = 1000
PROGRESS_EVERY = 10_000


@dataclass(frozen=True, slots=True)
class BadRow:
    line: int
    problems: list[str]


@dataclass
class ImportReport:
    item: str
    rows_read: int = 0
    rows_loaded: int = 0
    bad_rows: int = 0
    bad: list[BadRow] = field(default_factory=list)
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "item": self.item,
            "rows_read": self.rows_read,
            "rows_loaded": self.rows_loaded,
            "bad_rows": self.bad_rows,
            "seconds": round(self.seconds, 3),
            "bad": [{"line": b.line, "problems": b.problems} for b in self.bad],
        }


def subject_column(item: CatalogItem) -> str:
    return "credit_code" if item.subject_kind == ENTERPRISE else "id_number"


def columns_of(item: CatalogItem) -> tuple[list[str], list[str]]:
    """(every column a source may have, the columns it must have)."""
    schema = schema_of(item)
    expected = [subject_column(item), *(f.name for f in schema.fields)]
    required = [subject_column(item), *(f.name for f in schema.fields if f.required)]
    return expected, required


def _known_subjects(session: Session, *, enterprise: bool) -> set[bytes]:
    """Every subject key on record, read on the driver's cursor (a million in well under a second)."""
    table = Enterprise.__table__ if enterprise else Person.__table__
    column = table.c.credit_code if enterprise else table.c.id_number_index
    rows = session.connection().execute(select(column)).scalars()
    return {c.encode("ascii") for c in rows} if enterprise else {bytes(k) for k in rows}


def import_rows(
    platform: Platform,
    actor: Principal,
    *,
    item_code: str,
    rows: Callable[[list[str], list[str]], Iterable[tuple[int, dict[str, Any]]]],
    replace: bool = True,
    advance: Callable[[int], None] | None = None,
) -> ImportReport:
    """Validates and loads ``rows(expected, required)`` as ``item_code``'s records."""
    started = time.perf_counter()
    report = ImportReport(item_code)
    with platform.uow(actor) as uow:
        session = uow.session
        item = find_item(session, item_code)
        schema = schema_of(item)
        expected, required = columns_of(item)
        enterprise = item.subject_kind == ENTERPRISE
        known = _known_subjects(session, enterprise=enterprise)
        vault = platform.vault
        column = subject_column(item)
        convert = schema.compiled()

        def bad(line: int, problems: list[str]) -> None:
            report.bad_rows += 1
            if len(report.bad) < MAX_REPORTED:
                report.bad.append(BadRow(line, problems))

        def good() -> Iterator[tuple[bytes, dict[str, Any]]]:
            for line, raw in rows(expected, required):
                report.rows_read += 1
                if advance is not None and report.rows_read % PROGRESS_EVERY == 0:
                    advance(PROGRESS_EVERY)
                if "__width__" in raw:
                    bad(line, [f"row has {raw['__width__']} fields, the header {len(expected)}"])
                    continue
                subject = str(raw.get(column) or "").strip().upper()
                # Fast path: a subject on record has a valid number by construction, so the
                # full check (and its precise message) is only needed for the others.
                key = subject.encode("ascii", "replace") if enterprise else vault.index(subject, kind=ID_KIND)
                if key not in known:
                    try:
                        key = (
                            parse_credit_code(subject).code.encode("ascii")
                            if enterprise
                            else vault.index(parse_id_number(subject).number, kind=ID_KIND)
                        )
                    except InvalidInput:
                        bad(line, [f"{column}: not a valid {'credit code' if enterprise else 'ID number'}"])
                        continue
                data, problems = convert(raw)
                if key not in known:
                    problems.insert(0, f"{column}: no such {'enterprise' if enterprise else 'person'} on record")
                if problems:
                    bad(line, problems)
                    continue
                yield key, data

        report.rows_loaded = records.load(uow, item, good(), replace=replace)
        if advance is not None:
            advance(report.rows_read % PROGRESS_EVERY)
        source = session.get(DataSource, item.source_id)
        uow.audit(
            "datahub.imported",
            "datahub_item",
            item.code,
            {"source": source.code if source else None, "loaded": report.rows_loaded, "bad": report.bad_rows},
        )
    report.seconds = time.perf_counter() - started
    return report


def import_file(
    platform: Platform,
    actor: Principal,
    *,
    item_code: str,
    path: Path,
    replace: bool = True,
    advance: Callable[[int], None] | None = None,
) -> ImportReport:
    """A CSV (``.csv``) or Excel (``.xlsx``) file, chosen by its extension."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        reader = connectors.csv_rows
    elif suffix in (".xlsx", ".xlsm"):
        reader = connectors.excel_rows
    else:
        raise InvalidInput(DatahubError.IMPORT_MALFORMED, N_("Import a .csv or .xlsx file."))
    return import_rows(
        platform, actor, item_code=item_code, rows=lambda e, r: reader(path, e, r), replace=replace, advance=advance
    )


def refresh(platform: Platform, actor: Principal, *, item_code: str) -> ImportReport:
    """Re-reads an item from its registered source (``sql``, ``own_table`` or ``http``)."""
    with platform.db.session() as session:
        item = find_item(session, item_code)
        source = session.get(DataSource, item.source_id)
        assert source is not None  # noqa: S101 - a foreign key guarantees it
        connector, config = source.connector, dict(source.config)
    if connector == "sql":
        return import_rows(
            platform,
            actor,
            item_code=item_code,
            rows=lambda e, r: connectors.sql_rows(str(config.get("url", "")), str(config.get("query", "")), e, r),
        )
    if connector == "own_table":
        return import_rows(
            platform,
            actor,
            item_code=item_code,
            rows=lambda e, r: connectors.own_table_rows(platform.db.engine, str(config.get("table", "")), e, r),
        )
    if connector == "http":
        return import_rows(
            platform,
            actor,
            item_code=item_code,
            rows=lambda e, r: connectors.http_rows(
                str(config.get("url", "")), e, r, timeout=float(config.get("timeout", 30))
            ),
        )
    if connector in ("csv", "excel") and config.get("path"):
        return import_file(platform, actor, item_code=item_code, path=Path(str(config["path"])))
    raise AppError(
        DatahubError.SOURCE_INVALID,
        N_("Source %(code)s has nothing to refresh from."),
        params={"code": source.code},
        status=422,
    )
