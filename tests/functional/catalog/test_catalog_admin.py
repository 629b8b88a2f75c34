"""Administrators load definition files through the page and the API: a new service
appears at once, a changed one gets a new version (who and when recorded), a broken file
is refused with the file, line and field named and changes nothing."""

from __future__ import annotations

import pytest

from onevisit.kernel.platform import Platform
from tests.common.factories import make_clerk, make_department
from tests.functional.conftest import Browser
from tests.unit.catalog.conftest import prepare_references

GOOD = """\
services:
  - code: test.fishing_licence
    name: {zh: 垂钓许可, en: Fishing licence}
    description: {zh: 在水库垂钓的许可。, en: A licence to fish in the reservoirs.}
    departments: [ZJ-AGRI]
    audience: person
    life_events: [health]
    form:
      - name: reservoir
        type: text
        label: {zh: 水库, en: Reservoir}
    fees:
      - {code: fee, name: {zh: 许可费, en: Licence fee}, amount_fen: 1500, payee: ZJ-AGRI}
    time_limits: {statutory_days: 10, committed_days: 2}
    steps:
      - {id: review, kind: review, department: ZJ-AGRI}
      - {id: pay, kind: payment}
"""

BROKEN = GOOD.replace("departments: [ZJ-AGRI]", "departments: [ZJ-FISH]").replace(
    "kind: payment}",
    'kind: payment}\n    eligibility:\n      - rule: "agee >= 18"\n        message: {zh: 成年, en: Adult}',
)


@pytest.fixture
def admin(client: Browser, platform: Platform) -> Browser:
    prepare_references(platform)
    department = make_department(platform)
    _, number, _ = make_clerk(platform, department, role="administrator", name="省管理员")
    client.login(number)
    client.get("/language/en", follow_redirects=False)
    return client


def _upload(client: Browser, name: str, text: str):  # type: ignore[no-untyped-def]
    return client.post(
        "/staff/catalog/loads",
        data={"csrf_token": client.csrf("/staff/catalog")},
        files={"file": (name, text.encode("utf-8"), "application/yaml")},
        follow_redirects=False,
    )


def test_only_administrators_see_the_catalogue_admin(client: Browser, platform: Platform) -> None:
    assert client.get("/staff/catalog", follow_redirects=False).status_code == 303  # to the login page
    department = make_department(platform)
    _, clerk, _ = make_clerk(platform, department)
    client.login(clerk)
    assert client.get("/staff/catalog").status_code == 403
    assert client.get("/api/v1/catalog/loads").status_code == 403
    refused = client.post(
        "/api/v1/catalog/loads?file_name=x.yaml",
        content=GOOD.encode(),
        headers={"X-CSRF-Token": client.csrf("/staff"), "Content-Type": "application/yaml"},
    )
    assert refused.status_code == 403


def test_load_replace_and_see_versions_with_who_loaded_them(admin: Browser) -> None:
    loaded = _upload(admin, "fishing.yaml", GOOD)
    assert loaded.status_code == 303 and "notice=catalog_loaded" in loaded.headers["location"]
    report = admin.get(loaded.headers["location"])
    assert "1 added, 0 updated, 0 unchanged" in report.text
    assert "省管理员" in report.text
    assert "test.fishing_licence" in report.text and "now at version 1" in report.text

    page = admin.get("/services/test.fishing_licence")
    assert page.status_code == 200 and "<h1>Fishing licence</h1>" in page.text and "¥15.00" in page.text

    again = _upload(admin, "fishing.yaml", GOOD)
    assert "notice=catalog_unchanged" in again.headers["location"]

    changed = _upload(admin, "fishing.yaml", GOOD.replace("amount_fen: 1500", "amount_fen: 2000"))
    assert "notice=catalog_loaded" in changed.headers["location"]
    assert "0 added, 1 updated, 0 unchanged" in admin.get(changed.headers["location"]).text
    assert "¥20.00" in admin.get("/services/test.fishing_licence").text

    history = admin.get("/staff/catalog/services/test.fishing_licence")
    assert history.status_code == 200
    assert history.text.count("fishing.yaml") == 2 and "省管理员" in history.text
    # the earlier version is kept: an application started on it keeps it
    old = admin.get("/api/v1/catalog/services/test.fishing_licence", params={"version": 1}).json()
    assert old["definition"]["fees"][0]["amount_fen"] == 1500 and old["latest_version"] == 2

    listing = admin.get("/staff/catalog")
    assert "test.fishing_licence" in listing.text and "Fishing licence" in listing.text


