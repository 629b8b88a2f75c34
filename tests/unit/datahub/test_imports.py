"""Connectors and imports: every row validated, bad rows reported by line, nothing half-written."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import create_engine, select, text

from onevisit.datahub.errors import DatahubError
from onevisit.datahub.models import CatalogItem, DataRecord, DataSource
from onevisit.datahub.services import catalogue, imports
from onevisit.datahub.services.access import open_record
from onevisit.datahub.services.catalogue import find_item
from onevisit.kernel.actors import system_actor
from onevisit.kernel.errors import AppError
from onevisit.kernel.platform import Platform
from tests.unit.datahub.conftest import Hub

ACTOR = system_actor("test-import")


def titles(platform: Platform) -> list[dict[str, object]]:
    with platform.db.session() as session:
        item = find_item(session, "nr.title")
        payloads = session.scalars(select(DataRecord.payload).where(DataRecord.item_id == item.id))
        return [open_record(platform.vault, p) for p in payloads]


def write(path: Path, text_: str) -> Path:
    path.write_text(text_, encoding="utf-8")
    return path


def test_csv_keeps_good_rows_and_reports_bad_ones_by_line(platform: Platform, hub: Hub, tmp_path: Path) -> None:
    csv = write(
        tmp_path / "titles.csv",
        (
            "id_number,certificate_no,address,area_m2\n"
            f"{hub.id_number},浙(2020)7号,杭州市上城区3号,120.5\n"
            f"{hub.id_number},浙(2021)8号,,abc\n"  # line 3: area not a number
            "330106199001011235,浙(2022)9号,,10\n"  # line 4: bad checksum
            f"{hub.id_number},浙(2023)1号\n"  # line 5: too few fields
            "110101199003074477,浙(2023)2号,,10\n"  # line 6: valid number, nobody on record
            f"{hub.id_number},浙(2024)3号,,60\n"
        ),
    )
    report = imports.import_file(platform, ACTOR, item_code="nr.title", path=csv)
    assert (report.rows_read, report.rows_loaded, report.bad_rows) == (6, 2, 4)
    assert [b.line for b in report.bad] == [3, 4, 5, 6]
    assert report.bad[0].problems == ["area_m2: not a number"]
    assert "no such person" in report.bad[3].problems[0]
    assert sorted(str(t["certificate_no"]) for t in titles(platform)) == ["浙(2020)7号", "浙(2024)3号"]
    with platform.db.session() as session:
        item = find_item(session, "nr.title")
        assert item.record_count == 2 and item.data_updated_at is not None


@pytest.mark.parametrize(
    "content",
    [
        "",  # empty
        "certificate_no,area_m2\n浙1号,10\n",  # no subject column
        "id_number,certificate_no,area_m2,colour\nx,y,1,red\n",  # a column the schema lacks
        "id_number,id_number,certificate_no,area_m2\n",  # duplicate column
    ],
)
def test_a_malformed_csv_is_refused_and_nothing_changes(
    platform: Platform, hub: Hub, tmp_path: Path, content: str
) -> None:
    before = titles(platform)
    with pytest.raises(AppError) as caught:
        imports.import_file(platform, ACTOR, item_code="nr.title", path=write(tmp_path / "bad.csv", content))
    assert caught.value.code is DatahubError.IMPORT_MALFORMED
    assert titles(platform) == before


def test_bytes_that_are_not_utf8_halfway_roll_everything_back(platform: Platform, hub: Hub, tmp_path: Path) -> None:
    before = titles(platform)
    good = f"{hub.id_number},浙(2020)7号,,12\n".encode()
    path = tmp_path / "broken.csv"
    path.write_bytes(b"id_number,certificate_no,address,area_m2\n" + good * 30_000 + b"\xff\xfe,\xc3(\n")
    with pytest.raises(AppError) as caught:
        imports.import_file(platform, ACTOR, item_code="nr.title", path=path)
    assert caught.value.code is DatahubError.IMPORT_MALFORMED
    assert titles(platform) == before


def test_excel_import(platform: Platform, hub: Hub, tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["id_number", "certificate_no", "area_m2"])
    sheet.append([hub.id_number, "浙(2020)5号", 88])
    sheet.append([hub.id_number, None, 10])
    book.save(tmp_path / "titles.xlsx")
    report = imports.import_file(platform, ACTOR, item_code="nr.title", path=tmp_path / "titles.xlsx")
    assert (report.rows_loaded, [b.line for b in report.bad]) == (1, [3])
    assert titles(platform) == [{"certificate_no": "浙(2020)5号", "area_m2": "88"}]
    with pytest.raises(AppError):
        imports.import_file(platform, ACTOR, item_code="nr.title", path=write(tmp_path / "x.xlsx", "not a workbook"))


def _use_source(platform: Platform, connector: str, config: dict[str, object]) -> None:
    with platform.uow() as uow:
        item = uow.session.scalar(select(CatalogItem).where(CatalogItem.code == "nr.title"))
        assert item is not None
        source = uow.session.get(DataSource, item.source_id)
        assert source is not None
        source.connector, source.config = connector, config


def test_any_sql_database_by_url(platform: Platform, hub: Hub, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'nr.db'}"
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE titles (owner TEXT, cert TEXT, area REAL)"))
        conn.execute(
            text("INSERT INTO titles VALUES (:o, '浙(2018)3号', 70.25), ('bogus', 'x', 1)"), {"o": hub.id_number}
        )
    engine.dispose()
    query = "SELECT owner AS id_number, cert AS certificate_no, area AS area_m2 FROM titles"
    _use_source(platform, "sql", {"url": url, "query": query})
    report = imports.refresh(platform, ACTOR, item_code="nr.title")
    assert (report.rows_loaded, report.bad_rows) == (1, 1)
    assert titles(platform) == [{"certificate_no": "浙(2018)3号", "area_m2": "70.25"}]
    _use_source(platform, "sql", {"url": f"sqlite:///{tmp_path / 'missing' / 'x.db'}", "query": query})
    with pytest.raises(AppError) as caught:
        imports.refresh(platform, ACTOR, item_code="nr.title")
    assert caught.value.code is DatahubError.SOURCE_UNAVAILABLE


@pytest.fixture
def json_server() -> Iterator[tuple[str, dict[str, object]]]:
    state: dict[str, object] = {"body": []}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = json.dumps(state["body"]).encode()
            self.send_response(200 if self.path == "/titles" else 404)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            """Quiet."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", state
    server.shutdown()
    server.server_close()


