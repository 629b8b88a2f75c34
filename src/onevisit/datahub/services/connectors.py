"""Connectors: where rows come from. Each yields ``(line, {column: value})`` and raises
``InvalidInput(IMPORT_MALFORMED)`` / ``AppError(SOURCE_UNAVAILABLE)`` for whole-source
problems (an unreadable file, a missing column, an unreachable server), so that the import
around it rolls back and leaves nothing half-written.

* ``csv`` — UTF-8 (with or without BOM), a header row; line numbers are the file's.
* ``excel`` — the first sheet of an ``.xlsx`` workbook, a header row (openpyxl, read-only).
* ``sql`` — any database SQLAlchemy can reach by URL, with a query returning named columns.
* ``own_table`` — a table in OneVisit's own database.
* ``http`` — a JSON array of objects, or ``{"records": [...]}``, fetched with httpx.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import Engine

from onevisit.datahub.errors import DatahubError
from onevisit.kernel.errors import AppError, InvalidInput
from onevisit.kernel.i18n import N_

Rows = Iterator[tuple[int, dict[str, Any]]]
_TABLE = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


class SourceUnavailable(AppError):
    status = 502


def malformed(message: str, **params: object) -> InvalidInput:
    return InvalidInput(DatahubError.IMPORT_MALFORMED, message, params=params)


def check_header(header: Sequence[str], expected: Sequence[str], required: Sequence[str]) -> list[str]:
    names = [h.strip() for h in header]
    unknown = [n for n in names if n not in expected]
    if unknown:
        raise malformed(N_("Column %(column)s is not in the item's schema."), column=unknown[0][:64])
    missing = [n for n in required if n not in names]
    if missing:
        raise malformed(N_("Required column %(column)s is missing."), column=missing[0])
    if len(set(names)) != len(names):
        raise malformed(N_("A column appears twice in the header."))
    return names


def csv_rows(path: Path, expected: Sequence[str], required: Sequence[str]) -> Rows:
    try:
        handle = path.open(encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise malformed(N_("The file cannot be read: %(problem)s"), problem=exc.strerror or "") from None
    with handle:
        reader = csv.reader(handle)
        try:
            header = next(reader, None)
            if header is None:
                raise malformed(N_("The file is empty: a header row is needed."))
            names = check_header(header, expected, required)
            width = len(names)
            for row in reader:
                if not row:
                    continue
                if len(row) != width:
                    yield reader.line_num, {"__width__": len(row)}
                    continue
                yield reader.line_num, dict(zip(names, row, strict=True))
        except UnicodeDecodeError:
            raise malformed(N_("The file is not UTF-8 text (near line %(line)s)."), line=reader.line_num + 1) from None
        except csv.Error as exc:
            raise malformed(
                N_("The file is not valid CSV (line %(line)s): %(problem)s"), line=reader.line_num, problem=str(exc)
            ) from None


def excel_rows(path: Path, expected: Sequence[str], required: Sequence[str]) -> Rows:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a file that is not a workbook
        raise malformed(N_("The file is not an Excel workbook (.xlsx).")) from None
    try:
        sheet = workbook.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        header = next(rows, None)
        if header is None:
            raise malformed(N_("The file is empty: a header row is needed."))
        names = check_header([str(h or "") for h in header], expected, required)
        for line, row in enumerate(rows, start=2):
            values = list(row)
            if all(v is None for v in values):
                continue
            values += [None] * (len(names) - len(values))
            if len(values) > len(names) and any(v is not None for v in values[len(names) :]):
                yield line, {"__width__": len(values)}
                continue
            yield line, dict(zip(names, values[: len(names)], strict=True))
    finally:
        workbook.close()


def engine_rows(engine: Engine, query: str, expected: Sequence[str], required: Sequence[str]) -> Rows:
    try:
        with engine.connect() as conn:
            result = conn.execute(text(query))
            names = check_header(list(result.keys()), expected, required)
            for line, row in enumerate(result, start=1):
                yield line, dict(zip(names, row, strict=True))
    except AppError:
        raise
    except Exception as exc:  # driver errors differ by database
        raise SourceUnavailable(
            DatahubError.SOURCE_UNAVAILABLE,
            N_("The source database cannot be read: %(problem)s"),
            params={"problem": type(exc).__name__},
        ) from None


def sql_rows(url: str, query: str, expected: Sequence[str], required: Sequence[str]) -> Rows:
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    try:
        engine = create_engine(url)
    except Exception:  # a malformed URL or a missing driver
        raise SourceUnavailable(DatahubError.SOURCE_UNAVAILABLE, N_("The source database URL is not usable.")) from None
    try:
        yield from engine_rows(engine, query, expected, required)
    finally:
        engine.dispose()


def own_table_rows(engine: Engine, table: str, expected: Sequence[str], required: Sequence[str]) -> Rows:
    if not _TABLE.match(table) or table not in inspect(engine).get_table_names():
        raise malformed(N_("There is no table %(table)s in this database."), table=table[:64])
    columns = ", ".join(expected_in(inspect(engine).get_columns(table), expected))
    yield from engine_rows(engine, f"SELECT {columns} FROM {table}", expected, required)  # noqa: S608 - names checked


def expected_in(columns: list[Any], expected: Sequence[str]) -> list[str]:
    return [c["name"] for c in columns if c["name"] in expected]


def http_rows(
    url: str,
    expected: Sequence[str],
    required: Sequence[str],
    *,
    timeout: float = 30.0,
    transport: httpx.BaseTransport | None = None,
) -> Rows:
    try:
        with httpx.Client(timeout=timeout, transport=transport) as client:
            response = client.get(url, headers={"Accept": "application/json"})
            response.raise_for_status()
            body = response.json()
    except (httpx.HTTPError, ValueError) as exc:
        raise SourceUnavailable(
            DatahubError.SOURCE_UNAVAILABLE,
            N_("The source at %(url)s cannot be read: %(problem)s"),
            params={"url": url[:200], "problem": type(exc).__name__},
        ) from None
    records = body.get("records") if isinstance(body, dict) else body
    if not isinstance(records, list):
        raise malformed(N_("The source did not answer a list of records."))
    present = sorted({k for r in records if isinstance(r, dict) for k in r})
    check_header(present or list(required), expected, required if records else [])
    for line, record in enumerate(records, start=1):
        yield line, record if isinstance(record, dict) else {"__width__": -1}
