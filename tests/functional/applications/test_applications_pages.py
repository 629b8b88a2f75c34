"""Applying through the pages and the API: an instant service in one step, the housing
bundle reviewed by each department's clerk, every form error shown at once with the input
kept, someone else's application or task answering 404."""

from __future__ import annotations

import re

from onevisit.kernel.platform import Platform
from tests.functional.conftest import Browser
from tests.unit.applications.conftest import build_province

NUMBER = re.compile(r"/me/applications/(A\d+)")


def _start(client: Browser, code: str) -> str:
    page = client.get(f"/apply/{code}")
    assert page.status_code == 200
    started = client.submit(f"/apply/{code}", f"/apply/{code}", {}, follow_redirects=False)
    assert started.status_code == 303, started.text
    match = NUMBER.search(started.headers["location"])
    assert match
    return match.group(1)


def test_an_instant_service_completes_in_one_step(client: Browser, platform: Platform) -> None:
    province = build_province(platform)
    client.login(province.number)
    client.get("/language/en", follow_redirects=False)
    assert 'href="/apply/trans.ride_hailing_driver"' in client.get("/services/trans.ride_hailing_driver").text
    number = _start(client, "trans.ride_hailing_driver")
    form = client.get(f"/me/applications/{number}")
    assert "Submit the application" in form.text and 'name="platform"' in form.text
    done = client.submit(
        f"/me/applications/{number}", f"/me/applications/{number}", {"platform": "didi"}, follow_redirects=False
    )
    assert done.status_code == 303
    page = client.get(f"/me/applications/{number}").text
    assert "Completed" in page and "Approved automatically" in page
    assert re.search(r'href="/credentials/c/RH-[0-9A-Z-]+"', page)
    assert "Fetched from the department that holds it" in page
    assert number in client.get("/me/applications").text


def test_the_housing_bundle_through_the_pages(client: Browser, platform: Platform) -> None:
    province = build_province(platform)
    client.login(province.number)
    client.get("/language/en", follow_redirects=False)
    number = _start(client, "bundle.second_hand_housing")
    form = client.get(f"/me/applications/{number}").text
    assert 'value="HZ2026-000123"' in form  # pre-filled from the filed contract
    bad = client.submit(
        f"/me/applications/{number}",
        f"/me/applications/{number}",
        {"contract_no": "HZ2026-000123", "price_yuan": "2400000", "area_m2": "big"},
    )
    assert bad.status_code == 422
    assert "<title>Error:" in bad.text and 'href="#field-area_m2"' in bad.text and 'href="#field-location"' in bad.text
    assert 'value="big"' in bad.text  # the input is kept
    good = client.submit(
        f"/me/applications/{number}",
        f"/me/applications/{number}",
        {
            "contract_no": "HZ2026-000123",
            "price_yuan": "2400000",
            "co_owner": "李华",
            "seller_name": "张三",
            "seller_id_number": province.number,
            "location": "杭州市西湖区文三路1号",
            "area_m2": "88",
            "utilities": "all",
        },
        follow_redirects=False,
    )
    assert good.status_code == 303
    status = client.get(f"/me/applications/{number}").text
    assert "Being reviewed" in status and "Progress, department by department" in status
    assert province.number not in status  # the seller's ID number (the citizen's own here) is masked
    client.cookies.clear()

    for department in ("ZJ-HURD", "ZJ-TAX", "ZJ-NR", "ZJ-EIT"):
        client.login(province.clerks[department][0])
        client.get("/language/en", follow_redirects=False)
        inbox = client.get("/staff/applications").text
        task_ids = re.findall(r'href="/staff/applications/tasks/(\d+)"', inbox)
        assert task_ids, department
        for task_id in task_ids:
            page = client.get(f"/staff/applications/tasks/{task_id}")
            assert page.status_code == 200 and number in page.text
            missing_reason = client.submit(
                f"/staff/applications/tasks/{task_id}", f"/staff/applications/tasks/{task_id}", {"decision": "reject"}
            )
            assert missing_reason.status_code == 422 and "Give the reason" in missing_reason.text
            decided = client.submit(
                f"/staff/applications/tasks/{task_id}",
                f"/staff/applications/tasks/{task_id}",
                {"decision": "approve"},
                follow_redirects=False,
            )
            assert decided.status_code == 303
        client.cookies.clear()

    # another department's task is not found rather than refused
    client.login(province.clerks["ZJ-PSB"][0])
    assert client.get(f"/staff/applications/tasks/{task_ids[0]}").status_code == 404
    client.cookies.clear()
    client.login(province.number)
    client.get("/language/en", follow_redirects=False)
    page = client.get(f"/me/applications/{number}").text
    assert "Approved: waiting for payment" in page and "¥24,080.00" in page


def test_the_applications_api_is_idempotent_and_private(client: Browser, platform: Platform) -> None:
    province = build_province(platform)
    client.login(province.number)
    headers = {"X-CSRF-Token": client.csrf("/me")}
    body = {"service": "trans.ride_hailing_driver", "form": {"platform": "caocao"}, "idempotency_key": "ride-0000001"}
    first = client.post("/api/v1/applications", json=body, headers=headers)
    assert first.status_code == 201, first.text
    assert first.json()["status"] == "completed" and first.json()["instant"] is True
    second = client.post("/api/v1/applications", json=body, headers=headers)
    assert second.status_code == 200 and second.json()["number"] == first.json()["number"]
    assert len(client.get("/api/v1/me/applications").json()) == 1
    invalid = client.post(
        "/api/v1/applications",
        headers=headers,
        json={"service": "psb.traffic_fine_payment", "form": {"decision_no": "x"}},
    )
    assert invalid.status_code == 422 and invalid.headers["content-type"].startswith("application/problem+json")
    assert {e["field"] for e in invalid.json()["errors"]} == {"decision_no", "fine_yuan"}
    client.cookies.clear()
    client.login(province.clerks["ZJ-TAX"][0])
    assert client.get(f"/api/v1/me/applications/{first.json()['number']}").status_code == 404