def test_http_json_source(platform: Platform, hub: Hub, json_server: tuple[str, dict[str, object]]) -> None:
    base, state = json_server
    state["body"] = {
        "records": [
            {"id_number": hub.id_number, "certificate_no": "浙(2025)4号", "area_m2": "99"},
            {"id_number": hub.id_number, "area_m2": "1"},
        ]
    }
    _use_source(platform, "http", {"url": f"{base}/titles"})
    report = imports.refresh(platform, ACTOR, item_code="nr.title")
    assert (report.rows_loaded, [b.line for b in report.bad]) == (1, [2])
    assert titles(platform) == [{"certificate_no": "浙(2025)4号", "area_m2": "99"}]
    _use_source(platform, "http", {"url": f"{base}/gone"})
    with pytest.raises(AppError) as caught:
        imports.refresh(platform, ACTOR, item_code="nr.title")
    assert caught.value.code is DatahubError.SOURCE_UNAVAILABLE
    assert titles(platform) == [{"certificate_no": "浙(2025)4号", "area_m2": "99"}]


def test_own_table_source(platform: Platform, hub: Hub) -> None:
    with platform.db.engine.begin() as conn:
        conn.execute(text("CREATE TABLE nr_staging (id_number VARCHAR(18), certificate_no VARCHAR(40))"))
        conn.execute(text("INSERT INTO nr_staging VALUES (:o, '浙(2017)2号')"), {"o": hub.id_number})
    with platform.uow() as uow:  # area_m2 is required: a new item without it
        catalogue.register_item(
            uow,
            source_code="nr.db",
            code="nr.cert",
            name_zh="证",
            name_en="Cert",
            subject_kind="person",
            sharing="unconditional",
            frequency="daily",
            fields=[{"name": "certificate_no"}],
        )
        source = catalogue.find_source(uow.session, "nr.db")
        source.config = {"table": "nr_staging"}
    assert imports.refresh(platform, ACTOR, item_code="nr.cert").rows_loaded == 1
    with platform.uow() as uow:
        catalogue.find_source(uow.session, "nr.db").config = {"table": "no_such_table"}
    with pytest.raises(AppError) as caught:
        imports.refresh(platform, ACTOR, item_code="nr.cert")
    assert caught.value.code is DatahubError.IMPORT_MALFORMED
