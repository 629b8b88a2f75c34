"""The catalogue over HTTP: browsing and searching (both languages), a service's page, a
bundle's page, the home page's search, and the JSON API — on the demo catalogue."""

from __future__ import annotations

import pytest

from onevisit.demo.catalog import seed_catalog
from onevisit.kernel.platform import Platform
from tests.functional.conftest import Browser
from tests.unit.catalog.conftest import prepare_references


@pytest.fixture
def demo(platform: Platform) -> Platform:
    prepare_references(platform)
    seed_catalog(platform)
    return platform


def english(client: Browser) -> None:
    client.get("/language/en", follow_redirects=False)


@pytest.mark.usefixtures("demo")
def test_browse_by_life_event_audience_and_department(client: Browser) -> None:
    english(client)
    page = client.get("/services")
    assert page.status_code == 200
    assert "All 55 services" in page.text
    assert 'href="/services?life_event=having_a_baby"' in page.text

    baby = client.get("/services?life_event=having_a_baby")
    assert "Having a baby (one application)" in baby.text
    assert 'href="/bundles/bundle.newborn"' in baby.text
    assert "Registering a newborn" in baby.text
    assert "Traffic-fine payment" not in baby.text

    firms = client.get("/services?audience=enterprise")
    assert "Enterprise establishment (business licence)" in firms.text
    assert "Marriage registration appointment" not in firms.text
    assert 'aria-current="page">Enterprises' in firms.text

    tax = client.get("/services?department=ZJ-TAX")
    assert "Individual income tax annual filing" in tax.text
    assert "Deed tax on a second-hand home" in tax.text
    assert "Marriage registration appointment" not in tax.text
    # a department that only reviews a step is listed too (tax clearance in deregistration)
    assert "Simplified deregistration" in tax.text

    # unknown filter values are ignored rather than answering an empty page
    assert "All 55 services" in client.get("/services?life_event=<script>").text


@pytest.mark.usefixtures("demo")
def test_full_text_search_in_chinese_and_english(client: Browser) -> None:
    english(client)
    chinese = client.get("/services", params={"q": "网约车"})
    assert 'href="/services/trans.ride_hailing_driver"' in chinese.text
    assert "Services found: 1" in chinese.text
    found = client.get("/services", params={"q": "ride hailing"})
    assert 'href="/services/trans.ride_hailing_driver"' in found.text
    # every word must match; department names and life events are searchable too
    assert 'href="/services/tax.deed_tax"' in client.get("/services", params={"q": "契税 二手房"}).text
    assert 'href="/bundles/bundle.second_hand_housing"' in client.get("/services", params={"q": "一件事 二手房"}).text
    nothing = client.get("/services", params={"q": "spaceship licence"})
    assert "No service matches your search" in nothing.text
    # LIKE wildcards in the query are taken literally
    assert "No service matches your search" in client.get("/services", params={"q": "%_%"}).text


@pytest.mark.usefixtures("demo")
def test_the_home_page_search_uses_the_catalogue(client: Browser) -> None:
    english(client)
    home = client.get("/")
    assert "55 services are available online." in home.text
    assert 'href="/services"' in home.text
    found = client.get("/", params={"q": "二手房"})
    assert 'href="/bundles/bundle.second_hand_housing"' in found.text
    assert 'href="/services/nr.second_hand_transfer"' in found.text
    assert "One application for several matters" in found.text


@pytest.mark.usefixtures("demo")
def test_a_service_page_says_who_may_apply_what_is_fetched_fees_limits_and_steps(client: Browser) -> None:
    english(client)
    page = client.get("/services/trans.ride_hailing_driver")
    assert page.status_code == 200
    text = page.text
    assert "<h1>Online car-hailing driver qualification</h1>" in text
    assert "Instant approval:" in text
    assert "Aged 21 to 60" in text  # who may apply
    assert "2 of 2 materials are fetched for you" in text
    assert "Fetched for you: Driving licence, from Zhejiang Provincial Department of Public Security" in text
    assert "From your wallet: Online car-hailing driver" not in text  # not a material of its own
    assert "Free of charge." in text
    assert "Done on the spot" in text and "the law allows 20 working days" in text
    assert "Zhejiang Provincial Department of Transportation" in text
    assert "Online car-hailing driver&#39;s qualification" in text  # the certificate you get

    housing = client.get("/services/nr.second_hand_transfer").text
    assert "¥80.00" in housing and "Total, paid once online: ¥80.00" in housing
    assert "Only if none of these is possible: upload it" in housing
    assert "A commitment instead:" in housing
    assert 'href="/bundles/bundle.second_hand_housing"' in housing  # also part of the bundle

    fine = client.get("/services/psb.traffic_fine_payment").text
    assert "Worked out from your form" in fine
    assert "No materials: everything needed is already on record." in fine


