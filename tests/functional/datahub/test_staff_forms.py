"""A department manages its sources and items from the browser: register and edit sources
(passwords never shown), declare items, upload files with a per-line report, refresh now,
see its data quality — and no department touches another's."""

from __future__ import annotations

import io
import re

from openpyxl import Workbook
from sqlalchemy import select, text

from onevisit.datahub.jobs import scan_quality
from onevisit.datahub.models import CatalogItem, DataRecord, DataSource
from onevisit.kernel.platform import Platform
from tests.common.factories import make_clerk
from tests.functional.conftest import Browser
from tests.unit.datahub.conftest import Hub, build_hub

SECRET = "s3cret-Pa55"


def login(client: Browser, number: str) -> None:
    client.cookies.clear()
    client.login(number)


def admin_of(platform: Platform, hub: Hub, *, owner: bool = True, role: str = "department_admin") -> str:
    _, number, _ = make_clerk(platform, hub.owner if owner else hub.other, role=role, name="数据管理员")
    return number


def item_of(platform: Platform, code: str) -> CatalogItem:
    with platform.db.session() as session:
        item = session.scalar(select(CatalogItem).where(CatalogItem.code == code))
        assert item is not None
        return item


def declare(client: Browser, source: str, code: str, rows: list[dict[str, str]], **extra: str) -> object:
    data = {
        "code": code,
        "name_zh": "驾驶证",
        "name_en": "Driving licence",
        "subject_kind": "person",
        "sharing": "unconditional",
        "frequency": "daily",
        "rows": str(len(rows) + 2),
        "action": "save",
        **extra,
    }
    for index, row in enumerate(rows):
        for key, value in row.items():
            data[f"f{index}_{key}"] = value
    return client.submit(f"/staff/datahub/sources/{source}/items/new", f"/staff/datahub/sources/{source}/items", data)


def upload(client: Browser, item: str, name: str, content: bytes, mode: str = "replace") -> object:
    return client.post(
        f"/staff/datahub/items/{item}/import",
        data={"csrf_token": client.csrf(f"/staff/datahub/items/{item}/import"), "mode": mode},
        files={"file": (name, content, "text/csv")},
    )