def test_a_broken_file_is_refused_with_file_line_and_field_and_changes_nothing(admin: Browser) -> None:
    assert _upload(admin, "fishing.yaml", GOOD).status_code == 303
    refused = _upload(admin, "fishing-v2.yaml", BROKEN.replace("amount_fen: 1500", "amount_fen: 9900"))
    assert refused.status_code == 422
    text = refused.text
    assert "<title>Error:" in text and 'class="error-summary"' in text
    assert 'href="#field-file"' in text
    assert "fishing-v2.yaml:5:19" in text  # the department, where it is written
    assert "services[0].departments[0]" in text and "There is no department ZJ-FISH." in text
    assert "services[0].eligibility[0].rule" in text and "Unknown field “agee”" in text
    # all or nothing: the good parts of the broken file were not loaded either
    assert "¥15.00" in admin.get("/services/test.fishing_licence").text
    loads = admin.get("/api/v1/catalog/loads").json()
    assert loads[0]["status"] == "rejected" and loads[0]["file_name"] == "fishing-v2.yaml"
    assert {p["field"] for p in loads[0]["problems"]} >= {
        "services[0].departments[0]",
        "services[0].eligibility[0].rule",
    }
    rejected_page = admin.get(f"/staff/catalog/loads/{loads[0]['id']}")
    assert "Refused: nothing in the file was loaded" in rejected_page.text and "ZJ-FISH" in rejected_page.text

    not_yaml = _upload(admin, "fishing.txt", GOOD)
    assert not_yaml.status_code == 422 and "The file must be a .yaml or .yml file." in not_yaml.text
    no_file = admin.post("/staff/catalog/loads", data={"csrf_token": admin.csrf("/staff/catalog")})
    assert no_file.status_code == 422 and "Choose a YAML file" in no_file.text
    syntax = _upload(admin, "bad.yaml", "services:\n  - code: [\n")
    assert syntax.status_code == 422 and "bad.yaml:3" in syntax.text and "This is not valid YAML" in syntax.text


def test_loading_through_the_api(admin: Browser) -> None:
    headers = {"X-CSRF-Token": admin.csrf("/staff/catalog"), "Content-Type": "application/yaml"}
    created = admin.post("/api/v1/catalog/loads?file_name=fishing.yaml", content=GOOD.encode(), headers=headers)
    assert created.status_code == 201, created.text
    assert created.json()["codes"] == ["test.fishing_licence"] and created.json()["added"] == 1

    refused = admin.post("/api/v1/catalog/loads?file_name=broken.yaml", content=BROKEN.encode(), headers=headers)
    assert refused.status_code == 422
    assert refused.headers["content-type"].startswith("application/problem+json")
    body = refused.json()
    assert body["code"] == "catalog.definition.rejected" and body["load_id"]
    department = next(e for e in body["errors"] if e["code"] == "catalog.department.unknown")
    assert department["file"] == "broken.yaml" and department["line"] == 5 and department["column"] == 19
    assert department["field"] == "services[0].departments[0]"
    rule = next(e for e in body["errors"] if e["code"] == "catalog.rule.invalid")
    assert rule["field"] == "services[0].eligibility[0].rule" and "agee" in rule["message"]

    assert admin.post("/api/v1/catalog/loads?file_name=x.txt", content=b"x", headers=headers).status_code == 422
    assert admin.post("/api/v1/catalog/loads?file_name=x.yaml", content=b"  ", headers=headers).status_code == 422
    unsigned = admin.post(
        "/api/v1/catalog/loads?file_name=x.yaml", content=GOOD.encode(), headers={"Content-Type": "application/yaml"}
    )
    assert unsigned.status_code == 403  # no CSRF token