@pytest.mark.usefixtures("demo")
def test_the_bundle_page_shows_one_form_one_payment_and_every_department(client: Browser) -> None:
    english(client)
    assert client.get("/services/bundle.second_hand_housing", follow_redirects=False).status_code == 308
    page = client.get("/bundles/bundle.second_hand_housing")
    assert page.status_code == 200
    text = page.text
    for member in (
        "hurd.housing_contract_filing",
        "tax.deed_tax",
        "nr.second_hand_transfer",
        "hurd.utilities_transfer",
    ):
        assert f'href="/services/{member}"' in text
    for department in ("Natural Resources", "Housing and Urban-Rural Development", "Tax Service"):
        assert department in text
    # shared materials are asked for once: the seller's title is needed by two services
    assert text.count('id="material-seller_title"') == 1
    # shared form fields are asked once
    assert text.count("<li>Address of the home") == 1
    assert "Paid once online, when the amount is known." in text  # the deed tax depends on the price
    assert client.get("/bundles/trans.ride_hailing_driver").status_code == 404
    assert client.get("/services/no.such_service").status_code == 404


@pytest.mark.usefixtures("demo")
def test_pages_in_chinese(client: Browser) -> None:
    client.get("/language/zh", follow_redirects=False)
    page = client.get("/services/trans.ride_hailing_driver").text
    assert "<h1>网络预约出租汽车驾驶员证核发</h1>" in page
    assert "免提交，系统调取" in page
    assert "即办" in page
    browse = client.get("/services?audience=person").text
    assert "生育" in browse and "浏览政务服务" in browse


@pytest.mark.usefixtures("demo")
def test_the_catalogue_api(client: Browser) -> None:
    found = client.get("/api/v1/catalog/services", params={"q": "ride hailing"})
    assert found.status_code == 200
    body = found.json()
    assert body["total"] == 1 and body["items"][0]["code"] == "trans.ride_hailing_driver"
    assert body["items"][0]["instant"] is True and body["items"][0]["committed_days"] == 0

    bundles = client.get("/api/v1/catalog/services", params={"kind": "bundle", "per_page": 100}).json()
    assert {i["code"] for i in bundles["items"]} == {
        "bundle.second_hand_housing",
        "bundle.enterprise_establishment",
        "bundle.newborn",
        "bundle.retirement",
    }
    firms = client.get("/api/v1/catalog/services", params={"audience": "enterprise", "per_page": 100}).json()
    assert all(i["audience"] == "enterprise" for i in firms["items"]) and firms["total"] >= 10

    detail = client.get("/api/v1/catalog/services/trans.ride_hailing_driver").json()
    assert detail["version"] == 1 and detail["latest_version"] == 1
    definition = detail["definition"]
    assert definition["materials"][0]["sources"][0] == {"datahub": "psb.driving_licence"}
    assert definition["instant_approval"]["rule"].startswith("criminal_record = 'none'")

    bundle = client.get("/api/v1/catalog/bundles/bundle.enterprise_establishment").json()
    merged = bundle["merged"]
    assert [m["code"] for m in merged["members"]] == bundle["bundle"]["services"]
    assert all(m["version"] == 1 for m in merged["members"])
    names = [f["name"] for f in merged["form"]]
    assert names.count("enterprise_name") == 1  # asked once for four services
    shared = next(f for f in merged["form"] if f["name"] == "enterprise_name")
    assert len(shared["services"]) == 4
    assert merged["applicant"] == "person"

    facets = client.get("/api/v1/catalog/facets").json()
    baby = next(t for t in facets["life_events"] if t["code"] == "having_a_baby")
    assert baby["count"] >= 5
    assert any(d["code"] == "ZJ-TAX" for d in facets["departments"])

    bad = client.get("/api/v1/catalog/services", params={"audience": "aliens"})
    assert bad.status_code == 422 and bad.headers["content-type"].startswith("application/problem+json")
    assert bad.json()["code"] == "catalog.vocabulary.unknown"
    missing = client.get("/api/v1/catalog/services/no.such_service")
    assert missing.status_code == 404 and missing.json()["code"] == "catalog.not_found"
    assert client.get("/api/v1/catalog/services/bundle.newborn").status_code == 404  # a bundle, not a service
    assert client.get("/api/v1/catalog/services/tax.deed_tax", params={"version": 9}).json()["code"] == (
        "catalog.version.not_found"
    )
