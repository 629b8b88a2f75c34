"""Datahub over HTTP: a clerk's lookup, the citizen's "Who used my data", consents, staff pages."""

from __future__ import annotations

from onevisit.kernel.platform import Platform
from tests.functional.conftest import Browser
from tests.unit.datahub.conftest import build_hub

PURPOSE = {"use": "nr.transfer", "kind": "application", "reference": "A-7", "legal_basis": "《不动产登记暂行条例》"}


def _clerk_headers(client: Browser) -> dict[str, str]:
    return {"X-CSRF-Token": client.csrf("/staff")}


def test_a_clerks_lookup_shows_up_on_the_citizens_page(client: Browser, platform: Platform) -> None:
    hub = build_hub(platform)
    client.login(hub.other_number)
    response = client.post(
        "/api/v1/datahub/dossier", json={"subject": hub.id_number, "purpose": PURPOSE}, headers=_clerk_headers(client)
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert {r["item"] for r in body["records"]} == {"psb.household", "psb.vehicle", "nr.title"}
    assert body["subject"] != hub.id_number and "*" in body["subject"]
    assert body["conflicts"][0]["concept"] == "residential_address"
    refused = client.post(
        "/api/v1/datahub/dossier",
        headers=_clerk_headers(client),
        json={"subject": hub.id_number, "purpose": PURPOSE, "items": ["psb.correction"]},
    )
    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.json()["code"] == "datahub.item.not_shared"
    usage = client.get("/staff/datahub/usage")
    assert usage.status_code == 200  # the clerk's own department (NR) holds nr.title
    assert "Nr.Title" in usage.text or "nr.title" in usage.text
    client.post("/logout", data={"csrf_token": client.csrf("/staff")})

    client.login(hub.id_number)
    page = client.get("/me/data")
    assert page.status_code == 200
    assert "浙江省自然资源厅" in page.text or "Natural Resources" in page.text
    assert "A-7" in page.text
    assert "refused" in page.text or "拒绝" in page.text
    assert hub.id_number not in page.text
    assert client.get("/me").text.count('href="/me/data"') == 1


def test_citizens_grant_and_withdraw_consent_from_the_page(client: Browser, platform: Platform) -> None:
    hub = build_hub(platform)
    client.login(hub.id_number)
    granted = client.submit("/me/data", "/me/data/consents", {"use": "portal.prefill"}, follow_redirects=False)
    assert granted.status_code == 303
    assert "/me/data/consents/revoke" in client.get("/me/data").text
    api = client.get("/api/v1/me/data-accesses")
    assert api.status_code == 200 and api.json() == []
    revoked = client.submit("/me/data", "/me/data/consents/revoke", {"use": "portal.prefill"}, follow_redirects=False)
    assert revoked.status_code == 303
    again = client.submit("/me/data", "/me/data/consents/revoke", {"use": "portal.prefill"})
    assert again.status_code == 404
    unknown = client.submit("/me/data", "/me/data/consents", {"use": "no.such.use"})
    assert unknown.status_code == 404


def test_staff_catalogue_and_approvals(client: Browser, platform: Platform) -> None:
    hub = build_hub(platform)
    assert client.get("/staff/datahub", follow_redirects=False).status_code in (303, 401)
    client.login(hub.other_number)
    page = client.get("/staff/datahub")
    assert page.status_code == 200 and "psb.no_criminal_record" in page.text
    items = client.get("/api/v1/datahub/items").json()
    assert {i["code"] for i in items} >= {"psb.household", "amr.registration"}
    approval = {"item": "psb.no_criminal_record", "use": "nr.transfer", "legal_basis": "条例"}
    assert client.post("/api/v1/datahub/approvals", json=approval, headers=_clerk_headers(client)).status_code == 403
    assert (
        client.post(
            "/api/v1/datahub/dossier", json={"subject": "123", "purpose": PURPOSE}, headers=_clerk_headers(client)
        ).json()["code"]
        == "datahub.subject.invalid"
    )