def test_register_declare_upload_and_read_back(client: Browser, platform: Platform) -> None:
    hub = build_hub(platform)
    login(client, admin_of(platform, hub))
    bad = client.submit(
        "/staff/datahub/sources/new", "/staff/datahub/sources", {"code": "X", "name": "", "connector": "csv"}
    )
    assert bad.status_code == 422 and 'href="#field-code"' in bad.text and 'href="#field-name"' in bad.text
    made = client.submit(
        "/staff/datahub/sources/new",
        "/staff/datahub/sources",
        {"code": "psb.licences", "name": "驾驶证库", "connector": "csv"},
        follow_redirects=False,
    )
    assert made.status_code == 303 and made.headers["location"].startswith("/staff/datahub/sources/psb.licences")
    assert "驾驶证库" in client.get("/staff/datahub/sources").text

    wrong = declare(
        client,
        "psb.licences",
        "psb.licence",
        [{"name": "Class!", "type": "string"}, {"name": "issued_on", "type": "date", "max_length": "0"}],
    )
    assert wrong.status_code == 422
    assert 'href="#field-f0_name"' in wrong.text and 'href="#field-f1_max_length"' in wrong.text
    assert 'value="Class!"' in wrong.text  # what was typed is kept
    more = client.submit(
        "/staff/datahub/sources/psb.licences/items/new",
        "/staff/datahub/sources/psb.licences/items",
        {"rows": "2", "f0_name": "kind", "action": "more"},
    )
    assert more.status_code == 200 and 'id="field-f4_name"' in more.text and 'value="kind"' in more.text
    done = declare(
        client,
        "psb.licences",
        "psb.licence",
        [
            {"name": "kind", "label_zh": "准驾车型", "label_en": "Class", "required": "1"},
            {"name": "issued_on", "type": "date", "required": "1"},
        ],
    )
    assert done.status_code == 200 and "psb.licence" in done.text, re.findall(
        r"<li><a href=\"#field-[^<]*</a>", done.text
    )

    csv = f"id_number,kind,issued_on\n{hub.id_number},C1,2015-06-01\n{hub.id_number},A2,June\n123,B1,2016-01-01\n"
    report = upload(client, "psb.licence", "licences.csv", csv.encode())
    assert report.status_code == 200, report.text
    assert 'id="bad-rows"' in report.text
    assert "issued_on: not a date" in report.text and "<td>3</td>" in report.text and "<td>4</td>" in report.text
    assert item_of(platform, "psb.licence").record_count == 1

    malformed = upload(client, "psb.licence", "licences.csv", b"id_number,colour\n1,red\n")
    assert malformed.status_code == 422 and 'href="#field-file"' in malformed.text
    assert "colour" in malformed.text
    assert item_of(platform, "psb.licence").record_count == 1  # nothing half-written
    wrong_kind = upload(client, "psb.licence", "licences.pdf", b"%PDF")
    assert wrong_kind.status_code == 422 and 'href="#field-file"' in wrong_kind.text
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["id_number", "kind", "issued_on"])
    sheet.append([hub.id_number, "D", "2020-02-02"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    appended = upload(client, "psb.licence", "more.xlsx", buffer.getvalue(), mode="append")
    assert appended.status_code == 200 and item_of(platform, "psb.licence").record_count == 2


def test_an_upload_over_the_size_limit_is_refused_clearly(client: Browser, platform: Platform) -> None:
    hub = build_hub(platform)
    login(client, admin_of(platform, hub))
    limit = platform.settings.max_request_bytes
    page = client.get("/staff/datahub/items/psb.vehicle/import")
    assert f"{round(limit / 1_000_000, 1)} MB" in page.text
    big = b"id_number,plate\n" + b"x" * (limit + 10)
    response = upload(client, "psb.vehicle", "big.csv", big)
    assert response.status_code == 413
    assert str(limit) in response.text
    assert item_of(platform, "psb.vehicle").record_count == 2  # untouched


def test_secrets_are_never_shown_and_kept_on_edit(client: Browser, platform: Platform) -> None:
    hub = build_hub(platform)
    login(client, admin_of(platform, hub))
    base = {"code": "psb.remote", "name": "远程库", "connector": "sql", "sql_query": "SELECT id_number, plate FROM v"}
    refused = client.submit(
        "/staff/datahub/sources/new", "/staff/datahub/sources", {**base, "sql_url": "sqlite:////etc/passwd.db"}
    )
    assert refused.status_code == 422 and 'href="#field-sql_url"' in refused.text
    own = platform.settings.database_url
    if own.startswith("postgresql"):
        ours = client.submit("/staff/datahub/sources/new", "/staff/datahub/sources", {**base, "sql_url": own})
        assert ours.status_code == 422 and 'href="#field-sql_url"' in ours.text
    typed_in_url = client.submit(
        "/staff/datahub/sources/new",
        "/staff/datahub/sources",
        {**base, "sql_url": f"postgresql://reader:{SECRET}@db.example.gov.cn/psb", "sql_query": "DROP TABLE x"},
    )
    assert typed_in_url.status_code == 422 and SECRET not in typed_in_url.text  # not echoed back
    made = client.submit(
        "/staff/datahub/sources/new",
        "/staff/datahub/sources",
        {**base, "sql_url": "postgresql://reader@db.example.gov.cn/psb", "sql_password": SECRET},
        follow_redirects=False,
    )
    assert made.status_code == 303
    page = client.get("/staff/datahub/sources/psb.remote")
    assert SECRET not in page.text and "reader:***@db.example.gov.cn" in page.text
    edit = client.get("/staff/datahub/sources/psb.remote/edit")
    assert SECRET not in edit.text and "postgresql://reader@db.example.gov.cn/psb" in edit.text
    saved = client.submit(
        "/staff/datahub/sources/psb.remote/edit",
        "/staff/datahub/sources/psb.remote/edit",
        {
            "name": "远程库（新）",
            "sql_url": "postgresql://reader@db.example.gov.cn/psb",
            "sql_query": base["sql_query"],
        },
        follow_redirects=False,
    )
    assert saved.status_code == 303
    with platform.db.session() as session:
        source = session.scalar(select(DataSource).where(DataSource.code == "psb.remote"))
        assert source is not None and source.name == "远程库（新）"
        assert source.config["url"] == f"postgresql://reader:{SECRET}@db.example.gov.cn/psb"  # kept
    moved = client.submit(
        "/staff/datahub/sources/psb.remote/edit",
        "/staff/datahub/sources/psb.remote/edit",
        {"name": "远程库", "sql_url": "postgresql://reader@elsewhere.example.com/psb", "sql_query": base["sql_query"]},
        follow_redirects=False,
    )
    assert moved.status_code == 303
    with platform.db.session() as session:
        source = session.scalar(select(DataSource).where(DataSource.code == "psb.remote"))
        assert source is not None and SECRET not in source.config["url"]  # never sent to another host
        audit = session.execute(text("SELECT detail FROM audit_events WHERE action = 'datahub.source_updated'")).all()
    assert audit and all(SECRET not in str(row[0]) for row in audit)


def test_departments_manage_only_their_own(client: Browser, platform: Platform) -> None:
    hub = build_hub(platform)
    login(client, admin_of(platform, hub, owner=False))  # ZJ-NR's administrator
    listed = client.get("/staff/datahub/sources")
    assert "nr.db" in listed.text and "psb.db" not in listed.text
    for path in (
        "/staff/datahub/sources/psb.db",
        "/staff/datahub/sources/psb.db/edit",
        "/staff/datahub/items/psb.vehicle/edit",
        "/staff/datahub/items/psb.vehicle/import",
    ):
        assert client.get(path).status_code == 404, path
    assert client.submit("/staff/datahub/sources", "/staff/datahub/sources/psb.db/refresh", {}).status_code == 404
    denied = client.submit(
        "/staff/datahub/sources", "/staff/datahub/items/psb.vehicle/edit", {"name_zh": "x", "rows": "0"}
    )
    assert denied.status_code == 404
    login(client, hub.other_number)  # a clerk, without datahub.manage
    assert client.get("/staff/datahub/sources").status_code == 403
    province = admin_of(platform, hub, role="administrator")
    login(client, province)
    everything = client.get("/staff/datahub/sources?department=ZJ-PSB")
    assert "psb.db" in everything.text and client.get("/staff/datahub/sources/psb.db").status_code == 200


def test_edit_rules_and_sharing_changes_apply_at_once(client: Browser, platform: Platform) -> None:
    hub = build_hub(platform)
    login(client, admin_of(platform, hub))
    form = client.get("/staff/datahub/items/psb.vehicle/edit")
    assert 'value="plate"' in form.text
    removed = client.submit(
        "/staff/datahub/items/psb.vehicle/edit",
        "/staff/datahub/items/psb.vehicle/edit",
        {
            "name_zh": "机动车",
            "name_en": "Vehicles",
            "subject_kind": "person",
            "sharing": "not_shared",
            "frequency": "daily",
            "rows": "1",
            "f0_name": "colour",
        },
    )
    assert removed.status_code == 422 and "plate" in removed.text
    saved = client.submit(
        "/staff/datahub/items/psb.vehicle/edit",
        "/staff/datahub/items/psb.vehicle/edit",
        {
            "name_zh": "机动车",
            "name_en": "Vehicles",
            "subject_kind": "person",
            "sharing": "not_shared",
            "frequency": "daily",
            "rows": "2",
            "f0_name": "plate",
            "f0_required": "1",
            "f1_name": "colour",
        },
        follow_redirects=False,
    )
    assert saved.status_code == 303
    item = item_of(platform, "psb.vehicle")
    assert item.sharing == "not_shared" and [f["name"] for f in item.fields] == ["plate", "colour"]
    login(client, hub.other_number)
    response = client.post(
        "/api/v1/datahub/dossier",
        json={
            "subject": hub.id_number,
            "items": ["psb.vehicle"],
            "purpose": {"use": "nr.transfer", "kind": "application", "reference": "A-1", "legal_basis": "条例"},
        },
        headers={"X-CSRF-Token": client.csrf("/staff")},
    )
    assert response.status_code == 403 and response.json()["code"] == "datahub.item.not_shared"


def test_refresh_now_from_a_staging_table(client: Browser, platform: Platform) -> None:
    hub = build_hub(platform)
    with platform.db.engine.begin() as conn:
        conn.execute(text("CREATE TABLE psb_permits (id_number VARCHAR(18), permit VARCHAR(20))"))
        conn.execute(
            text("INSERT INTO psb_permits VALUES (:a, 'P-1'), ('330106199001011235', 'P-2')"), {"a": hub.id_number}
        )
    login(client, admin_of(platform, hub))
    own = client.submit(
        "/staff/datahub/sources/new",
        "/staff/datahub/sources",
        {"code": "psb.permits", "name": "许可", "connector": "own_table", "own_table_table": "accounts"},
    )
    assert own.status_code == 422 and 'href="#field-own_table_table"' in own.text  # not OneVisit's own tables
    made = client.submit(
        "/staff/datahub/sources/new",
        "/staff/datahub/sources",
        {"code": "psb.permits", "name": "许可", "connector": "own_table", "own_table_table": "psb_permits"},
        follow_redirects=False,
    )
    assert made.status_code == 303
    empty = client.submit("/staff/datahub/sources/psb.permits", "/staff/datahub/sources/psb.permits/refresh", {})
    assert empty.status_code == 422  # no items yet: said so
    declare(client, "psb.permits", "psb.permit", [{"name": "permit", "required": "1"}])
    refreshed = client.submit("/staff/datahub/sources/psb.permits", "/staff/datahub/sources/psb.permits/refresh", {})
    assert refreshed.status_code == 200 and 'id="refreshed"' in refreshed.text
    assert "id_number: not a valid ID number" in refreshed.text  # the bad row, by line
    assert item_of(platform, "psb.permit").record_count == 1
    csv_only = client.submit("/staff/datahub/sources/amr.db", "/staff/datahub/sources/amr.db/refresh", {})
    assert csv_only.status_code == 422  # a CSV source with no file on the server: nothing to refresh from
    with platform.db.session() as session:
        assert (
            session.scalar(select(DataRecord.seq).where(DataRecord.item_id == item_of(platform, "psb.permit").id)) == 0
        )


def test_the_quality_page_shows_conflicts_masked_and_stale_items(client: Browser, platform: Platform) -> None:
    hub = build_hub(platform)
    assert scan_quality(platform) == 1  # household and title addresses disagree
    login(client, hub.other_number)
    page = client.get("/staff/datahub/quality")
    assert page.status_code == 200 and 'id="conflicts"' in page.text
    assert hub.id_number not in page.text and hub.id_number[:6] + "********" + hub.id_number[-4:] in page.text
    assert "residential_address" in page.text
